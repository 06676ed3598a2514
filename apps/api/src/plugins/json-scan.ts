/** What one pass over a valid JSON text finds that JSON.parse does not tell. */
export interface JsonScan {
  /** Each key repeated within one object, once, as a path: "amount", "payer.name", "items.0.id". */
  duplicates: string[];
  /** The top-level `amount` exactly as written, when it is a number (JSON.parse would make it a float). */
  amountText: string | undefined;
}

/** An object or array the scan is inside. */
interface Frame {
  /** The keys seen so far; undefined for an array. */
  keys: Set<string> | undefined;
  /** Where it sits in its parent: a key, or an index. */
  at: string;
  /** The key whose value is being read (an object), or the index of the item (an array). */
  current: string;
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const NUMBER_CHARACTERS = /[-+.0-9eE]/;

/**
 * scanJson(text) → the keys `text` repeats within an object, and its top-level `amount` as
 * written. One pass, for a text JSON.parse has already accepted (what is valid is not checked
 * again): strings are skipped with indexOf, so the loop visits only the punctuation between
 * them. A key is compared decoded, so `"\u0061mount"` repeats `"amount"`.
 */
export function scanJson(text: string): JsonScan {
  const duplicates = new Set<string>();
  let amountText: string | undefined;
  const frames: Frame[] = [];
  let expectKey = false;
  let amountNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      const frame = frames[frames.length - 1];
      if (expectKey && frame?.keys) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (frame.keys.has(key)) duplicates.add(pathOf(frames, key));
        frame.keys.add(key);
        frame.current = key;
        expectKey = false;
        amountNext = frames.length === 1 && key === 'amount';
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const parent = frames[frames.length - 1];
      const at = parent ? (parent.keys ? parent.current : String(parent.index)) : '';
      frames.push({ keys: c === OPEN_OBJECT ? new Set() : undefined, at, current: '', index: 0 });
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
    } else if (c === COMMA) {
      const frame = frames[frames.length - 1];
      if (frame?.keys) expectKey = true;
      else if (frame) frame.index++;
    } else if (c === COLON && amountNext) {
      amountNext = false;
      let start = i + 1;
      while (text.charCodeAt(start) <= 0x20) start++;
      let end = start;
      while (end < text.length && NUMBER_CHARACTERS.test(text.charAt(end))) end++;
      if (end > start) amountText = text.slice(start, end);
    }
  }
  return { duplicates: [...duplicates], amountText };
}

/** The index of the quote that closes the string opening at `open`. */
function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (isEscaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/** Whether the character at `at` follows an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let j = at - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
  return backslashes % 2 === 1;
}

function pathOf(frames: Frame[], key: string): string {
  return [...frames.slice(1).map((frame) => frame.at), key].join('.');
}
