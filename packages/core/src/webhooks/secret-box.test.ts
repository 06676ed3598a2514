import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, secretKeysSchema } from './secret-box.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const newKey = () => randomBytes(32);

describe('webhook secrets at rest', () => {
  it('seals a secret into a form that does not contain it, and opens it again', () => {
    const box = createSecretBox([newKey()]);
    const stored = box.seal(SECRET);
    expect(stored).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain(SECRET.slice(6));
    expect(box.open(stored)).toBe(SECRET);
    expect(box.seal(SECRET)).not.toBe(stored); // a new IV each time
  });

  it('opens what an older key sealed once a new key goes first, and seals with the new one', () => {
    const [old, next] = [newKey(), newKey()];
    const sealedBefore = createSecretBox([old]).seal(SECRET);
    const rotated = createSecretBox([next, old]);
    expect(rotated.open(sealedBefore)).toBe(SECRET);
    expect(createSecretBox([next]).open(rotated.seal(SECRET))).toBe(SECRET);
  });

  it('refuses a sealed secret whose key is not configured, naming the key id and never the secret', () => {
    const stored = createSecretBox([newKey()]).seal(SECRET);
    expect(() => createSecretBox([newKey()]).open(stored)).toThrow(/not in WEBHOOK_SECRET_KEYS \(key id [0-9a-f]{8}\)/);
    expect(() => createSecretBox([]).open(stored)).toThrow(/not in WEBHOOK_SECRET_KEYS/);
  });

  it('refuses a sealed secret that was altered', () => {
    const key = newKey();
    const stored = createSecretBox([key]).seal(SECRET);
    const last = stored.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${stored.slice(0, -2)}${last}${stored.at(-1)}`;
    expect(() => createSecretBox([key]).open(altered)).toThrow();
  });

  it('without keys stores secrets as they are, and opens a secret stored before keys were set', () => {
    const plain = createSecretBox([]);
    expect(plain.sealing).toBe(false);
    expect(plain.seal(SECRET)).toBe(SECRET);
    expect(createSecretBox([newKey()]).open(SECRET)).toBe(SECRET);
  });

  it('reads WEBHOOK_SECRET_KEYS as base64 keys of 32 bytes, refusing any other', () => {
    const [a, b] = [newKey(), newKey()];
    const parsed = secretKeysSchema.parse(`${a.toString('base64')}, ${b.toString('base64')}`);
    expect(parsed.map((key) => key.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
    expect(secretKeysSchema.parse('')).toEqual([]);
    expect(secretKeysSchema.safeParse(randomBytes(16).toString('base64')).success).toBe(false);
    expect(secretKeysSchema.safeParse('not base64!').success).toBe(false);
  });
});
