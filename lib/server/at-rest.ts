import 'server-only';
// Encryption at rest for small server-side secrets (TOTP secrets and the
// like) under the broker's key-encryption key. The context — e.g.
// "totp:<userId>" — is bound as AES-GCM additional data, so a blob copied
// into another row or used for another purpose fails to decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const B64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const FAILED = 'at-rest decryption failed';

function parseKey(keyB64url: string): Buffer {
  const key = KEY_PATTERN.test(keyB64url) ? Buffer.from(keyB64url, 'base64url') : null;
  // A misconfigured key is an operator error, not a damaged blob: say so.
  if (key?.length !== 32) throw new Error('at-rest key must be 32 bytes encoded as base64url (43 characters)');
  return key;
}

function requireContext(context: string): Buffer {
  // An empty context would bind nothing; refuse it rather than store unbound blobs.
  if (context.length === 0) throw new Error('at-rest context must not be empty');
  return Buffer.from(context, 'utf8');
}

/** Returns `v1.<iv>.<ciphertext‖tag>`, both parts base64url. */
export function encryptAtRest(plaintext: string, keyB64url: string, context: string): string {
  const key = parseKey(keyB64url);
  const aad = requireContext(context);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}`;
}

// Strict decoding: Buffer.from silently skips junk, and a blob that was
// altered in any way should fail loudly rather than be half-read.
function decodePart(part: string): Buffer | null {
  if (!B64URL_PATTERN.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

/** Throws Error('at-rest decryption failed') for any blob that is not authentic under this key and context. */
export function decryptAtRest(blob: string, keyB64url: string, context: string): string {
  const key = parseKey(keyB64url);
  const aad = requireContext(context);
  const parts = blob.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) throw new Error(FAILED);
  const iv = decodePart(parts[1] ?? '');
  const sealed = decodePart(parts[2] ?? '');
  if (iv?.length !== IV_BYTES || !sealed || sealed.length < TAG_BYTES) throw new Error(FAILED);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    return plaintext.toString('utf8');
  } catch {
    // The cause (usually "unable to authenticate data") says nothing useful
    // and must not distinguish wrong key from wrong context from tampering.
    throw new Error(FAILED);
  }
}
