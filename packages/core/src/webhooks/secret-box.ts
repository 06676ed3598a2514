import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
/** Binds a sealed value to its use: a sealed value of another kind does not open as a secret. */
const AAD = Buffer.from('payment-tracker webhook signing secret');

/**
 * WEBHOOK_SECRET_KEYS: comma-separated base64 keys of 32 bytes (`openssl rand -base64 32`). The
 * first seals new secrets; every one opens (so a new key goes first while the old ones still
 * open what they sealed). Empty: secrets are stored as they are (development only).
 */
export const secretKeysSchema = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const keys: Buffer[] = [];
    for (const [index, text] of value
      .split(',')
      .map((item) => item.trim())
      .entries()) {
      if (text === '') continue;
      const key = Buffer.from(text, 'base64');
      if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
        ctx.addIssue({ code: 'custom', message: `key ${index + 1} is not ${KEY_BYTES} bytes in base64` });
        return z.NEVER;
      }
      keys.push(key);
    }
    return keys;
  });

export interface SecretBox {
  /** Whether secrets are sealed (a key is configured). */
  readonly sealing: boolean;
  /** The stored form of a secret: sealed with the first key, or the secret itself without keys. */
  seal(secret: string): string;
  /** The secret of a stored form; one stored before sealing (or without keys) is returned as it is. */
  open(stored: string): string;
}

/**
 * Webhook signing secrets at rest: AES-256-GCM, a random IV per secret, the key's id in the
 * stored form (`v1.<key id>.<iv>.<ciphertext and tag>`, base64url), so a database dump or a
 * read-only role does not hand out every endpoint's secret. A secret has to be recoverable (it
 * signs), so it is sealed rather than hashed.
 */
export function createSecretBox(keys: readonly Buffer[]): SecretBox {
  const byId = new Map(keys.map((key) => [keyIdOf(key), key]));
  const current = keys[0];
  return {
    sealing: current !== undefined,
    seal(secret) {
      if (current === undefined) return secret;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current, iv).setAAD(AAD);
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, keyIdOf(current), iv.toString('base64url'), sealed.toString('base64url')].join('.');
    },
    open(stored) {
      if (!stored.startsWith(`${VERSION}.`)) return stored;
      const [, keyId, iv, sealed] = stored.split('.');
      const key = keyId === undefined ? undefined : byId.get(keyId);
      if (key === undefined || iv === undefined || sealed === undefined)
        throw new Error(`the secret was sealed with a key not in WEBHOOK_SECRET_KEYS (key id ${keyId})`);
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url')).setAAD(AAD);
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/** A key's public name: the first 8 hex digits of its SHA-256. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
