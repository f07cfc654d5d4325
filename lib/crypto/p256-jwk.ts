// Internal: what lib/crypto accepts as a P-256 JWK, its canonical form, and
// importing it into WebCrypto. Every JWK that crosses a trust boundary (caller
// input, decrypted payloads) goes through here and comes out rebuilt from the
// checked members only, so unchecked members (key_ops, x5u, …) never travel on.
import { calculateJwkThumbprint, type JWK } from 'jose';

import { base64urlDecode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { isJsonObject } from './json-object';

export type TKeyKind = 'ecdh' | 'ecdsa';

export const KEY_KINDS = {
  ecdh: { alg: 'ECDH-ES+A256KW', use: 'enc', algorithm: { name: 'ECDH', namedCurve: 'P-256' } },
  ecdsa: { alg: 'ES256', use: 'sig', algorithm: { name: 'ECDSA', namedCurve: 'P-256' } },
} as const;

export type TP256Members = { kty: 'EC'; crv: 'P-256'; x: string; y: string; d?: string };
export type TP256Private = TP256Members & { d: string };

// P-256 scalars and coordinates are exactly 32 bytes (RFC 7518 §6.2.1.2 requires
// full-length encodings); a shorter one would give the same key a second thumbprint.
function isCoordinate(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 43) return false;
  try {
    return base64urlDecode(value).length === 32;
  } catch {
    return false;
  }
}

/** The key-material members of a P-256 EC JWK, validated; everything else is dropped. */
export function readP256Members(value: unknown, code: TCryptoErrorCode): TP256Members {
  if (!isJsonObject(value)) throw new CryptoError(code, 'Expected a JWK object.');
  if (value.kty !== 'EC' || value.crv !== 'P-256') {
    throw new CryptoError(code, 'Expected an EC P-256 JWK.');
  }
  if (!isCoordinate(value.x) || !isCoordinate(value.y)) {
    throw new CryptoError(code, 'JWK "x"/"y" must be 32-byte base64url values.');
  }
  const members: TP256Members = { kty: 'EC', crv: 'P-256', x: value.x, y: value.y };
  if (value.d !== undefined) {
    if (!isCoordinate(value.d)) throw new CryptoError(code, 'JWK "d" must be a 32-byte base64url value.');
    members.d = value.d;
  }
  return members;
}

// alg/use on a JWK are what keeps an encryption key from being used to sign
// and vice versa; when present they must name this kind exactly.
function checkKind(value: JWK, kind: TKeyKind, required: boolean, code: TCryptoErrorCode): void {
  const { alg, use } = KEY_KINDS[kind];
  if (required ? value.alg !== alg : value.alg !== undefined && value.alg !== alg) {
    throw new CryptoError(code, `Expected a JWK with alg "${alg}".`);
  }
  if (required ? value.use !== use : value.use !== undefined && value.use !== use) {
    throw new CryptoError(code, `Expected a JWK with use "${use}".`);
  }
}

/** A public key of the given kind; carrying a private member is refused, not stripped. */
export function readPublicJwk(value: unknown, kind: TKeyKind, code: TCryptoErrorCode): TP256Members {
  const members = readP256Members(value, code);
  if (members.d !== undefined) throw new CryptoError(code, 'Expected a public JWK, got a private one.');
  checkKind(value as JWK, kind, false, code);
  return members;
}

/** A private key of the given kind; `strictKind` additionally requires alg and use to be present. */
export function readPrivateJwk(
  value: unknown,
  kind: TKeyKind,
  code: TCryptoErrorCode,
  strictKind = false,
): TP256Private {
  const members = readP256Members(value, code);
  if (members.d === undefined) throw new CryptoError(code, 'Expected a private JWK (with "d").');
  checkKind(value as JWK, kind, strictKind, code);
  return { ...members, d: members.d };
}

export async function thumbprintOf(members: TP256Members): Promise<string> {
  return calculateJwkThumbprint({ kty: members.kty, crv: members.crv, x: members.x, y: members.y }, 'sha256');
}

/**
 * The canonical JWK the rest of the project stores and exchanges: key members,
 * kid = thumbprint, alg, use. A `kid` the input already carried must agree.
 */
export async function canonicalJwk(
  members: TP256Members,
  kind: TKeyKind,
  claimedKid: unknown,
  code: TCryptoErrorCode,
): Promise<JWK> {
  const kid = await thumbprintOf(members);
  if (claimedKid !== undefined && claimedKid !== kid) {
    throw new CryptoError(code, 'JWK "kid" is not the thumbprint of its key.');
  }
  const { alg, use } = KEY_KINDS[kind];
  const jwk: JWK = { kty: members.kty, crv: members.crv, x: members.x, y: members.y };
  if (members.d !== undefined) jwk.d = members.d;
  return { ...jwk, kid, alg, use };
}

export async function importPrivateKey(
  jwk: TP256Private,
  kind: TKeyKind,
  usages: KeyUsage[],
  code: TCryptoErrorCode,
): Promise<CryptoKey> {
  try {
    // Only the key members go to WebCrypto: a JWK's alg/key_ops/ext would make
    // import fail differently across engines, and extractability is ours to decide.
    const { kty, crv, x, y, d } = jwk;
    return await globalThis.crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, KEY_KINDS[kind].algorithm, false, usages);
  } catch (cause) {
    throw new CryptoError(code, 'The private key could not be imported.', { cause });
  }
}

export async function importPublicKey(
  members: TP256Members,
  kind: TKeyKind,
  usages: KeyUsage[],
  code: TCryptoErrorCode,
): Promise<CryptoKey> {
  try {
    const { kty, crv, x, y } = members;
    return await globalThis.crypto.subtle.importKey('jwk', { kty, crv, x, y }, KEY_KINDS[kind].algorithm, true, usages);
  } catch (cause) {
    throw new CryptoError(code, 'The public key could not be imported.', { cause });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Proves `d` belongs to `x`/`y`. Node and Chromium refuse a mismatched pair on
 * import, but WebCrypto does not require it; without this a forged key set
 * could pass a public-key (kid) check while carrying someone else's `d`.
 */
export async function assertKeyPairMatches(jwk: TP256Private, kind: TKeyKind, code: TCryptoErrorCode): Promise<void> {
  const subtle = globalThis.crypto.subtle;
  let ok = false;
  try {
    if (kind === 'ecdsa') {
      const privateKey = await importPrivateKey(jwk, kind, ['sign'], code);
      const publicKey = await importPublicKey(jwk, kind, ['verify'], code);
      const challenge = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const params = { name: 'ECDSA', hash: 'SHA-256' };
      const signature = await subtle.sign(params, privateKey, challenge);
      ok = await subtle.verify(params, publicKey, signature, challenge);
    } else {
      const privateKey = await importPrivateKey(jwk, kind, ['deriveBits'], code);
      const publicKey = await importPublicKey(jwk, kind, [], code);
      const probe = await subtle.generateKey(KEY_KINDS.ecdh.algorithm, false, ['deriveBits']);
      const ours = await subtle.deriveBits({ name: 'ECDH', public: probe.publicKey }, privateKey, 256);
      const theirs = await subtle.deriveBits({ name: 'ECDH', public: publicKey }, probe.privateKey, 256);
      ok = equalBytes(new Uint8Array(ours), new Uint8Array(theirs));
    }
  } catch (cause) {
    if (cause instanceof CryptoError) throw cause;
    throw new CryptoError(code, 'The key pair could not be checked.', { cause });
  }
  if (!ok) throw new CryptoError(code, 'The private key does not match its public key.');
}

/** A fresh key pair of the given kind as canonical JWKs (kid, alg, use on both halves). */
export async function generateJwkPair(kind: TKeyKind): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const subtle = globalThis.crypto.subtle;
  const usages: KeyUsage[] = kind === 'ecdh' ? ['deriveBits'] : ['sign', 'verify'];
  // Extractable only so the private half can become a JWK; the CryptoKeys are dropped here.
  const pair = (await subtle.generateKey(KEY_KINDS[kind].algorithm, true, usages)) as CryptoKeyPair;
  const members = readPrivateJwk(await subtle.exportKey('jwk', pair.privateKey), kind, 'invalid_input');
  const privateJwk = await canonicalJwk(members, kind, undefined, 'invalid_input');
  const publicJwk = { ...privateJwk };
  delete publicJwk.d;
  return { publicJwk, privateJwk };
}

/** Checks that `key` is a P-256 private CryptoKey of the right algorithm that can be used for `usage`. */
export function assertP256PrivateKey(key: unknown, expected: { algorithm: 'ECDSA' | 'ECDH'; usage: KeyUsage }): asserts key is CryptoKey {
  const k = key as CryptoKey | null;
  const algorithm = k?.algorithm as Partial<EcKeyAlgorithm> | undefined;
  const ok =
    typeof k === 'object' &&
    k !== null &&
    k.type === 'private' &&
    algorithm?.name === expected.algorithm &&
    algorithm.namedCurve === 'P-256' &&
    Array.isArray(k.usages) &&
    k.usages.includes(expected.usage);
  if (!ok) throw new CryptoError('invalid_input', `Expected an ${expected.algorithm} P-256 private CryptoKey with ${expected.usage}.`);
}
