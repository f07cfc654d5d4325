import 'server-only';
// What the server can check about key material without being able to use it:
// public JWKs are P-256 public keys whose kid is their thumbprint (computed
// here, never taken from the client), sealed blobs name the right key, and a
// wrapped tenant-key JWE is addressed to the right admin and tenant with the
// pinned algorithms. It never sees a private key.
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import type { TPublicJwk } from '@/lib/schemas/account';
import { AppError } from '@/lib/server/errors';

export async function thumbprintOf(jwk: TPublicJwk): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK, 'sha256');
}

/** The stored form of a public key: only the public members, with kid = thumbprint. */
/** WebCrypto refuses points that are not on P-256; a key nobody can use must not be stored. */
async function assertOnCurve(jwk: TPublicJwk, use: 'enc' | 'sig', field: string): Promise<void> {
  const algorithm = use === 'enc' ? { name: 'ECDH', namedCurve: 'P-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  try {
    await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, algorithm, true, use === 'enc' ? [] : ['verify']);
  } catch {
    throw new AppError('validation_failed', { fields: [{ path: field, message: 'Not a valid P-256 public key.' }] });
  }
}

export async function canonicalPublicJwk(jwk: TPublicJwk, use: 'enc' | 'sig', field: string): Promise<{ jwk: JWK; kid: string }> {
  await assertOnCurve(jwk, use, field);
  if (jwk.use !== undefined && jwk.use !== use) {
    throw new AppError('validation_failed', { fields: [{ path: `${field}.use`, message: `Expected ${use}.` }] });
  }
  const kid = await thumbprintOf(jwk);
  if (jwk.kid !== undefined && jwk.kid !== kid) {
    throw new AppError('validation_failed', { fields: [{ path: `${field}.kid`, message: 'The key id is not the key’s thumbprint.' }] });
  }
  const alg = use === 'enc' ? 'ECDH-ES+A256KW' : 'ES256';
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new AppError('validation_failed', { fields: [{ path: `${field}.alg`, message: `Expected ${alg}.` }] });
  }
  return { kid, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg, use } };
}

export function sealedKeyKid(sealed: string): string {
  return (JSON.parse(sealed) as { kid: string }).kid;
}

/** Checks the protected header of a tenant-keys JWE (the content stays opaque to us). */
export function checkWrappedTenantKeys(jwe: string, expected: { adminKid: string; tenantId: string }, field = 'wrappedTenantKeys'): void {
  let header: Record<string, unknown>;
  try {
    if (jwe.split('.').length !== 5) throw new Error('not a compact JWE');
    header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  } catch {
    throw new AppError('validation_failed', { fields: [{ path: field, message: 'Malformed JWE.' }] });
  }
  const problems: string[] = [];
  if (header.alg !== 'ECDH-ES+A256KW') problems.push('alg must be ECDH-ES+A256KW');
  if (header.enc !== 'A256GCM') problems.push('enc must be A256GCM');
  if (header.typ !== 'cmk-tenant-keys+jwe') problems.push('typ must be cmk-tenant-keys+jwe');
  if (header.kid !== expected.adminKid) problems.push('it is not addressed to this admin’s key');
  if (header.tenant !== expected.tenantId) problems.push('it is for another tenant');
  if (header.crit !== undefined || header.zip !== undefined) problems.push('crit and zip are not allowed');
  if (problems.length) throw new AppError('validation_failed', { fields: [{ path: field, message: `Wrapped tenant keys refused: ${problems.join('; ')}.` }] });
}
