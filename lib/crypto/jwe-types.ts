// The sealed form of a configuration (PROTOCOL.md "A configuration" 3): a JWE
// General JSON serialization with one recipient entry per key, and the
// flattened serialization the broker hands one proxy. Both readers accept
// exactly what sealConfig writes — protected header {enc, cty}, per-recipient
// header {alg, kid, epk}, no aad, no shared unprotected header — and return a
// copy rebuilt from the checked members only.
//
// Codes: a missing or malformed member is 'invalid_input'; a well-formed
// header that asks for another algorithm or an extra feature (crit, zip,
// PBES2 parameters, apu/apv, …) is 'unsupported'.
//
// A draft's sealed settings for a configuration test (lib/crypto/seal-config-test.ts)
// have the same shape with cty CONFIG_TEST_CTY; each reader takes the cty it
// accepts, so neither ever passes for the other.
import { CONFIG_TEST_CTY } from '@/lib/schemas/config-tests';

import { base64urlDecode } from './encoding';
import { CryptoError } from './errors';
import { assertExactMembers, decodeUtf8, isJsonObject, parseJsonObject } from './json-object';
import { readP256Members } from './p256-jwk';
import { decodeThumbprint } from './thumbprint';

export const CONFIG_KEY_ALG = 'ECDH-ES+A256KW';
export const CONFIG_ENC = 'A256GCM';
export const CONFIG_CTY = 'cmk-config+jws';
export { CONFIG_TEST_CTY };
/** The content types a sealed JWE may carry: a configuration's, or a draft test's. */
export type TSealedCty = typeof CONFIG_CTY | typeof CONFIG_TEST_CTY;
/** The tenant encryption key plus up to 63 proxy deployment keys. */
export const MAX_CONFIG_RECIPIENTS = 64;

export type TEphemeralPublicJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string };

export type TJweRecipientHeader = { alg: typeof CONFIG_KEY_ALG; kid: string; epk: TEphemeralPublicJwk };

export type TJweRecipient = { header: TJweRecipientHeader; encrypted_key: string };

/** What sealConfig produces and the broker stores. */
export type TGeneralJwe = {
  protected: string;
  iv: string;
  ciphertext: string;
  tag: string;
  recipients: TJweRecipient[];
};

/** One recipient's view of a TGeneralJwe: what the broker sends to one proxy deployment. */
export type TFlattenedJwe = {
  protected: string;
  iv: string;
  ciphertext: string;
  tag: string;
  header: TJweRecipientHeader;
  encrypted_key: string;
};

const SHARED_MEMBERS = ['protected', 'iv', 'ciphertext', 'tag'] as const;
const GENERAL_MEMBERS = [...SHARED_MEMBERS, 'recipients'] as const;
const FLATTENED_MEMBERS = [...SHARED_MEMBERS, 'header', 'encrypted_key'] as const;
const RECIPIENT_MEMBERS = ['header', 'encrypted_key'] as const;
const PROTECTED_MEMBERS = new Set(['enc', 'cty']);
const RECIPIENT_HEADER_MEMBERS = new Set(['alg', 'kid', 'epk']);
const EPK_MEMBERS = ['kty', 'crv', 'x', 'y'] as const;

const IV_BYTES = 12;
const TAG_BYTES = 16;
// AES key wrap of a 256-bit CEK: 32 bytes + the 8-byte integrity block.
const WRAPPED_KEY_BYTES = 40;

const invalid = (message: string): CryptoError => new CryptoError('invalid_input', `Sealed configuration: ${message}`);
const unsupported = (message: string): CryptoError =>
  new CryptoError('unsupported', `Sealed configuration: ${message}`);

function decodeMember(value: unknown, member: string): Uint8Array {
  if (typeof value !== 'string' || value === '') throw invalid(`"${member}" must be a non-empty base64url string.`);
  try {
    return base64urlDecode(value);
  } catch (cause) {
    throw new CryptoError('invalid_input', `Sealed configuration: "${member}" is not canonical base64url.`, { cause });
  }
}

function readSized(value: unknown, member: string, bytes: number): string {
  if (decodeMember(value, member).length !== bytes) throw invalid(`"${member}" must be ${bytes} bytes.`);
  return value as string;
}

function refuseExtras(value: Record<string, unknown>): void {
  if (Object.hasOwn(value, 'aad')) throw invalid('"aad" is not allowed (sealed configurations carry none).');
  if (Object.hasOwn(value, 'unprotected')) {
    throw invalid('a shared "unprotected" header is not allowed (sealed configurations carry none).');
  }
}

/** The protected header must decode to exactly {enc: A256GCM, cty} with one of the `ctys` accepted (default cmk-config+jws). */
export function checkConfigProtectedHeader(encoded: unknown, ctys: readonly TSealedCty[] = [CONFIG_CTY]): void {
  const header = parseJsonObject(
    decodeUtf8(decodeMember(encoded, 'protected'), 'invalid_input', 'Protected header'),
    'invalid_input',
    'Protected header',
  );
  const extra = Object.keys(header).filter((m) => !PROTECTED_MEMBERS.has(m));
  if (extra.length > 0) throw unsupported(`protected header member(s) not accepted: ${extra.join(', ')}.`);
  if (header.enc !== CONFIG_ENC) throw unsupported(`"enc" must be "${CONFIG_ENC}".`);
  if (!ctys.includes(header.cty as TSealedCty)) throw unsupported(`"cty" must be "${ctys.join('" or "')}".`);
}

function readKid(value: unknown): string {
  try {
    decodeThumbprint(value as string);
  } catch (cause) {
    throw new CryptoError('invalid_input', 'Sealed configuration: recipient "kid" must be a key thumbprint.', {
      cause,
    });
  }
  return value as string;
}

function readRecipientHeader(value: unknown): TJweRecipientHeader {
  if (!isJsonObject(value)) throw invalid('each recipient needs a "header" object.');
  const extra = Object.keys(value).filter((m) => !RECIPIENT_HEADER_MEMBERS.has(m));
  if (extra.length > 0) throw unsupported(`recipient header member(s) not accepted: ${extra.join(', ')}.`);
  if (value.alg === undefined) throw invalid('recipient header "alg" is missing.');
  if (value.alg !== CONFIG_KEY_ALG) throw unsupported(`recipient "alg" must be "${CONFIG_KEY_ALG}".`);
  const kid = readKid(value.kid);
  const epk = value.epk;
  if (!isJsonObject(epk)) throw invalid('recipient header "epk" must be a JWK object.');
  assertExactMembers(epk, EPK_MEMBERS, 'invalid_input', 'Sealed configuration: recipient "epk"');
  const { kty, crv, x, y } = readP256Members(epk, 'invalid_input');
  return { alg: CONFIG_KEY_ALG, kid, epk: { kty, crv, x, y } };
}

function readRecipient(value: unknown): TJweRecipient {
  if (!isJsonObject(value)) throw invalid('each recipient must be an object.');
  assertExactMembers(value, RECIPIENT_MEMBERS, 'invalid_input', 'Sealed configuration: recipient');
  const header = readRecipientHeader(value.header);
  const encryptedKey = readSized(value.encrypted_key, 'encrypted_key', WRAPPED_KEY_BYTES);
  return { header, encrypted_key: encryptedKey };
}

function readShared(value: Record<string, unknown>, ctys: readonly TSealedCty[]): Omit<TGeneralJwe, 'recipients'> {
  checkConfigProtectedHeader(value.protected as string, ctys);
  const iv = readSized(value.iv, 'iv', IV_BYTES);
  decodeMember(value.ciphertext, 'ciphertext');
  const tag = readSized(value.tag, 'tag', TAG_BYTES);
  return { protected: value.protected as string, iv, ciphertext: value.ciphertext as string, tag };
}

/**
 * A sealed configuration as stored by the broker: the exact members, 1 to 64
 * recipients with distinct kids, sizes of iv/tag/encrypted_key as A256GCM and
 * A256KW make them. Nothing is decrypted or authenticated here.
 */
export function readGeneralJwe(value: unknown, ctys: readonly TSealedCty[] = [CONFIG_CTY]): TGeneralJwe {
  if (!isJsonObject(value)) throw invalid('expected a JWE JSON object.');
  refuseExtras(value);
  assertExactMembers(value, GENERAL_MEMBERS, 'invalid_input', 'Sealed configuration (general JWE)');
  const shared = readShared(value, ctys);
  const { recipients } = value;
  if (!Array.isArray(recipients) || recipients.length === 0) throw invalid('"recipients" must be a non-empty array.');
  if (recipients.length > MAX_CONFIG_RECIPIENTS) throw invalid(`at most ${MAX_CONFIG_RECIPIENTS} recipients.`);
  const read = recipients.map(readRecipient);
  const kids = new Set(read.map((r) => r.header.kid));
  if (kids.size !== read.length) throw invalid('two recipient entries name the same "kid".');
  return { ...shared, recipients: read };
}

/** One recipient's flattened JWE, as a proxy receives it; the same rules as readGeneralJwe. */
export function readFlattenedJwe(value: unknown, ctys: readonly TSealedCty[] = [CONFIG_CTY]): TFlattenedJwe {
  if (!isJsonObject(value)) throw invalid('expected a JWE JSON object.');
  refuseExtras(value);
  assertExactMembers(value, FLATTENED_MEMBERS, 'invalid_input', 'Sealed configuration (flattened JWE)');
  const shared = readShared(value, ctys);
  const { header, encrypted_key } = readRecipient({ header: value.header, encrypted_key: value.encrypted_key });
  return { ...shared, header, encrypted_key };
}
