/** The package ships no types; its output shape is in tests/e2e/src/prometheus-text.ts. */
declare module 'parse-prometheus-text-format' {
  import type { Family } from '../prometheus-text.js';
  export default function parsePrometheusTextFormat(text: string): Family[];
}
