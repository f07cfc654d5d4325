// Signing-key continuity (PROTOCOL.md "Keys" 1 and "Tenant state"): a new
// ES256 key is trusted only when the key it replaces signs a
// cmk-key-rotation+jws statement naming it. Used for the broker's bundle keys
// (subject 'broker') and each tenant's signing key (subject 'tenant:<id>'), so
// a key served by an endpoint alone never extends a pin.
import type { JWK } from 'jose';

import { isEpochSeconds, isTenantId } from './config-document';
import { utf8 } from './encoding';
import { CryptoError } from './errors';
import { assertSigningKey, decodeCompactJws, resolveVerifyKey, signCompactJws, verifyCompactJws } from './es256-jws';
import { assertExactMembers, isJsonObject } from './json-object';
import { canonicalJwk, importPublicKey, readPublicJwk } from './p256-jwk';

export const KEY_ROTATION_TYP = 'cmk-key-rotation+jws';

export type TKeyRotation = { typ: 'key-rotation'; subject: string; previous: string; next: JWK; iat: number };

const WHAT = 'Key rotation statement';
const MEMBERS = ['typ', 'subject', 'previous', 'next', 'iat'] as const;
const NEXT_MEMBERS = ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] as const;

function isSubject(value: unknown): value is string {
  return value === 'broker' || (typeof value === 'string' && value.startsWith('tenant:') && isTenantId(value.slice(7)));
}

/** The announced key as the canonical public ES256 JWK (kid = thumbprint); the point must import. */
async function readNextKey(value: unknown, strict: boolean): Promise<JWK> {
  const code = strict ? 'decrypt_failed' : 'invalid_input';
  if (!isJsonObject(value)) throw new CryptoError(code, `${WHAT}: "next" must be a JWK.`);
  // Signed statements carry exactly the canonical members; callers may pass a looser JWK to sign.
  if (strict) assertExactMembers(value, NEXT_MEMBERS, code, `${WHAT}: "next"`);
  const members = readPublicJwk(value, 'ecdsa', code);
  const jwk = await canonicalJwk(members, 'ecdsa', value.kid, code);
  // Off-curve or otherwise unusable points are refused here, not at the first verify.
  await importPublicKey(members, 'ecdsa', ['verify'], code);
  return jwk;
}

/** Signs "previous → next" with the previous key: compact JWS, ES256, typ cmk-key-rotation+jws. */
export async function signKeyRotation(
  input: { subject: string; next: JWK },
  previousKey: CryptoKey,
  previousKid: string,
): Promise<string> {
  if (!isJsonObject(input) || !isSubject(input.subject)) {
    throw new CryptoError('invalid_input', `${WHAT}: subject must be "broker" or "tenant:<tenantId>".`);
  }
  assertSigningKey(previousKey, previousKid);
  const next = await readNextKey(input.next, false);
  if (next.kid === previousKid) throw new CryptoError('invalid_input', `${WHAT}: the next key is the previous key.`);
  const statement: TKeyRotation = {
    typ: 'key-rotation',
    subject: input.subject,
    previous: previousKid,
    next,
    iat: Math.floor(Date.now() / 1000),
  };
  return signCompactJws(utf8(JSON.stringify(statement)), previousKey, previousKid, KEY_ROTATION_TYP);
}

/**
 * Verifies a statement by `previousKey` for `expected.subject`. A kid that is
 * not the previous key's is 'wrong_key'; a bad signature, another subject or a
 * malformed or invalid next key is 'decrypt_failed'.
 */
export async function verifyKeyRotation(
  jws: string,
  previousKey: CryptoKey | JWK,
  expected: { subject: string },
): Promise<TKeyRotation> {
  if (!isJsonObject(expected) || !isSubject(expected.subject)) {
    throw new CryptoError('invalid_input', 'Expected the subject ("broker" or "tenant:<tenantId>") to check against.');
  }
  const signer = await resolveVerifyKey(previousKey);
  const { kid, payload } = await verifyCompactJws(jws, signer, KEY_ROTATION_TYP, WHAT);
  assertExactMembers(payload, MEMBERS, 'decrypt_failed', WHAT);
  const { typ, subject, previous, iat } = payload;
  const fail = (message: string) => new CryptoError('decrypt_failed', `${WHAT}: ${message}`);
  if (typ !== 'key-rotation') throw fail('"typ" must be "key-rotation".');
  if (subject !== expected.subject) throw fail('it is about another key holder.');
  if (previous !== kid) throw fail('"previous" is not the key that signed it.');
  if (!isEpochSeconds(iat)) throw fail('"iat" must be seconds since the epoch.');
  const next = await readNextKey(payload.next, true);
  if (next.kid === previous) throw fail('the next key is the previous key.');
  return { typ, subject, previous, next, iat };
}

/**
 * Walks `statements` (oldest first) from the pinned key and returns every key
 * reached, the pinned one first. Statements before the first one signed by the
 * pinned key are history from before the pin and are skipped; from there on,
 * each must be signed by the key the previous one announced, never return to
 * a key already in the chain, and verify — otherwise the whole walk fails.
 */
export async function followKeyRotations(pinned: JWK, statements: string[], subject: string): Promise<JWK[]> {
  if (!Array.isArray(statements)) throw new CryptoError('invalid_input', 'Expected an array of rotation statements.');
  const start = await canonicalJwk(readPublicJwk(pinned, 'ecdsa', 'invalid_input'), 'ecdsa', pinned.kid, 'invalid_input');
  const chain: JWK[] = [start];
  const kids = new Set([start.kid]);
  const firstIndex = statements.findIndex((s) => {
    try {
      return decodeCompactJws(s, KEY_ROTATION_TYP, WHAT).kid === start.kid;
    } catch {
      return false;
    }
  });
  if (firstIndex < 0) return chain;
  for (const statement of statements.slice(firstIndex)) {
    const current = chain[chain.length - 1] as JWK;
    const { kid } = decodeCompactJws(statement, KEY_ROTATION_TYP, WHAT);
    if (kid !== current.kid) {
      throw new CryptoError('wrong_key', `${WHAT} does not continue the chain from key ${current.kid}.`);
    }
    const { next } = await verifyKeyRotation(statement, current, { subject });
    if (kids.has(next.kid)) throw new CryptoError('decrypt_failed', `${WHAT}: the chain returns to a key already used.`);
    kids.add(next.kid);
    chain.push(next);
  }
  return chain;
}
