// Internal: strict parsing of the JSON documents lib/crypto reads back
// (envelopes and decrypted payloads). Exact member sets are enforced so that a
// field nobody checks can never ride along inside a sealed or signed blob.
import { CryptoError, type TCryptoErrorCode } from './errors';

export type TJsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is TJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJsonObject(text: string, code: TCryptoErrorCode, what: string): TJsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CryptoError(code, `${what} is not valid JSON.`, { cause });
  }
  if (!isJsonObject(value)) throw new CryptoError(code, `${what} is not a JSON object.`);
  return value;
}

export function assertExactMembers(
  value: TJsonObject,
  members: readonly string[],
  code: TCryptoErrorCode,
  what: string,
): void {
  const keys = Object.keys(value);
  const ok = keys.length === members.length && members.every((m) => Object.hasOwn(value, m));
  if (!ok) throw new CryptoError(code, `${what} has unexpected or missing members.`);
}

export function readString(value: TJsonObject, member: string, code: TCryptoErrorCode, what: string): string {
  const v = value[member];
  if (typeof v !== 'string' || v === '') {
    throw new CryptoError(code, `${what}: "${member}" must be a non-empty string.`);
  }
  return v;
}

// Decrypted bytes are decoded fatally: invalid UTF-8 is tampering, not text to repair.
export function decodeUtf8(bytes: Uint8Array, code: TCryptoErrorCode, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new CryptoError(code, `${what} is not valid UTF-8.`, { cause });
  }
}
