// What the server checks about key material it cannot use: public JWKs are
// stored in canonical form with kid = RFC 7638 thumbprint, and a wrapped
// tenant-key JWE is refused unless its protected header is exactly what the
// browser's wrapTenantKeys writes for this admin and tenant.
import { createHash } from 'node:crypto';
import { CompactEncrypt, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAdminKeyPair } from '@/lib/crypto/admin-key';
import { generateTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import type { TPublicJwk } from '@/lib/schemas/account';
import { AppError } from '@/lib/server/errors';
import { canonicalPublicJwk, checkWrappedTenantKeys, sealedKeyKid, thumbprintOf } from '@/lib/server/keys';

const TENANT = 'acme';

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace. */
function rfc7638(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const json = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(json, 'utf8').digest('base64url');
}

async function ecPublicJwk(name: 'ECDH' | 'ECDSA'): Promise<TPublicJwk> {
  const usages: KeyUsage[] = name === 'ECDH' ? ['deriveBits'] : ['sign', 'verify'];
  const pair = (await crypto.subtle.generateKey({ name, namedCurve: 'P-256' }, true, usages)) as CryptoKeyPair;
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { kty: 'EC', crv: 'P-256', x: x as string, y: y as string };
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function caughtAsync(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectValidation(error: unknown, path: string, message: string | RegExp): void {
  expect(error).toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).toBe('validation_failed');
  expect(appError.status).toBe(400);
  expect(appError.fields).toHaveLength(1);
  expect(appError.fields[0]?.path).toBe(path);
  if (typeof message === 'string') expect(appError.fields[0]?.message).toBe(message);
  else expect(appError.fields[0]?.message).toMatch(message);
}

describe('canonicalPublicJwk', () => {
  let encJwk: TPublicJwk;
  let sigJwk: TPublicJwk;
  beforeAll(async () => {
    encJwk = await ecPublicJwk('ECDH');
    sigJwk = await ecPublicJwk('ECDSA');
  });

  it('refuses a point that is not on the P-256 curve, and a use that does not fit', async () => {
    const offCurve = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) } as TPublicJwk;
    await expect(canonicalPublicJwk(offCurve, 'enc', 'account.adminPublicJwk')).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ path: 'account.adminPublicJwk', message: 'Not a valid P-256 public key.' }],
    });
    await expect(canonicalPublicJwk({ ...encJwk, use: 'sig' }, 'enc', 'k')).rejects.toMatchObject({ fields: [{ path: 'k.use' }] });
  });

  it('computes kid as the RFC 7638 thumbprint and writes only the public members', async () => {
    const { jwk, kid } = await canonicalPublicJwk(encJwk, 'enc', 'account.adminPublicJwk');
    expect(kid).toBe(rfc7638({ kty: 'EC', crv: 'P-256', x: encJwk.x, y: encJwk.y }));
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(jwk).toStrictEqual({ kty: 'EC', crv: 'P-256', x: encJwk.x, y: encJwk.y, kid, alg: 'ECDH-ES+A256KW', use: 'enc' });
    expect(await thumbprintOf(encJwk)).toBe(kid);
  });

  it('gives a signing key alg ES256 and use sig', async () => {
    const { jwk, kid } = await canonicalPublicJwk(sigJwk, 'sig', 'tenantKeys.sigPublicJwk');
    expect(kid).toBe(rfc7638({ kty: 'EC', crv: 'P-256', x: sigJwk.x, y: sigJwk.y }));
    expect(jwk).toStrictEqual({ kty: 'EC', crv: 'P-256', x: sigJwk.x, y: sigJwk.y, kid, alg: 'ES256', use: 'sig' });
  });

  it('accepts a correct kid and alg sent by the client', async () => {
    const kid = rfc7638({ kty: 'EC', crv: 'P-256', x: encJwk.x, y: encJwk.y });
    const result = await canonicalPublicJwk({ ...encJwk, kid, alg: 'ECDH-ES+A256KW', use: 'enc' }, 'enc', 'f');
    expect(result.kid).toBe(kid);
  });

  it('drops extra members (key_ops, ext, a stray d) from the stored form', async () => {
    const withExtras = { ...encJwk, key_ops: ['deriveBits'], ext: true, d: 'A'.repeat(43) } as TPublicJwk;
    const { jwk } = await canonicalPublicJwk(withExtras, 'enc', 'f');
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(JSON.stringify(jwk)).not.toContain('A'.repeat(43));
  });

  it('derives the kid from the key: different keys get different kids', async () => {
    const a = await canonicalPublicJwk(encJwk, 'enc', 'f');
    const b = await canonicalPublicJwk(sigJwk, 'enc', 'f');
    expect(a.kid).not.toBe(b.kid);
  });

  it('refuses a kid that is not the thumbprint, naming field.kid', async () => {
    const otherKid = rfc7638({ kty: 'EC', crv: 'P-256', x: sigJwk.x, y: sigJwk.y });
    const error = await caughtAsync(canonicalPublicJwk({ ...encJwk, kid: otherKid }, 'enc', 'account.adminPublicJwk'));
    expectValidation(error, 'account.adminPublicJwk.kid', 'The key id is not the key’s thumbprint.');
  });

  it('refuses the wrong alg for the use, naming field.alg', async () => {
    expectValidation(
      await caughtAsync(canonicalPublicJwk({ ...encJwk, alg: 'ES256' }, 'enc', 'tenantKeys.encPublicJwk')),
      'tenantKeys.encPublicJwk.alg',
      'Expected ECDH-ES+A256KW.',
    );
    expectValidation(
      await caughtAsync(canonicalPublicJwk({ ...sigJwk, alg: 'ECDH-ES+A256KW' }, 'sig', 'tenantKeys.sigPublicJwk')),
      'tenantKeys.sigPublicJwk.alg',
      'Expected ES256.',
    );
  });
});

describe('sealedKeyKid', () => {
  it('reads the kid of a sealed envelope', () => {
    const sealed = JSON.stringify({ v: 1, typ: 'cmk-sealed-admin-key', alg: 'A256GCM', kid: 'the-kid', iv: 'aXY', ct: 'Y3Q' });
    expect(sealedKeyKid(sealed)).toBe('the-kid');
  });
});

describe('checkWrappedTenantKeys', () => {
  let admin: { publicJwk: JWK; privateJwk: JWK };
  let recipient: JWK;
  let adminKid: string;
  let otherKid: string;
  let wrapped: string;

  // A JWE produced with jose directly, so every header member can be chosen.
  const craft = (header: Record<string, unknown>) =>
    new CompactEncrypt(new TextEncoder().encode('{"opaque":true}'))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: adminKid, typ: 'cmk-tenant-keys+jwe', cty: 'json', tenant: TENANT, ...header })
      .encrypt(recipient);

  // Re-encodes the protected header (jose writes neither zip nor an unknown crit); the other parts stay.
  const editHeader = (jwe: string, change: Record<string, unknown>) => {
    const [header, ...rest] = jwe.split('.');
    const decoded = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return [Buffer.from(JSON.stringify({ ...decoded, ...change })).toString('base64url'), ...rest].join('.');
  };

  beforeAll(async () => {
    admin = await generateAdminKeyPair();
    adminKid = admin.publicJwk.kid as string;
    // Without its alg member, so jose lets the key be used with any key-management algorithm.
    recipient = { kty: 'EC', crv: 'P-256', x: admin.publicJwk.x, y: admin.publicJwk.y };
    otherKid = (await generateAdminKeyPair()).publicJwk.kid as string;
    const tenant = await generateTenantKeys();
    wrapped = await wrapTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk }, admin.publicJwk, TENANT);
  });

  it('accepts what the browser’s wrapTenantKeys produces for this admin and tenant', () => {
    expect(() => checkWrappedTenantKeys(wrapped, { adminKid, tenantId: TENANT })).not.toThrow();
  });

  it('refuses a three-part JWS carrying the right header', () => {
    const [header] = wrapped.split('.');
    expect(() => checkWrappedTenantKeys(`${header}.e30.c2ln`, { adminKid, tenantId: TENANT })).toThrow(AppError);
  });

  it('accepts a JWE crafted with exactly the pinned header', async () => {
    const jwe = await craft({});
    expect(() => checkWrappedTenantKeys(jwe, { adminKid, tenantId: TENANT })).not.toThrow();
  });

  it('refuses a JWE addressed to another admin key or another tenant', () => {
    expectValidation(
      caught(() => checkWrappedTenantKeys(wrapped, { adminKid: otherKid, tenantId: TENANT })),
      'wrappedTenantKeys',
      /it is not addressed to this admin’s key/,
    );
    expectValidation(
      caught(() => checkWrappedTenantKeys(wrapped, { adminKid, tenantId: 'globex' })),
      'wrappedTenantKeys',
      /it is for another tenant/,
    );
  });

  it.each([
    ['alg', { alg: 'ECDH-ES' }, /alg must be ECDH-ES\+A256KW/],
    ['alg', { alg: 'ECDH-ES+A128KW' }, /alg must be ECDH-ES\+A256KW/],
    ['enc', { enc: 'A128GCM' }, /enc must be A256GCM/],
    ['enc', { enc: 'A256CBC-HS512' }, /enc must be A256GCM/],
    ['typ', { typ: 'JWE' }, /typ must be cmk-tenant-keys\+jwe/],
    ['kid', { kid: 'someone-else' }, /it is not addressed to this admin’s key/],
    ['tenant', { tenant: 'globex' }, /it is for another tenant/],
  ])('refuses a real JWE with the wrong %s (%j)', async (_member, header, message) => {
    const jwe = await craft(header);
    expectValidation(caught(() => checkWrappedTenantKeys(jwe, { adminKid, tenantId: TENANT })), 'wrappedTenantKeys', message);
  });

  it('refuses a JWE without typ, kid or tenant', () => {
    for (const missing of ['typ', 'kid', 'tenant'] as const) {
      const jwe = editHeader(wrapped, { [missing]: undefined });
      expect(jwe.split('.')[0]).not.toBe(wrapped.split('.')[0]);
      expectValidation(caught(() => checkWrappedTenantKeys(jwe, { adminKid, tenantId: TENANT })), 'wrappedTenantKeys', /^Wrapped tenant keys refused: /);
    }
  });

  it('refuses a zip or crit header', () => {
    for (const jwe of [editHeader(wrapped, { zip: 'DEF' }), editHeader(wrapped, { crit: ['exp'], exp: 1 }), editHeader(wrapped, { crit: [] })]) {
      expectValidation(caught(() => checkWrappedTenantKeys(jwe, { adminKid, tenantId: TENANT })), 'wrappedTenantKeys', /crit and zip are not allowed/);
    }
  });

  it('lists every problem at once and uses the field path it is given', async () => {
    const jwe = await craft({ enc: 'A128GCM', typ: 'JWE', tenant: 'globex' });
    const error = caught(() => checkWrappedTenantKeys(jwe, { adminKid, tenantId: TENANT }, 'tenantKeys.wrappedTenantKeys'));
    expectValidation(
      error,
      'tenantKeys.wrappedTenantKeys',
      'Wrapped tenant keys refused: enc must be A256GCM; typ must be cmk-tenant-keys+jwe; it is for another tenant.',
    );
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not a jwe'],
    ['five dots of nothing', '....'],
    ['a header that is not base64url JSON', 'e30x!.a.b.c.d'],
    ['a header that is JSON but not an object', `${Buffer.from('[1,2]').toString('base64url')}.a.b.c.d`],
    ['a header that is JSON null', `${Buffer.from('null').toString('base64url')}.a.b.c.d`],
    ['two parts', `${Buffer.from('{"alg":"ECDH-ES+A256KW"}').toString('base64url')}.abc`],
  ])('refuses garbage (%s) as a malformed JWE', (_label, garbage) => {
    expectValidation(caught(() => checkWrappedTenantKeys(garbage, { adminKid, tenantId: TENANT })), 'wrappedTenantKeys', 'Malformed JWE.');
  });
});
