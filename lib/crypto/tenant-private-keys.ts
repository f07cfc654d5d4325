// Internal: the tenant's two private keys as one checked value, and the
// plaintext document that carries them inside a JWE or a recovery kit. Both
// wrapping paths share it so they accept and produce exactly the same thing.
import type { JWK } from 'jose';

import { utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { assertExactMembers, decodeUtf8, isJsonObject, parseJsonObject } from './json-object';
import { assertKeyPairMatches, canonicalJwk, readPrivateJwk, type TKeyKind, type TP256Private } from './p256-jwk';

export type TTenantPrivateKeys = { encryption: JWK; signing: JWK };

export type TCheckedTenantKeys = {
  /** Canonical JWKs: key members, kid = thumbprint, alg, use. */
  jwks: TTenantPrivateKeys;
  encryption: TP256Private;
  signing: TP256Private;
};

const PAYLOAD_MEMBERS = ['tenantId', 'encryption', 'signing'] as const;

export function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new CryptoError('invalid_input', 'The tenant id must be a non-empty string.');
  }
}

async function checkOne(value: unknown, kind: TKeyKind, code: TCryptoErrorCode, strictKind: boolean) {
  const members = readPrivateJwk(value, kind, code, strictKind);
  await assertKeyPairMatches(members, kind, code);
  const jwk = await canonicalJwk(members, kind, (value as JWK).kid, code);
  return { members, jwk };
}

/**
 * Both keys are P-256 private keys of their own kind, with d matching x/y and
 * any kid equal to the thumbprint. `strictKind` (for keys read back from a
 * blob) also requires alg/use, since those are always written.
 */
export async function checkTenantPrivateKeys(
  value: unknown,
  code: TCryptoErrorCode,
  strictKind: boolean,
): Promise<TCheckedTenantKeys> {
  if (!isJsonObject(value)) throw new CryptoError(code, 'Expected the tenant private keys.');
  const encryption = await checkOne(value.encryption, 'ecdh', code, strictKind);
  const signing = await checkOne(value.signing, 'ecdsa', code, strictKind);
  // One key in both roles would break the separation between decrypting and signing.
  if (encryption.jwk.kid === signing.jwk.kid) {
    throw new CryptoError(code, 'The tenant encryption and signing keys must differ.');
  }
  return {
    jwks: { encryption: encryption.jwk, signing: signing.jwk },
    encryption: encryption.members,
    signing: signing.members,
  };
}

/** The plaintext sealed for a tenant: its id travels inside, so a blob is useless under another tenant. */
export function encodeTenantKeysPayload(tenantId: string, keys: TTenantPrivateKeys): Uint8Array<ArrayBuffer> {
  return utf8(JSON.stringify({ tenantId, encryption: keys.encryption, signing: keys.signing }));
}

/** Reads a decrypted payload; anything unexpected is a 'decrypt_failed', never a partial result. */
export async function decodeTenantKeysPayload(
  plaintext: Uint8Array,
  expectedTenantId: string,
): Promise<TCheckedTenantKeys> {
  const what = 'Tenant key payload';
  const payload = parseJsonObject(decodeUtf8(plaintext, 'decrypt_failed', what), 'decrypt_failed', what);
  assertExactMembers(payload, PAYLOAD_MEMBERS, 'decrypt_failed', what);
  if (payload.tenantId !== expectedTenantId) {
    throw new CryptoError('decrypt_failed', 'The keys belong to another tenant.');
  }
  return checkTenantPrivateKeys(payload, 'decrypt_failed', true);
}
