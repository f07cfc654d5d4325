import 'server-only';
// Second-factor primitives: RFC 6238 TOTP (SHA-1, 6 digits, 30 s — the only
// parameters every authenticator app honours), the otpauth:// enrolment URI
// and its QR code, and one-time recovery codes. Storage (secret encrypted at
// rest, last used step, recovery-code hashes) belongs to the DAL, not here.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import QRCode from 'qrcode';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
// One step either side absorbs clock drift and the time it takes to type.
const WINDOW_STEPS = 1;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * RFC 4648 base32; case, spaces and trailing padding are forgiven because
 * people retype secrets, anything else outside the alphabet throws.
 */
export function decodeBase32(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error('invalid base32');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

export function generateTotpSecret(): string {
  return encodeBase32(randomBytes(SECRET_BYTES));
}

/**
 * The otpauth:// URI an authenticator app scans. Each part is encoded with
 * encodeURIComponent rather than URLSearchParams, whose `+` for a space some
 * apps display literally. The issuer is repeated as a parameter because
 * newer apps read it from there and older ones from the label prefix.
 */
export function totpUri({ secret, accountName, issuer }: { secret: string; accountName: string; issuer: string }): string {
  // The label is "issuer:account"; a colon inside either part makes it ambiguous.
  if (issuer.includes(':') || accountName.includes(':')) throw new Error('issuer and account name must not contain a colon');
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${DIGITS}`,
    `period=${PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

/** RFC 4226 HOTP; exported for the RFC test vectors, callers want TOTP. */
export function hotp(secretBytes: Uint8Array, counter: number, digits: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('counter must be a non-negative integer');
  if (!Number.isInteger(digits) || digits < 6 || digits > 9) throw new RangeError('digits must be 6 to 9');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secretBytes).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function stepAt(timeMs: number): number {
  if (!Number.isFinite(timeMs) || timeMs < 0) throw new RangeError('time must be a non-negative number of milliseconds');
  return Math.floor(timeMs / 1000 / PERIOD_SECONDS);
}

function decodeSecret(secret: string): Uint8Array {
  const bytes = decodeBase32(secret);
  // RFC 4226 requires at least 128 bits; anything shorter is a corrupted row.
  if (bytes.length < 16) throw new Error('TOTP secret is too short');
  return bytes;
}

export function totpCode(secret: string, timeMs: number): string {
  return hotp(decodeSecret(secret), stepAt(timeMs), DIGITS);
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Checks a code against the current step ±1. The caller stores the returned
 * step and passes it back as lastUsedStep, so a code (or an older one from
 * the window) cannot be replayed.
 */
export function verifyTotp(
  secret: string,
  code: string,
  { nowMs, lastUsedStep }: { nowMs: number; lastUsedStep: number | null },
): TotpVerification {
  const candidate = code.replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(candidate)) return { ok: false };
  const key = decodeSecret(secret);
  const current = stepAt(nowMs);
  const given = Buffer.from(candidate, 'utf8');
  let accepted: number | null = null;
  // Every step in the window is computed and compared, so timing says
  // nothing about which one (if any) matched.
  for (let step = current - WINDOW_STEPS; step <= current + WINDOW_STEPS; step++) {
    if (step < 0) continue;
    const matches = timingSafeEqual(given, Buffer.from(hotp(key, step, DIGITS), 'utf8'));
    const fresh = lastUsedStep === null || step > lastUsedStep;
    if (matches && fresh) accepted = step;
  }
  return accepted === null ? { ok: false } : { ok: true, step: accepted };
}

// No 0/1/i/l/o/u: nothing to confuse when read off paper, and fewer words.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstvwxyz23456789';
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_LENGTH = 4;
// 12 characters from 30 symbols: log2(30) * 12 ≈ 58.9 bits.

function generateRecoveryCode(): string {
  // Rejection sampling keeps every symbol equally likely (256 % 30 ≠ 0).
  const limit = 256 - (256 % RECOVERY_ALPHABET.length);
  const length = RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH;
  let chars = '';
  while (chars.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      chars += RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length];
      if (chars.length === length) break;
    }
  }
  const groups: string[] = [];
  for (let i = 0; i < length; i += RECOVERY_GROUP_LENGTH) groups.push(chars.slice(i, i + RECOVERY_GROUP_LENGTH));
  return groups.join('-');
}

export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new RangeError('count must be 1 to 100');
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateRecoveryCode());
  return [...codes];
}

/** What the user typed, reduced to the form that was hashed. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/**
 * SHA-256 rather than a password hash: each code carries ~59 random bits,
 * far beyond what an offline guesser can search, so a slow KDF would only
 * slow down logins.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest('hex');
}
