// A tenant's key pairs (PROTOCOL.md "Keys" 4): one ECDH P-256 encryption key
// and one ECDSA P-256 signing key, created in an admin's browser, stored on the
// server only as compact JWEs wrapped to each confirmed admin's ECDH key.
//
// ECDH-ES does not authenticate the sender: anyone holding an admin's public
// key (the server included) can produce a well-formed wrapped blob. Callers
// that know the tenant's public keys should pass their kids in `expected` so a
// substituted key set is refused.
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, errors, type JWK } from 'jose';

import { CryptoError } from './errors';
import { importPrivateKey, importPublicKey, generateJwkPair, readPublicJwk, thumbprintOf } from './p256-jwk';
import {
  assertTenantId,
  checkTenantPrivateKeys,
  decodeTenantKeysPayload,
  encodeTenantKeysPayload,
  type TTenantPrivateKeys,
} from './tenant-private-keys';

export type { TTenantPrivateKeys } from './tenant-private-keys';

export type TTenantKeyPairs = {
  encryption: { publicJwk: JWK; privateJwk: JWK };
  signing: { publicJwk: JWK; privateJwk: JWK };
};

export type TUnwrapExpectations = {
  tenantId: string;
  /** Thumbprint of the admin key the caller is decrypting with. */
  adminKid: string;
  /** When known, the tenant's public key thumbprints; a mismatch is 'wrong_key'. */
  encryptionKid?: string;
  signingKid?: string;
};

export type TImportedTenantKeys = {
  encryptionKey: CryptoKey;
  signingKey: CryptoKey;
  encryptionKid: string;
  signingKid: string;
};

const ALG = 'ECDH-ES+A256KW';
const ENC = 'A256GCM';
const TYP = 'cmk-tenant-keys+jwe';
const CTY = 'json';
// Exactly what wrapTenantKeys writes (jose adds epk); anything else is refused.
const HEADER_MEMBERS = new Set(['alg', 'enc', 'kid', 'typ', 'cty', 'tenant', 'epk']);

/** Fresh encryption (ECDH-ES+A256KW, enc) and signing (ES256, sig) key pairs; kid = thumbprint on every JWK. */
export async function generateTenantKeys(): Promise<TTenantKeyPairs> {
  const [encryption, signing] = await Promise.all([generateJwkPair('ecdh'), generateJwkPair('ecdsa')]);
  return { encryption, signing };
}

/** Wraps the tenant private keys to one admin's ECDH public key as a compact JWE. */
export async function wrapTenantKeys(
  privates: TTenantPrivateKeys,
  adminPublicJwk: JWK,
  tenantId: string,
): Promise<string> {
  assertTenantId(tenantId);
  const admin = readPublicJwk(adminPublicJwk, 'ecdh', 'invalid_input');
  // The header kid is recomputed: a stale or forged kid on the JWK must not route the blob.
  const adminKid = await thumbprintOf(admin);
  if (adminPublicJwk.kid !== undefined && adminPublicJwk.kid !== adminKid) {
    throw new CryptoError('invalid_input', 'The admin JWK "kid" is not the thumbprint of its key.');
  }
  const keys = await checkTenantPrivateKeys(privates, 'invalid_input', false);
  const adminKey = await importPublicKey(admin, 'ecdh', [], 'invalid_input');
  const plaintext = encodeTenantKeysPayload(tenantId, keys.jwks);
  try {
    return await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: ALG, enc: ENC, kid: adminKid, typ: TYP, cty: CTY, tenant: tenantId })
      .encrypt(adminKey);
  } catch (cause) {
    throw new CryptoError('invalid_input', 'The tenant keys could not be wrapped.', { cause });
  } finally {
    plaintext.fill(0);
  }
}

function assertEcdhPrivateKey(key: CryptoKey): void {
  const algorithm = key?.algorithm as Partial<EcKeyAlgorithm> | undefined;
  const ok =
    typeof key === 'object' &&
    key !== null &&
    key.type === 'private' &&
    algorithm?.name === 'ECDH' &&
    algorithm.namedCurve === 'P-256' &&
    key.usages.includes('deriveBits');
  if (!ok) throw new CryptoError('invalid_input', 'Expected an ECDH P-256 private CryptoKey with deriveBits.');
}

function mapJoseError(cause: unknown): CryptoError {
  if (cause instanceof CryptoError) return cause;
  if (cause instanceof errors.JOSEAlgNotAllowed || cause instanceof errors.JOSENotSupported) {
    return new CryptoError('unsupported', 'The wrapped tenant keys use an algorithm or feature that is not accepted.', {
      cause,
    });
  }
  // Everything else — bad tag, bad key unwrap, damaged segments, an epk on the
  // wrong curve — is indistinguishable from a wrong key to the caller.
  return new CryptoError('decrypt_failed', 'The tenant keys could not be decrypted.', { cause });
}

/**
 * Decrypts tenant keys wrapped to this admin. Pinned to ECDH-ES+A256KW/A256GCM;
 * typ, cty, tenant and kid must match, and the payload must name the tenant.
 */
export async function unwrapTenantKeys(
  jwe: string,
  adminPrivateKey: CryptoKey,
  expected: TUnwrapExpectations,
): Promise<TTenantPrivateKeys> {
  if (typeof jwe !== 'string' || jwe.split('.').length !== 5) {
    throw new CryptoError('invalid_input', 'Expected a compact JWE.');
  }
  if (typeof expected !== 'object' || expected === null) {
    throw new CryptoError('invalid_input', 'Expected the tenant id and admin kid to check against.');
  }
  assertTenantId(expected.tenantId);
  if (typeof expected.adminKid !== 'string' || expected.adminKid === '') {
    throw new CryptoError('invalid_input', 'The expected admin kid must be a non-empty string.');
  }
  assertEcdhPrivateKey(adminPrivateKey);

  // Routing before any crypto: a blob addressed to another admin key is
  // reported as such (the caller may hold several keys). This unauthenticated
  // kid only chooses between two refusals; it is re-checked once authenticated.
  let claimedKid: unknown;
  try {
    claimedKid = decodeProtectedHeader(jwe).kid;
  } catch (cause) {
    throw new CryptoError('decrypt_failed', 'The wrapped tenant keys are damaged.', { cause });
  }
  if (claimedKid !== expected.adminKid) {
    throw new CryptoError('wrong_key', 'These tenant keys are wrapped to a different admin key.');
  }

  let result: Awaited<ReturnType<typeof compactDecrypt>>;
  try {
    result = await compactDecrypt(jwe, adminPrivateKey, {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
    });
  } catch (cause) {
    throw mapJoseError(cause);
  }
  const header = result.protectedHeader;
  // After decryption the header is authenticated (it is the GCM AAD), so these
  // checks are on what the sender really wrote.
  const ok =
    header.kid === expected.adminKid &&
    header.alg === ALG &&
    header.enc === ENC &&
    header.typ === TYP &&
    header.cty === CTY &&
    header.tenant === expected.tenantId &&
    Object.keys(header).every((m) => HEADER_MEMBERS.has(m));
  if (!ok) throw new CryptoError('decrypt_failed', 'The wrapped tenant keys are not for this tenant or purpose.');

  let keys: Awaited<ReturnType<typeof decodeTenantKeysPayload>>;
  try {
    keys = await decodeTenantKeysPayload(result.plaintext, expected.tenantId);
  } finally {
    result.plaintext.fill(0);
  }
  const { encryption, signing } = keys.jwks;
  if (
    (expected.encryptionKid !== undefined && encryption.kid !== expected.encryptionKid) ||
    (expected.signingKid !== undefined && signing.kid !== expected.signingKid)
  ) {
    throw new CryptoError('wrong_key', 'The unwrapped keys are not the tenant keys on record.');
  }
  return keys.jwks;
}

/** Imports the tenant keys for use: non-extractable ECDH (deriveBits) and ECDSA (sign). */
export async function importTenantKeys(privates: TTenantPrivateKeys): Promise<TImportedTenantKeys> {
  const keys = await checkTenantPrivateKeys(privates, 'invalid_input', false);
  const [encryptionKey, signingKey] = await Promise.all([
    importPrivateKey(keys.encryption, 'ecdh', ['deriveBits'], 'invalid_input'),
    importPrivateKey(keys.signing, 'ecdsa', ['sign'], 'invalid_input'),
  ]);
  return {
    encryptionKey,
    signingKey,
    encryptionKid: keys.jwks.encryption.kid as string,
    signingKid: keys.jwks.signing.kid as string,
  };
}

/** The public halves (no d) with kid, alg and use, e.g. to publish after generating or rotating. */
export async function tenantPublicJwks(privates: TTenantPrivateKeys): Promise<{ encryption: JWK; signing: JWK }> {
  const { jwks } = await checkTenantPrivateKeys(privates, 'invalid_input', false);
  const strip = (jwk: JWK): JWK => {
    const publicJwk = { ...jwk };
    delete publicJwk.d;
    return publicJwk;
  };
  return { encryption: strip(jwks.encryption), signing: strip(jwks.signing) };
}
