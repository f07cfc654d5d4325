// Internal: the compact ES256 JWS statements the tenant signs (a configuration,
// the tenant state). Header exactly {alg: ES256, kid, typ}; verification pins
// the algorithm and the typ, so a statement of one kind never passes as another,
// and checks the kid against the verifying key whenever that key's thumbprint
// can be known.
import { CompactSign, compactVerify, errors, type JWK } from 'jose';

import { base64urlDecode } from './encoding';
import { CryptoError } from './errors';
import { decodeUtf8, isJsonObject, parseJsonObject } from './json-object';
import { canonicalJwk, importPublicKey, readP256Members, readPublicJwk, thumbprintOf } from './p256-jwk';
import { decodeThumbprint } from './thumbprint';
import { assertP256PrivateKey } from './p256-jwk';

const ALG = 'ES256';
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ']);
// ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4).
const SIGNATURE_BYTES = 64;

export type TVerifyKey = CryptoKey | JWK | TResolvedVerifyKey;

export function isThumbprint(value: unknown): value is string {
  try {
    decodeThumbprint(value as string);
    return true;
  } catch {
    return false;
  }
}

export function assertSigningKey(key: unknown, kid: unknown): asserts key is CryptoKey {
  assertP256PrivateKey(key, { algorithm: 'ECDSA', usage: 'sign' });
  if (!isThumbprint(kid)) throw new CryptoError('invalid_input', 'The signing kid must be a key thumbprint.');
}

/** resolveVerifyKey's result: imported and identified once, reusable for every statement of that signer. */
export type TResolvedVerifyKey = Readonly<{ key: CryptoKey; kid: string | undefined }>;

// Only objects resolveVerifyKey made (and froze) are taken as already resolved: a look-alike
// {key, kid} built elsewhere is not, so a kid can never be asserted without being computed.
const RESOLVED = new WeakSet<object>();

function remember(resolved: { key: CryptoKey; kid: string | undefined }): TResolvedVerifyKey {
  const frozen = Object.freeze({ key: resolved.key, kid: resolved.kid });
  RESOLVED.add(frozen);
  return frozen;
}

/**
 * The verifying key as a CryptoKey, and its thumbprint when it can be known:
 * always for a JWK (whose own kid, if any, must be its thumbprint), and for a
 * CryptoKey that is extractable (public keys normally are). Passing its result
 * back (to verifyTenantState, openConfig …) skips the import and thumbprint,
 * which dominate verifying many statements by one signer.
 */
export async function resolveVerifyKey(verifyKey: unknown): Promise<TResolvedVerifyKey> {
  if (typeof verifyKey === 'object' && verifyKey !== null && RESOLVED.has(verifyKey)) return verifyKey as TResolvedVerifyKey;
  return remember(await resolve(verifyKey));
}

async function resolve(verifyKey: unknown): Promise<{ key: CryptoKey; kid: string | undefined }> {
  // Node 20 has no global CryptoKey class to test with instanceof; a JWK is told apart by its kty.
  if (isJsonObject(verifyKey) && Object.hasOwn(verifyKey, 'kty')) {
    const members = readPublicJwk(verifyKey, 'ecdsa', 'invalid_input');
    const jwk = await canonicalJwk(members, 'ecdsa', verifyKey.kid, 'invalid_input');
    const key = await importPublicKey(members, 'ecdsa', ['verify'], 'invalid_input');
    return { key, kid: jwk.kid as string };
  }
  const k = verifyKey as CryptoKey | null;
  const algorithm = k?.algorithm as Partial<EcKeyAlgorithm> | undefined;
  const ok =
    typeof k === 'object' &&
    k !== null &&
    k.type === 'public' &&
    algorithm?.name === 'ECDSA' &&
    algorithm.namedCurve === 'P-256' &&
    Array.isArray(k.usages) &&
    k.usages.includes('verify');
  if (!ok) {
    throw new CryptoError('invalid_input', 'Expected an ECDSA P-256 public key (CryptoKey or JWK) that can verify.');
  }
  if (!k.extractable) return { key: k, kid: undefined };
  let kid: string;
  try {
    kid = await thumbprintOf(readP256Members(await globalThis.crypto.subtle.exportKey('jwk', k), 'invalid_input'));
  } catch (cause) {
    throw new CryptoError('invalid_input', 'The verifying key could not be read.', { cause });
  }
  return { key: k, kid };
}

export async function signCompactJws(
  payload: Uint8Array,
  signingKey: CryptoKey,
  signingKid: string,
  typ: string,
): Promise<string> {
  try {
    return await new CompactSign(payload).setProtectedHeader({ alg: ALG, kid: signingKid, typ }).sign(signingKey);
  } catch (cause) {
    throw new CryptoError('invalid_input', 'The statement could not be signed.', { cause });
  }
}

function splitCompactJws(jws: unknown, what: string): [string, string, string] {
  if (typeof jws !== 'string') throw new CryptoError('invalid_input', `${what} must be a compact JWS string.`);
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new CryptoError('invalid_input', `${what} is not a compact JWS.`);
  }
  return parts as [string, string, string];
}

function decodeSegment(segment: string, what: string): Uint8Array {
  try {
    return base64urlDecode(segment);
  } catch (cause) {
    throw new CryptoError('invalid_input', `${what} is not canonical base64url.`, { cause });
  }
}

function readHeader(segment: string, typ: string, what: string): string {
  const header = parseJsonObject(decodeUtf8(decodeSegment(segment, what), 'invalid_input', what), 'invalid_input', `${what} header`);
  if (header.alg !== ALG) throw new CryptoError('unsupported', `${what}: "alg" must be "${ALG}".`);
  if (header.typ !== typ) throw new CryptoError('unsupported', `${what}: "typ" must be "${typ}".`);
  // crit, jku, x5u, b64 … are not part of these statements.
  const extra = Object.keys(header).filter((m) => !HEADER_MEMBERS.has(m));
  if (extra.length > 0) {
    throw new CryptoError('unsupported', `${what}: header member(s) not accepted: ${extra.join(', ')}.`);
  }
  if (!isThumbprint(header.kid)) throw new CryptoError('invalid_input', `${what}: "kid" must be a key thumbprint.`);
  return header.kid;
}

/**
 * The signer's kid from the header alone (checked as decodeCompactJws checks
 * it), to pick the verifying key before the payload — possibly megabytes — is
 * decoded once, by verifyCompactJws.
 */
export function compactJwsKid(jws: unknown, typ: string, what: string): string {
  return readHeader(splitCompactJws(jws, what)[0], typ, what);
}

/**
 * Structure only, no signature check: three canonical base64url segments, a
 * header of exactly {alg: ES256, kid, typ} with the expected typ, a JSON object
 * payload and a 64-byte signature. Malformed is 'invalid_input'; another alg or
 * typ is 'unsupported'.
 */
export function decodeCompactJws(
  jws: unknown,
  typ: string,
  what: string,
): { kid: string; payload: Record<string, unknown> } {
  const [h, p, s] = splitCompactJws(jws, what);
  const kid = readHeader(h, typ, what);
  if (decodeSegment(s, what).length !== SIGNATURE_BYTES) {
    throw new CryptoError('invalid_input', `${what}: bad ES256 signature length.`);
  }
  const payload = parseJsonObject(decodeUtf8(decodeSegment(p, what), 'invalid_input', what), 'invalid_input', `${what} payload`);
  return { kid, payload };
}

/**
 * Structure as decodeCompactJws, then the signature by `verifyKey`, pinned to
 * ES256. A kid that is not the verifying key's thumbprint is 'wrong_key'; a bad
 * signature is 'decrypt_failed'.
 */
export async function verifyCompactJws(
  jws: unknown,
  verifyKey: { key: CryptoKey; kid: string | undefined },
  typ: string,
  what: string,
): Promise<{ kid: string; payload: Record<string, unknown> }> {
  const decoded = decodeCompactJws(jws, typ, what);
  if (verifyKey.kid !== undefined && decoded.kid !== verifyKey.kid) {
    throw new CryptoError('wrong_key', `${what} is signed by a different key than the one it is checked against.`);
  }
  try {
    await compactVerify(jws as string, verifyKey.key, { algorithms: [ALG] });
  } catch (cause) {
    if (cause instanceof errors.JOSEAlgNotAllowed || cause instanceof errors.JOSENotSupported) {
      throw new CryptoError('unsupported', `${what} uses an algorithm or feature that is not accepted.`, { cause });
    }
    throw new CryptoError('decrypt_failed', `${what}: the signature does not verify.`, { cause });
  }
  // The payload was read from the very bytes that were verified.
  return decoded;
}
