// The broker in these tests is simulated: `fetch` is replaced by a stub that
// answers like a malicious broker would (a real hostile broker cannot exist
// here). It substitutes its own ECDH key for the admin's, which is the attack
// own-admin-key.ts is there to stop.
import type { JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateAdminKeyPair } from '@/lib/crypto/admin-key';
import { generateJwkPair, importPrivateKey, readPrivateJwk } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import { generateTenantKeys, importTenantKeys, unwrapTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { signTenantState } from '@/lib/crypto/tenant-state';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { findProvider } from '@/lib/schemas/providers/registry';
import { loadTenantContext } from './configs';
import { rotateTenantKeys } from './key-rotation';
import { saveAdminKey, wipeAllKeys } from './key-store';
import { checkOwnAdminKey, OwnAdminKeyError, ownAdminPublicJwk, pinAdminKey } from './own-admin-key';

const USER = 'usr_alice';
const TENANT = 'acme';
const CONFIG_ID = 'c_AAAAAAAAAAAAAAAAAAAAAA';

async function importAdminPrivate(privateJwk: JWK): Promise<CryptoKey> {
  return importPrivateKey(readPrivateJwk(privateJwk, 'ecdh', 'invalid_input'), 'ecdh', ['deriveBits', 'deriveKey'], 'invalid_input');
}

/** Unlocks an admin key in this "browser" the way sign-in does, and returns its pair. */
async function unlockAdmin(userId = USER) {
  const admin = await generateAdminKeyPair();
  await saveAdminKey(userId, await importAdminPrivate(admin.privateJwk), admin.publicJwk.kid as string);
  return admin;
}

beforeEach(async () => {
  await wipeAllKeys();
});

describe('checkOwnAdminKey / ownAdminPublicJwk', () => {
  it('says locked when this browser holds no unlocked admin key', async () => {
    const admin = await generateAdminKeyPair();
    expect(await checkOwnAdminKey(USER, admin.publicJwk)).toMatchObject({ status: 'locked' });
    await expect(ownAdminPublicJwk(USER, admin.publicJwk)).rejects.toMatchObject({ name: 'OwnAdminKeyError', code: 'locked' });
  });

  it('accepts the server’s JWK when it is the unlocked key, and returns a frozen copy with key members only', async () => {
    const admin = await unlockAdmin();
    const own = await checkOwnAdminKey(USER, { ...admin.publicJwk, key_ops: ['deriveBits'], ext: true });
    expect(own.status).toBe('verified');
    if (own.status !== 'verified') return;
    expect(own.kid).toBe(admin.publicJwk.kid);
    expect(await jwkThumbprint(own.publicJwk)).toBe(admin.publicJwk.kid);
    expect(Object.keys(own.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(Object.isFrozen(own.publicJwk)).toBe(true);
  });

  it('refuses a key the broker substituted, a kid that is not the thumbprint, and junk', async () => {
    const admin = await unlockAdmin();
    const broker = await generateJwkPair('ecdh');
    expect(await checkOwnAdminKey(USER, broker.publicJwk)).toMatchObject({ status: 'mismatch' });
    // The broker's key carrying my kid: the kid is recomputed, not believed.
    expect(await checkOwnAdminKey(USER, { ...broker.publicJwk, kid: admin.publicJwk.kid })).toMatchObject({ status: 'mismatch' });
    expect(await checkOwnAdminKey(USER, { kty: 'EC', crv: 'P-256' })).toMatchObject({ status: 'mismatch' });
    expect(await checkOwnAdminKey(USER, null)).toMatchObject({ status: 'mismatch' });
    const error = await ownAdminPublicJwk(USER, broker.publicJwk).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OwnAdminKeyError);
    expect(error).toMatchObject({ code: 'mismatch', message: expect.stringMatching(/not the one your passphrase unlocks/) });
  });
});

describe('pinAdminKey (confirming another admin)', () => {
  it('pins the exact key shown: kid and thumbprint computed here, copy frozen', async () => {
    const pending = await generateAdminKeyPair();
    const { kid: _serverKid, ...withoutKid } = pending.publicJwk;
    const pinned = await pinAdminKey(withoutKid);
    expect(pinned.thumbprint).toBe(await jwkThumbprint(pending.publicJwk));
    expect(pinned.publicJwk.kid).toBe(pinned.thumbprint);
    expect(Object.isFrozen(pinned) && Object.isFrozen(pinned.publicJwk)).toBe(true);
    // What a confirmation wraps to opens only with the key whose fingerprint was shown.
    const tenant = await generateTenantKeys();
    const privates = { encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk };
    const wrapped = await wrapTenantKeys(privates, pinned.publicJwk, TENANT);
    await expect(unwrapTenantKeys(wrapped, await importAdminPrivate(pending.privateJwk), { tenantId: TENANT, adminKid: pinned.thumbprint })).resolves.toBeTruthy();
  });

  it('refuses a private key, a signing key, and a kid that is not the thumbprint', async () => {
    const pending = await generateAdminKeyPair();
    const other = await generateAdminKeyPair();
    const signing = await generateJwkPair('ecdsa');
    await expect(pinAdminKey(pending.privateJwk)).rejects.toThrow(/not a valid public key/);
    await expect(pinAdminKey(signing.publicJwk)).rejects.toThrow(/not a valid public key/);
    await expect(pinAdminKey({ ...pending.publicJwk, kid: other.publicJwk.kid })).rejects.toThrow(/not a valid public key/);
  });
});

describe('rotateTenantKeys wraps the new keys only to the unlocked admin key', () => {
  const sent: { method: string; url: string; body: unknown }[] = [];

  /** One tenant with one configuration, as the simulated broker serves it. */
  async function brokerWithOneConfig(admin: { publicJwk: JWK }) {
    const tenant = await generateTenantKeys();
    const privates = { encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk };
    const keys = await importTenantKeys(privates);
    const aws = findProvider('aws-kms')!;
    const document = { typ: 'kms' as const, tenantId: TENANT, configId: CONFIG_ID, version: 1, provider: 'aws-kms', settings: aws.schema.parse(aws.example) as Record<string, unknown>, iat: 1764300000 };
    const sealed = await sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients: [{ kid: keys.encryptionKid, publicJwk: tenant.encryption.publicJwk }] });
    const state = await signTenantState(
      { typ: 'tenant-state', tenantId: TENANT, seq: 1, configs: [{ configId: CONFIG_ID, kind: 'kms', version: 1, status: 'active', primary: true, digest: sealed.digest }], recipients: [], iat: 1764300000 },
      keys.signingKey,
      keys.signingKid,
    );
    const routes: Record<string, unknown> = {
      [`GET /api/v1/tenants/${TENANT}/keys`]: {
        tenant: { externalId: TENANT, displayName: 'Acme', requireMfa: false },
        status: 'confirmed',
        wrappedTenantKeys: await wrapTenantKeys(privates, admin.publicJwk, TENANT),
        encPublicJwk: tenant.encryption.publicJwk,
        encKid: keys.encryptionKid,
        sigPublicJwk: tenant.signing.publicJwk,
        sigKid: keys.signingKid,
        keyRotationDueAt: null,
      },
      [`GET /api/v1/tenants/${TENANT}/configs`]: {
        seq: 1,
        state: { seq: 1, jws: state, createdAt: '' },
        configs: [{ id: CONFIG_ID, kind: 'kms', provider: 'aws-kms', label: 'Prod', latestVersion: 1, status: 'active', isPrimary: true, createdAt: '', updatedAt: '', updatedBy: null, latest: { version: 1, jwe: sealed.jwe, digest: sealed.digest, createdAt: '' } }],
      },
      [`POST /api/v1/tenants/${TENANT}/changes`]: { seq: 2 },
    };
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const url = String(input);
      sent.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const answer = routes[`${method} ${url}`];
      if (answer === undefined) return new Response(JSON.stringify({ code: 'not_found', detail: 'Not found.' }), { status: 404, headers: { 'content-type': 'application/problem+json' } });
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    });
  }

  beforeEach(() => {
    sent.length = 0;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('throws before anything is sent when the account’s adminPublicJwk is not the unlocked key', async () => {
    const admin = await unlockAdmin();
    await brokerWithOneConfig(admin);
    const ctx = await loadTenantContext(USER, TENANT);
    const broker = await generateJwkPair('ecdh');
    await expect(rotateTenantKeys(ctx, { id: USER, adminPublicJwk: broker.publicJwk }, { withRecoveryKit: false })).rejects.toMatchObject({ code: 'mismatch' });
    expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
  });

  it('sends the rotation, wrapped to the unlocked key, when the account’s key is the right one', async () => {
    const admin = await unlockAdmin();
    await brokerWithOneConfig(admin);
    const ctx = await loadTenantContext(USER, TENANT);
    await rotateTenantKeys(ctx, { id: USER, adminPublicJwk: admin.publicJwk }, { withRecoveryKit: false });
    const change = sent.find((s) => s.method === 'POST')?.body as { rotate: { wrappedTenantKeys: string; sigPublicJwk: JWK } };
    const opened = await unwrapTenantKeys(change.rotate.wrappedTenantKeys, await importAdminPrivate(admin.privateJwk), { tenantId: TENANT, adminKid: admin.publicJwk.kid as string });
    expect((await importTenantKeys(opened)).signingKid).toBe(change.rotate.sigPublicJwk.kid);
  });
});
