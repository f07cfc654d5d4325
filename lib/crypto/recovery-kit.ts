// The tenant's recovery kit: the tenant private keys sealed under a random
// recovery code that is shown once and kept offline, so a tenant whose admins
// all lose their passphrases can still get its keys back. The code carries
// 150 random bits, so it is not guessable even offline; PBKDF2 is kept anyway
// for uniformity with the passphrase path and as margin.
import { aesGcmOpen, aesGcmSeal } from './aes-gcm';
import { base64urlDecode, base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError } from './errors';
import { assertExactMembers, parseJsonObject, readString } from './json-object';
import {
  assertTenantId,
  checkTenantPrivateKeys,
  decodeTenantKeysPayload,
  encodeTenantKeysPayload,
  type TTenantPrivateKeys,
} from './tenant-private-keys';

// Crockford base32: no I, L, O, U, so a code read aloud or from paper survives.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 30; // 30 × 5 = 150 bits
const GROUP = 5;
const TYP = 'cmk-recovery-kit';
const KDF = 'PBKDF2-SHA256';
const ALG = 'A256GCM';
const SALT_BYTES = 16;
const DEFAULT_ITERATIONS = 600_000;
// The count is read from the stored kit; a ceiling keeps a doctored kit from freezing the tab.
const MAX_ITERATIONS = 10_000_000;
const KIT_MEMBERS = ['v', 'typ', 'tenantId', 'kdf', 'iterations', 'salt', 'alg', 'iv', 'ct'] as const;

/** 150 random bits as 30 Crockford base32 characters in groups of 5: "XXXXX-XXXXX-…". */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(Math.ceil((CODE_CHARS * 5) / 8));
  let code = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    // Read the i-th 5-bit group across byte boundaries.
    const bit = i * 5;
    const window = ((bytes[bit >> 3] ?? 0) << 8) | (bytes[(bit >> 3) + 1] ?? 0);
    code += CROCKFORD[(window >> (11 - (bit & 7))) & 31];
  }
  return group(code);
}

function group(chars: string): string {
  return (chars.match(new RegExp(`.{1,${GROUP}}`, 'g')) ?? []).join('-');
}

/**
 * The canonical grouped form of a code as typed: case, spaces and dashes do
 * not matter, and O/I/L are read as 0/1/1 (Crockford's rule). A wrong length or
 * character is 'invalid_input', so the UI can say "check the code" before any
 * slow key derivation.
 */
export function normalizeRecoveryCode(input: string): string {
  if (typeof input !== 'string') throw new CryptoError('invalid_input', 'The recovery code must be a string.');
  const chars = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (chars.length !== CODE_CHARS || ![...chars].every((c) => CROCKFORD.includes(c))) {
    throw new CryptoError('invalid_input', `A recovery code has ${CODE_CHARS} characters from 0-9 and A-Z without U.`);
  }
  return group(chars);
}

function assertIterations(iterations: unknown, code: 'invalid_input' | 'unsupported'): asserts iterations is number {
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new CryptoError(code, 'The PBKDF2 iteration count is out of range.');
  }
}

// tenantId is last and typ has no '|', so the string splits one way only.
function additionalData(tenantId: string): Uint8Array<ArrayBuffer> {
  return utf8(`cmk-broker/v1/${TYP}|${tenantId}`);
}

async function deriveKitKey(normalizedCode: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const subtle = globalThis.crypto.subtle;
  const password = utf8(normalizedCode);
  const base = await subtle.importKey('raw', password, 'PBKDF2', false, ['deriveKey']);
  password.fill(0);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Seals the tenant private keys under a recovery code; the JSON kit is safe to hand to the user or the server. */
export async function sealRecoveryKit(
  privates: TTenantPrivateKeys,
  code: string,
  tenantId: string,
  iterations = DEFAULT_ITERATIONS,
): Promise<string> {
  assertTenantId(tenantId);
  const normalized = normalizeRecoveryCode(code);
  assertIterations(iterations, 'invalid_input');
  const keys = await checkTenantPrivateKeys(privates, 'invalid_input', false);
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKitKey(normalized, salt, iterations);
  const plaintext = encodeTenantKeysPayload(tenantId, keys.jwks);
  let sealed: { iv: string; ct: string };
  try {
    sealed = await aesGcmSeal(key, plaintext, additionalData(tenantId));
  } finally {
    plaintext.fill(0);
  }
  const { iv, ct } = sealed;
  return JSON.stringify({ v: 1, typ: TYP, tenantId, kdf: KDF, iterations, salt: base64urlEncode(salt), alg: ALG, iv, ct });
}

/** Opens a recovery kit for the given tenant; any mismatch or damage is 'decrypt_failed'. */
export async function openRecoveryKit(kit: string, code: string, tenantId: string): Promise<TTenantPrivateKeys> {
  assertTenantId(tenantId);
  const normalized = normalizeRecoveryCode(code);
  if (typeof kit !== 'string') throw new CryptoError('invalid_input', 'The recovery kit must be a string.');
  const what = 'Recovery kit';
  const envelope = parseJsonObject(kit, 'invalid_input', what);
  assertExactMembers(envelope, KIT_MEMBERS, 'invalid_input', what);
  if (envelope.v !== 1 || envelope.typ !== TYP || envelope.kdf !== KDF || envelope.alg !== ALG) {
    throw new CryptoError('unsupported', 'Unsupported recovery kit version, type or algorithm.');
  }
  assertIterations(envelope.iterations, 'unsupported');
  if (envelope.tenantId !== tenantId) throw new CryptoError('decrypt_failed', 'This recovery kit is for another tenant.');
  const iv = readString(envelope, 'iv', 'invalid_input', what);
  const ct = readString(envelope, 'ct', 'invalid_input', what);
  let salt: Uint8Array<ArrayBuffer>;
  try {
    salt = base64urlDecode(readString(envelope, 'salt', 'invalid_input', what));
  } catch (cause) {
    throw new CryptoError('decrypt_failed', 'The recovery kit is damaged.', { cause });
  }
  if (salt.length < SALT_BYTES) throw new CryptoError('decrypt_failed', 'The recovery kit is damaged.');

  const key = await deriveKitKey(normalized, salt, envelope.iterations);
  const plaintext = await aesGcmOpen(key, iv, ct, additionalData(tenantId));
  try {
    return (await decodeTenantKeysPayload(plaintext, tenantId)).jwks;
  } finally {
    plaintext.fill(0);
  }
}
