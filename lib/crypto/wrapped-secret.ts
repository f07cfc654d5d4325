// The wrapped form of a tenant secret as the broker stores and delivers it
// (./tenant-secrets.ts): the KMS's ciphertext in canonical base64url, bounded
// so that a hostile proxy or broker cannot make the others carry megabytes.
import { base64urlDecode } from './encoding';

/** Long enough for every KMS's ciphertext of 64 bytes plus its framing (AWS, Vault, Thales …). */
export const MAX_WRAPPED_SECRET_LENGTH = 8192;

/** Non-empty canonical base64url of at most MAX_WRAPPED_SECRET_LENGTH characters. */
export function isWrappedSecret(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_WRAPPED_SECRET_LENGTH) return false;
  try {
    base64urlDecode(value);
    return true;
  } catch {
    return false;
  }
}

/** An instant as Date.prototype.toISOString writes it (UTC, milliseconds), and a real one. */
export function isIsoInstant(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) && new Date(value).toISOString() === value;
}
