import { maskAccountsInText } from '../logging/redaction.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

const BEFORE = 0;
const OPEN = 1;
const CLOSED = 2;

export interface JsonArraySplitterOptions {
  /** Whole elements are parsed together once this many bytes of them are held (~6,000 /status entries). */
  batchBytes?: number;
  /** An element longer than this fails the read: memory stays bounded by a batch and one element. */
  maxElementBytes?: number;
}

/** The body is not the JSON array it should be: not an array, unclosed, or an element that is not JSON. */
export class MalformedJsonArray extends Error {
  override name = 'MalformedJsonArray';
}

/**
 * Splits a JSON array arriving as a byte stream into batches of its elements, each batch parsed by
 * one `JSON.parse`: the byte scan only finds where top-level elements end (strings, escapes and
 * nesting tracked; every structural character is ASCII, so a multi-byte UTF-8 character split
 * across chunks never misleads it), and JSON.parse does the parsing, validation included. Kept
 * over a streaming parser for its speed (figures in bench/README.md); memory is bounded by a batch.
 *
 * `push` each chunk as it arrives; it answers the elements it completed once a batch's worth
 * (or the whole array) is held, else nothing. `end` after the last chunk throws when the body
 * was empty or the array never closed. Elements may be any JSON value.
 */
export class JsonArraySplitter {
  private readonly batchBytes: number;
  private readonly maxElementBytes: number;
  /** Chunks from the one holding regionStart on; chunksStart is the offset of the first one's first byte. */
  private chunks: Uint8Array[] = [];
  private chunksStart = 0;
  /** Bytes scanned so far (the offset of the next chunk's first byte). */
  private scanned = 0;
  private phase = BEFORE;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Whether the element being scanned has anything but whitespace yet. */
  private hasContent = false;
  private elementStart = 0;
  /** The held elements not yet handed out: from regionStart to the separator at regionEnd (-1: none). */
  private regionStart = 0;
  private regionEnd = -1;
  /** Elements completed, and handed out, so far (for error messages). */
  private completed = 0;
  private handedOut = 0;

  constructor(options: JsonArraySplitterOptions = {}) {
    this.batchBytes = options.batchBytes ?? 1024 * 1024;
    this.maxElementBytes = options.maxElementBytes ?? 1024 * 1024;
  }

  /** Scans a chunk; answers the whole elements held once they reach a batch (or the array closed). */
  push(chunk: Uint8Array): unknown[] | undefined {
    if (chunk.length === 0) return undefined;
    this.chunks.push(chunk);
    this.scan(chunk);
    this.scanned += chunk.length;
    if (this.phase === OPEN && this.scanned - this.elementStart > this.maxElementBytes)
      throw new MalformedJsonArray(`element ${this.completed + 1} is longer than ${this.maxElementBytes} bytes`);
    if (this.regionEnd < 0) return undefined;
    if (this.phase !== CLOSED && this.regionEnd - this.regionStart < this.batchBytes) return undefined;
    return this.takeRegion();
  }

  /** After the last chunk: throws unless a whole array was read. */
  end(): void {
    if (this.phase === BEFORE) throw new MalformedJsonArray('the body is empty');
    if (this.phase === OPEN) throw new MalformedJsonArray(`the array never closed (after ${this.completed} elements)`);
  }

  private scan(chunk: Uint8Array): void {
    // Fields are copied to locals for the loop: it runs once per byte of a body of ~160 MB.
    let { phase, depth, inString, escaped, hasContent } = this;
    const base = this.scanned;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === SPACE || byte === LF || byte === CR || byte === TAB) continue;
      if (phase === OPEN) {
        if (byte === QUOTE) {
          inString = true;
          hasContent = true;
        } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          depth++;
          hasContent = true;
        } else if (depth > 0 && (byte === CLOSE_BRACE || byte === CLOSE_BRACKET)) {
          depth--;
        } else if (depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET)) {
          if (hasContent) {
            this.completed++;
            this.regionEnd = base + i;
          } else if (byte === COMMA || this.completed > 0) {
            throw new MalformedJsonArray(`element ${this.completed + 1} is empty`);
          }
          hasContent = false;
          this.elementStart = base + i + 1;
          if (byte === CLOSE_BRACKET) phase = CLOSED;
        } else {
          hasContent = true; // a number, a literal, or what JSON.parse will refuse
        }
      } else if (phase === BEFORE && byte === OPEN_BRACKET) {
        phase = OPEN;
        this.regionStart = base + i + 1;
        this.elementStart = base + i + 1;
      } else {
        throw new MalformedJsonArray(phase === BEFORE ? 'the body is not a JSON array' : 'the body goes on after its array');
      }
    }
    this.phase = phase;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.hasContent = hasContent;
  }

  /** Parses the held whole elements with one JSON.parse and lets go of their bytes. */
  private takeRegion(): unknown[] {
    const start = this.regionStart;
    const end = this.regionEnd;
    const text = Buffer.allocUnsafe(end - start + 2);
    text[0] = OPEN_BRACKET;
    let written = 1;
    let chunkStart = this.chunksStart;
    for (const chunk of this.chunks) {
      const from = Math.max(start - chunkStart, 0);
      const to = Math.min(end - chunkStart, chunk.length);
      if (to > from) {
        text.set(chunk.subarray(from, to), written);
        written += to - from;
      }
      chunkStart += chunk.length;
    }
    text[written] = CLOSE_BRACKET;
    const first = this.handedOut + 1;
    this.handedOut = this.completed;
    this.regionStart = end + 1;
    this.regionEnd = -1;
    this.dropChunksBefore(this.regionStart);
    try {
      return JSON.parse(text.toString('utf8')) as unknown[];
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new MalformedJsonArray(
        `elements ${first}-${this.handedOut} are not valid JSON: ${maskAccountsInText(why).slice(0, 200)}`,
      );
    }
  }

  private dropChunksBefore(offset: number): void {
    while (this.chunks.length > 0) {
      const first = this.chunks[0] as Uint8Array;
      if (this.chunksStart + first.length > offset) break;
      this.chunksStart += first.length;
      this.chunks.shift();
    }
  }
}
