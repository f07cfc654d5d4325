// Byte/string encodings and randomness shared by lib/crypto. Hand-written
// rather than atob/Buffer so the same strict rules hold in every browser and
// in Node: decoding accepts only canonical unpadded base64url, because
// thumbprints and AAD compare encoded strings and two spellings of the same
// bytes must not both pass.
import { CryptoError } from './errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// getRandomValues refuses more than 65 536 bytes per call.
const RANDOM_CHUNK = 65_536;

export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

// Character code → 6-bit value, -1 for anything outside the alphabet.
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function valueAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const v = c < 128 ? (DECODE[c] as number) : -1;
  if (v < 0) throw new CryptoError('invalid_input', 'Invalid base64url string.');
  return v;
}

export function base64urlDecode(s: string): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string' || s.length % 4 === 1) {
    throw new CryptoError('invalid_input', 'Invalid base64url string.');
  }
  const whole = s.length - (s.length % 4);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const n = (valueAt(s, i) << 18) | (valueAt(s, i + 1) << 12) | (valueAt(s, i + 2) << 6) | valueAt(s, i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = s.length - whole;
  if (rest > 0) {
    const a = valueAt(s, whole);
    const b = valueAt(s, whole + 1);
    const c = rest === 3 ? valueAt(s, whole + 2) : 0;
    // Leftover low bits must be zero, otherwise several strings decode to the same bytes.
    if ((rest === 2 && (b & 0x0f) !== 0) || (rest === 3 && (c & 0x03) !== 0)) {
      throw new CryptoError('invalid_input', 'Invalid base64url string.');
    }
    out[o++] = (a << 2) | (b >> 4);
    if (rest === 3) out[o++] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return out;
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CryptoError('invalid_input', 'randomBytes needs a non-negative integer length.');
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + RANDOM_CHUNK)));
  }
  return out;
}

// Lone surrogates are rejected rather than silently turned into U+FFFD, which
// would make two different strings (passphrases, AAD contexts) encode alike.
// (A loop rather than a lookbehind regex, which older Safari cannot parse.)
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

export function utf8(s: string): Uint8Array<ArrayBuffer> {
  if (typeof s !== 'string' || !isWellFormed(s)) {
    throw new CryptoError('invalid_input', 'Expected a well-formed Unicode string.');
  }
  return new TextEncoder().encode(s);
}
