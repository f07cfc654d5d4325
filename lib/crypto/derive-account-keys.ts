// Turns a user's passphrase into the two account secrets (PROTOCOL.md "Keys" 3):
// authKey, the login secret the server hashes, and wrapKey, which seals the
// admin private key and never leaves the browser. HKDF with distinct labels
// keeps them independent: knowing authKey (as the server does) reveals nothing
// about wrapKey short of brute-forcing the passphrase through PBKDF2.
import { base64urlDecode, base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError } from './errors';

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000;

// Refuse absurd counts so a bad value cannot freeze the tab.
const MAX_ITERATIONS = 10_000_000;
const MIN_SALT_BYTES = 16;
const SALT_BYTES = 16;
const AUTH_KEY_INFO = 'cmk-broker/v1/auth-key';
const WRAP_KEY_INFO = 'cmk-broker/v1/wrap-key';

export type TAccountKeys = { authKey: string; wrapKey: CryptoKey };

/** A fresh per-user salt: 16 random bytes, base64url. */
export function generateSalt(): string {
  return base64urlEncode(randomBytes(SALT_BYTES));
}

/**
 * masterKey = PBKDF2-SHA256(NFKC(passphrase), salt, iterations) → 256 bits,
 * then authKey = HKDF-SHA256(masterKey, "", "cmk-broker/v1/auth-key") as
 * base64url and wrapKey = HKDF-SHA256(masterKey, "", "cmk-broker/v1/wrap-key")
 * as a non-extractable AES-GCM-256 key.
 *
 * `iterations` exists for tests. Production callers must use the default and
 * never a count received from the server: the server receives authKey, and a
 * lowered count would let it brute-force the passphrase (and so wrapKey) cheaply.
 */
export async function deriveAccountKeys(
  passphrase: string,
  salt: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<TAccountKeys> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new CryptoError('invalid_input', 'The passphrase must be a non-empty string.');
  }
  const saltBytes = base64urlDecode(salt);
  if (saltBytes.length < MIN_SALT_BYTES) {
    throw new CryptoError('invalid_input', `The salt must be at least ${MIN_SALT_BYTES} bytes.`);
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new CryptoError('invalid_input', 'The PBKDF2 iteration count is out of range.');
  }

  const subtle = globalThis.crypto.subtle;
  // NFKC so the same passphrase typed on another keyboard or OS (composed vs
  // decomposed accents, full-width forms) derives the same keys.
  const password = utf8(passphrase.normalize('NFKC'));
  const pbkdf2Key = await subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  password.fill(0);
  const masterBits = new Uint8Array(
    await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: saltBytes, iterations }, pbkdf2Key, 256),
  );
  const masterKey = await subtle.importKey('raw', masterBits, 'HKDF', false, ['deriveBits', 'deriveKey']);
  // Best effort: the raw master key should not linger in JS memory.
  masterBits.fill(0);

  const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) });
  const authBits = new Uint8Array(await subtle.deriveBits(hkdf(AUTH_KEY_INFO), masterKey, 256));
  const wrapKey = await subtle.deriveKey(hkdf(WRAP_KEY_INFO), masterKey, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  return { authKey: base64urlEncode(authBits), wrapKey };
}
