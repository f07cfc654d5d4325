// An admin's ECDH P-256 key pair and the sealed form of its private half that
// the server stores (PROTOCOL.md "Keys" 3). Sealing is AES-256-GCM under the
// passphrase-derived wrapKey; the AAD binds the blob to its owner (context =
// user id) and to its key id, so the server cannot hand one user's blob to
// another account or swap in a different key under a familiar kid.
import type { JWK } from 'jose';

import { aesGcmOpen, aesGcmSeal, assertAesGcmKey } from './aes-gcm';
import { utf8 } from './encoding';
import { CryptoError } from './errors';
import { assertExactMembers, decodeUtf8, parseJsonObject, readString } from './json-object';
import {
  assertKeyPairMatches,
  canonicalJwk,
  generateJwkPair,
  importPrivateKey,
  readPrivateJwk,
  type TP256Private,
} from './p256-jwk';

const TYP = 'cmk-sealed-admin-key';
const ALG = 'A256GCM';
const AAD_PREFIX = 'cmk-broker/v1/admin-key|';
const ENVELOPE_MEMBERS = ['v', 'typ', 'alg', 'kid', 'iv', 'ct'] as const;

export type TAdminKeyPair = { publicJwk: JWK; privateJwk: JWK };

/** ECDH P-256; both JWKs carry kid = thumbprint, alg ECDH-ES+A256KW, use enc. */
export async function generateAdminKeyPair(): Promise<TAdminKeyPair> {
  return generateJwkPair('ecdh');
}

function assertContext(context: string): void {
  if (typeof context !== 'string' || context.length === 0) {
    throw new CryptoError('invalid_input', 'The sealing context (user id) must be a non-empty string.');
  }
}

// The kid is last and base64url (no '|'), so the string splits one way only.
function additionalData(context: string, kid: string): Uint8Array<ArrayBuffer> {
  return utf8(`${AAD_PREFIX}${context}|${kid}`);
}

/** Seals an admin private JWK under wrapKey; the result is a JSON envelope safe to store on the server. */
export async function sealAdminPrivateKey(privateJwk: JWK, wrapKey: CryptoKey, context: string): Promise<string> {
  assertContext(context);
  assertAesGcmKey(wrapKey, 'encrypt');
  const members = readPrivateJwk(privateJwk, 'ecdh', 'invalid_input');
  // Sealing a key whose d does not match its x/y would lock the admin out later.
  await assertKeyPairMatches(members, 'ecdh', 'invalid_input');
  const canonical = await canonicalJwk(members, 'ecdh', privateJwk.kid, 'invalid_input');
  const kid = canonical.kid as string;
  const plaintext = utf8(JSON.stringify(canonical));
  let sealed: { iv: string; ct: string };
  try {
    sealed = await aesGcmSeal(wrapKey, plaintext, additionalData(context, kid));
  } finally {
    plaintext.fill(0);
  }
  const { iv, ct } = sealed;
  return JSON.stringify({ v: 1, typ: TYP, alg: ALG, kid, iv, ct });
}

async function openSealedJwk(
  sealed: string,
  wrapKey: CryptoKey,
  context: string,
): Promise<{ jwk: JWK; members: TP256Private; kid: string }> {
  assertContext(context);
  assertAesGcmKey(wrapKey, 'decrypt');
  if (typeof sealed !== 'string') throw new CryptoError('invalid_input', 'The sealed admin key must be a string.');
  const what = 'Sealed admin key';
  const envelope = parseJsonObject(sealed, 'invalid_input', what);
  assertExactMembers(envelope, ENVELOPE_MEMBERS, 'invalid_input', what);
  if (envelope.v !== 1 || envelope.typ !== TYP || envelope.alg !== ALG) {
    throw new CryptoError('unsupported', 'Unsupported sealed admin key version, type or algorithm.');
  }
  const kid = readString(envelope, 'kid', 'invalid_input', what);
  const iv = readString(envelope, 'iv', 'invalid_input', what);
  const ct = readString(envelope, 'ct', 'invalid_input', what);

  const plaintext = await aesGcmOpen(wrapKey, iv, ct, additionalData(context, kid));
  // Authentic from here on, but still checked: a bug at sealing time must not
  // become a key that silently fails to decrypt tenant keys later.
  let json: ReturnType<typeof parseJsonObject>;
  try {
    json = parseJsonObject(decodeUtf8(plaintext, 'decrypt_failed', what), 'decrypt_failed', what);
  } finally {
    plaintext.fill(0);
  }
  const members = readPrivateJwk(json, 'ecdh', 'decrypt_failed', true);
  const jwk = await canonicalJwk(members, 'ecdh', json.kid, 'decrypt_failed');
  if (jwk.kid !== kid) throw new CryptoError('decrypt_failed', 'The sealed key does not match its kid.');
  return { jwk, members, kid };
}

/** Opens a sealed admin key into a non-extractable ECDH CryptoKey (deriveBits/deriveKey). */
export async function openAdminPrivateKey(
  sealed: string,
  wrapKey: CryptoKey,
  context: string,
): Promise<{ privateKey: CryptoKey; kid: string }> {
  const { members, kid } = await openSealedJwk(sealed, wrapKey, context);
  const privateKey = await importPrivateKey(members, 'ecdh', ['deriveBits', 'deriveKey'], 'decrypt_failed');
  return { privateKey, kid };
}

/** Re-seals under a new wrapKey (passphrase change) with a fresh IV; the key pair itself is unchanged. */
export async function resealAdminPrivateKey(
  sealed: string,
  oldWrapKey: CryptoKey,
  newWrapKey: CryptoKey,
  context: string,
): Promise<string> {
  // Check the new key before decrypting anything, so a bad call fails without touching the secret.
  assertAesGcmKey(newWrapKey, 'encrypt');
  const { jwk } = await openSealedJwk(sealed, oldWrapKey, context);
  return sealAdminPrivateKey(jwk, newWrapKey, context);
}
