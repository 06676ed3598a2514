/**
 * The console's one stylesheet, served at /console/console.css. Kept as a module rather than a
 * .css file so that tsx and the esbuild bundle (the Docker image) both carry it with no copying.
 */
export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --soft: #f6f8fa; --accent: #0a58ca;
  --warn: #9a6700; --bad: #cf222e; --good: #1a7f37; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.45; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header .brand { font-weight: 600; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
header nav a[aria-current="page"] { font-weight: 600; text-decoration: none; color: var(--fg); }
header form { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.muted { color: var(--muted); }
.notice { padding: .5rem .75rem; border-left: 4px solid var(--good); background: var(--soft); }
.error { padding: .5rem .75rem; border-left: 4px solid var(--bad); background: var(--soft); }
.count { display: inline-block; min-width: 1.5rem; padding: 0 .4rem; border-radius: 1rem; background: var(--soft); border: 1px solid var(--line); text-align: center; font-size: .85rem; }
.table { width: 100%; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
code, .mono { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-all; }
.status { font-weight: 600; }
.status-settled { color: var(--good); }
.status-failed, .status-rejected { color: var(--bad); }
.status-unconfirmed, .status-returned { color: var(--warn); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: .75rem 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
form.stack { display: grid; gap: .75rem; max-width: 32rem; }
form.search { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
label { display: grid; gap: .2rem; font-weight: 600; font-size: .9rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: normal; }
input, select, textarea, button { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
button, .button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; text-decoration: none; display: inline-block; padding: .4rem .8rem; border-radius: 4px; }
button.secondary, .button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.chart { width: 100%; max-width: 40rem; height: auto; border: 1px solid var(--line); background: var(--bg); }
.chart .axis { stroke: var(--line); }
.chart .cycle { fill: none; stroke: var(--accent); stroke-width: 2; }
.chart .changed { fill: var(--warn); opacity: .6; }
.chart text { font-size: 11px; fill: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .85rem; padding-left: 0; list-style: none; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; }
.swatch-cycle { background: var(--accent); }
.swatch-changed { background: var(--warn); }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  header form { margin-left: 0; }
  th, td { padding: .3rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
}
`;
