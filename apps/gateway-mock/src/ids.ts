/**
 * Random UUID v4 confirmation ids, as flat strings.
 *
 * `crypto.randomUUID()` builds its result by concatenating ~20 pieces, which
 * V8 keeps as a tree of cons-strings, several times the memory of a flat string.
 * The mock holds every id it ever issued (a million in the bench), so ids are
 * written into a byte buffer and read back as one flat latin1 string, which is
 * also faster to make (figures in bench/README.md).
 */
import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const POOL_IDS = 4096;
const random = Buffer.alloc(16 * POOL_IDS);
let offset = random.length;
const text = Buffer.alloc(36);

export function newConfirmationId(): string {
  if (offset >= random.length) {
    randomFillSync(random);
    offset = 0;
  }
  let out = 0;
  for (let i = 0; i < 16; i++) {
    let byte = random[offset + i] ?? 0;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    if (i === 4 || i === 6 || i === 8 || i === 10) text[out++] = 0x2d; // '-'
    text[out++] = HEX[byte >> 4] ?? 0x30;
    text[out++] = HEX[byte & 0x0f] ?? 0x30;
  }
  offset += 16;
  return text.toString('latin1', 0, 36);
}
