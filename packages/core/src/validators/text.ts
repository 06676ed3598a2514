import type { z } from 'zod';

/**
 * What free text (a memo, an operator's reason) may not hold, by kind, in the words its error
 * uses. Control characters (C0, DEL, C1; tab and newline included) break log lines and
 * terminals. Bidirectional controls reorder what a reader sees: U+202E shows "rent 0001" as
 * "1000 tner". Invisible characters (zero-width space, joiner and non-joiner, word joiner, BOM,
 * soft hyphen, invisible operators, tag characters, fillers, line and paragraph separators)
 * make two texts that look the same differ, or hide text from a reader but not from a program.
 * Bidirectional controls are Unicode format characters (Cf) too: they are looked for first, so
 * the error names them as such.
 */
const FORBIDDEN: ReadonlyArray<{ kind: string; pattern: RegExp }> = [
  { kind: 'control characters', pattern: /\p{Cc}/u },
  { kind: 'bidirectional controls', pattern: /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u },
  { kind: 'invisible characters', pattern: /[\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u17B4\u17B5\u3164\uFFA0]|\u034F/u },
];

/** Why `text` may not be stored as free text ("must not contain … (U+202E)"), or undefined when it may. */
export function forbiddenCharacterIssue(text: string): string | undefined {
  for (const { kind, pattern } of FORBIDDEN) {
    const found = pattern.exec(text)?.[0];
    if (found !== undefined) return `must not contain ${kind} (${codePointName(found)})`;
  }
  return undefined;
}

/** A zod refinement for free-text fields: one issue naming the first kind of forbidden character found. */
export function refuseForbiddenCharacters(text: string, ctx: z.RefinementCtx): void {
  const message = forbiddenCharacterIssue(text);
  if (message) ctx.addIssue({ code: 'custom', message });
}

function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
