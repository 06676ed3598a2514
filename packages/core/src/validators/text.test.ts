import { describe, expect, test } from 'vitest';
import { forbiddenCharacterIssue } from './text.js';

describe('forbiddenCharacterIssue refuses', () => {
  test.each([
    ['NUL', '\u0000', 'control characters', 'U+0000'],
    ['a tab', 'a\tb', 'control characters', 'U+0009'],
    ['a newline', 'a\nb', 'control characters', 'U+000A'],
    ['an escape (ANSI colours)', '\u001b[31mred', 'control characters', 'U+001B'],
    ['DEL', 'a\u007f', 'control characters', 'U+007F'],
    ['a C1 control', 'a\u0085b', 'control characters', 'U+0085'],
    ['the last C1 control', '\u009f', 'control characters', 'U+009F'],
    ['a left-to-right mark', 'a\u200eb', 'bidirectional controls', 'U+200E'],
    ['a right-to-left mark', 'a\u200fb', 'bidirectional controls', 'U+200F'],
    ['the Arabic letter mark', '\u061c1', 'bidirectional controls', 'U+061C'],
    ['a right-to-left override', 'invoice \u202e24', 'bidirectional controls', 'U+202E'],
    ['a left-to-right embedding', '\u202aa', 'bidirectional controls', 'U+202A'],
    ['a first-strong isolate', '\u2068a', 'bidirectional controls', 'U+2068'],
    ['a pop directional isolate', 'a\u2069', 'bidirectional controls', 'U+2069'],
    ['a zero-width space', 'in\u200bvoice', 'invisible characters', 'U+200B'],
    ['a zero-width non-joiner', 'a\u200cb', 'invisible characters', 'U+200C'],
    ['a zero-width joiner', 'a\u200db', 'invisible characters', 'U+200D'],
    ['a word joiner', 'a\u2060b', 'invisible characters', 'U+2060'],
    ['an invisible times', 'a\u2062b', 'invisible characters', 'U+2062'],
    ['a byte order mark', '\ufeffinvoice', 'invisible characters', 'U+FEFF'],
    ['a soft hyphen', 'in\u00advoice', 'invisible characters', 'U+00AD'],
    ['a tag character (hidden ASCII)', `ok${String.fromCodePoint(0xe0041)}`, 'invisible characters', 'U+E0041'],
    ['a Hangul filler', 'a\u3164b', 'invisible characters', 'U+3164'],
    ['a combining grapheme joiner', 'a\u034fb', 'invisible characters', 'U+034F'],
    ['a line separator', 'a\u2028b', 'invisible characters', 'U+2028'],
    ['a paragraph separator', 'a\u2029b', 'invisible characters', 'U+2029'],
  ])('%s', (_label, text, kind, codePoint) => {
    expect(forbiddenCharacterIssue(text)).toBe(`must not contain ${kind} (${codePoint})`);
  });

  test('names control characters first when a text holds several kinds', () => {
    expect(forbiddenCharacterIssue('\u202e\u200b\u0007')).toBe('must not contain control characters (U+0007)');
  });
});

describe('forbiddenCharacterIssue accepts', () => {
  test.each([
    ['plain ASCII', 'invoice 42 / rent: 100.50 EUR'],
    ['accented letters', 'Miete für März, café'],
    ['right-to-left scripts, without controls', 'שכר דירה إيجار'],
    ['CJK', '家賃 월세'],
    ['an emoji', 'rent 🏠'],
    ['an emoji with a variation selector', 'thanks ❤️'],
    ['a no-break space', '100\u00a0EUR'],
    ['an empty text', ''],
  ])('%s', (_label, text) => {
    expect(forbiddenCharacterIssue(text)).toBeUndefined();
  });
});
