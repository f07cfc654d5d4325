// Which tenant keys the admin's browser trusts (lib/client/tenant-key-pin.ts,
// session-keys.ts, configs.ts). The broker here is SIMULATED: a fetch stub
// that answers the browser's API calls the way a hostile broker, or someone
// who can write its database, could — a real hostile broker cannot exist in a
// unit test. The browser code under test is the real one, with the real
// crypto; only IndexedDB (absent in Node: the key store keeps keys in memory)
// and localStorage (an in-memory Storage) stand in for the browser's.
import type { JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOverview, IntegrityError } from '@/components/configs/use-configs';
import { generateAdminKeyPair } from '@/lib/crypto/admin-key';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { openConfig } from '@/lib/crypto/open-config';
import { generateJwkPair, importPrivateKey, readPrivateJwk } from '@/lib/crypto/p256-jwk';
import { generateTenantKeys, importTenantKeys, wrapTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from '@/lib/crypto/tenant-keys';
import { signTenantState, verifyTenantState } from '@/lib/crypto/tenant-state';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TConfigListing, TTenantKeys } from './api';
import { loadTenantContext, RolledBackError, saveConfig, seenSeq } from './configs';
import { rotateTenantKeys } from './key-rotation';
import { loadKeys, saveAdminKey, wipeAllKeys } from './key-store';
import { createRecoveryKit, getTenantKeys, wrapTenantKeysFor } from './session-keys';
import { pinnedSigningKey, UntrustedTenantKeysError } from './tenant-key-pin';

const T = 'acme';
const USER = 'usr_admin';
const AWS = findProvider('aws-kms')!;

class MemoryStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, String(value));
  }
}

// --- the simulated broker -------------------------------------------------------

type TRoute = (body: unknown) => unknown;
let routes: Record<string, TRoute> = {};
/** The parts of what the browser sends that the tests read. */
type TSentBody = {
  state: string;
  put?: { jwe: Parameters<typeof openConfig>[0]['jwe'] };
  rotate?: { statement: string; sigPublicJwk: JWK; encPublicJwk: JWK; wrappedTenantKeys: string };
};
let sent: { route: string; body: TSentBody }[] = [];

function installBroker() {
  routes = {};
  sent = [];
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const route = `${init?.method ?? 'GET'} ${String(input)}`;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    if (body !== undefined) sent.push({ route, body });
    const answer = routes[route];
    if (!answer) return Response.json({ code: 'not_found', detail: route }, { status: 404 });
    return Response.json(await answer(body));
  });
}

const KEYS = `GET /api/v1/tenants/${T}/keys`;
const CONFIGS = `GET /api/v1/tenants/${T}/configs`;
const DEPLOYMENTS = `GET /api/v1/tenants/${T}/deployments`;
const CHANGES = `POST /api/v1/tenants/${T}/changes`;
const changes = () => sent.filter((s) => s.route === CHANGES);

/** The broker's answer to GET …/keys for a key set, by default honest about its public keys. */
function keysAnswer(pairs: TTenantKeyPairs, wrapped: string, over: Partial<TTenantKeys> = {}): TTenantKeys {
  return {
    tenant: { externalId: T, displayName: 'Acme', requireMfa: false },
    status: 'confirmed',
    wrappedTenantKeys: wrapped,
    encPublicJwk: pairs.encryption.publicJwk,
    encKid: pairs.encryption.publicJwk.kid as string,
    sigPublicJwk: pairs.signing.publicJwk,
    sigKid: pairs.signing.publicJwk.kid as string,
    keyRotationDueAt: null,
    keyRotations: [],
    ...over,
  };
}

function listingOf(seq: number, jws: string | null): TConfigListing {
  return { seq, state: jws ? { seq, jws, createdAt: '' } : null, kmsConfigIdMax: 0, configs: [] };
}

// --- keys ---------------------------------------------------------------------------

type TTenant = { pairs: TTenantKeyPairs; keys: TImportedTenantKeys };
let admin: { publicJwk: JWK; privateJwk: JWK };
let genuine: TTenant;
let wrapped: string;

const strip = ({ d: _d, kid: _kid, ...rest }: JWK) => rest as JWK;

async function tenantKeys(): Promise<TTenant> {
  const pairs = await generateTenantKeys();
  return { pairs, keys: await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk }) };
}

const wrapTo = (t: TTenant, adminPublicJwk: JWK = admin.publicJwk) =>
  wrapTenantKeys({ encryption: t.pairs.encryption.privateJwk, signing: t.pairs.signing.privateJwk }, adminPublicJwk, T);

/** What sign-in does: every key in this browser wiped, the admin key opened again (localStorage stays). */
async function signIn() {
  await wipeAllKeys();
  const key = await importPrivateKey(readPrivateJwk(admin.privateJwk, 'ecdh', 'invalid_input'), 'ecdh', ['deriveBits', 'deriveKey'], 'invalid_input');
  await saveAdminKey(USER, key, admin.publicJwk.kid as string);
}

const state = (t: TTenant, seq: number, recipients: string[] = []) =>
  signTenantState({ typ: 'tenant-state', tenantId: T, seq, configs: [], recipients, iat: 1764300000 }, t.keys.signingKey, t.keys.signingKid);

const rotation = (from: TTenant, to: TTenant) => signKeyRotation({ subject: `tenant:${T}`, next: to.pairs.signing.publicJwk }, from.keys.signingKey, from.keys.signingKid);

/** The genuine tenant, opened once in this browser (which pins its signing key). */
async function openedOnce() {
  routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped);
  await signIn();
  await loadTenantContext(USER, T);
  expect((await pinnedSigningKey(T))?.kid).toBe(genuine.keys.signingKid);
}

beforeEach(async () => {
  vi.stubGlobal('localStorage', new MemoryStorage());
  installBroker();
  await wipeAllKeys();
  admin = await generateAdminKeyPair();
  genuine = await tenantKeys();
  wrapped = await wrapTo(genuine);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the broker serves its own signing key beside the genuine kid (review finding a)', () => {
  async function forgedSetup() {
    const evilSig = await generateJwkPair('ecdsa');
    const evilSigKey = await importPrivateKey(readPrivateJwk(evilSig.privateJwk, 'ecdsa', 'invalid_input'), 'ecdsa', ['sign'], 'invalid_input');
    const evilDeployment = await generateJwkPair('ecdh');
    const evilKid = evilDeployment.publicJwk.kid as string;
    const forged = await signTenantState({ typ: 'tenant-state', tenantId: T, seq: 5, configs: [], recipients: [evilKid], iat: 1764300000 }, evilSigKey, evilSig.publicJwk.kid as string);
    routes[CONFIGS] = () => listingOf(5, forged);
    routes[DEPLOYMENTS] = () => ({
      seq: 5,
      recipients: [evilKid],
      deployments: [{ id: 'd1', name: 'prod-eu', environment: 'prod', kid: evilKid, publicJwk: strip(evilDeployment.publicJwk), status: 'active', approved: true, appliedSeq: 5, lastStatusAt: null, errors: [] }],
    });
    routes[CHANGES] = () => ({ seq: 6 });
    return { evilSig, forged };
  }

  it('refuses the keys on record, so nothing is sealed to the broker or signed for it', async () => {
    const { evilSig } = await forgedSetup();
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped, { sigPublicJwk: strip(evilSig.publicJwk) });
    await signIn();
    await expect(loadTenantContext(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    expect(changes()).toEqual([]);
  });

  it('verifies states and seals with the public keys taken from the unwrapped private keys, never the record’s', async () => {
    const { evilSig } = await forgedSetup();
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped);
    await signIn();
    const ctx = await loadTenantContext(USER, T);
    // What the browser used to trust: the record's public keys. Swapped after the checks, they must play no part.
    const evilEnc = await generateJwkPair('ecdh');
    ctx.info.sigPublicJwk = strip(evilSig.publicJwk);
    ctx.info.encPublicJwk = strip(evilEnc.publicJwk);

    await expect(loadOverview(ctx)).rejects.toBeInstanceOf(IntegrityError);

    // A genuine state: the new configuration must be sealed to the tenant's own encryption key.
    const genuineState = await state(genuine, 1);
    routes[CONFIGS] = () => listingOf(1, genuineState);
    routes[DEPLOYMENTS] = () => ({ seq: 1, recipients: [], deployments: [] });
    const overview = await loadOverview(ctx);
    await saveConfig(ctx, overview.listing, { kind: 'kms', provider: 'aws-kms', label: 'Prod', settings: AWS.example as Record<string, unknown> });
    const [change] = changes();
    const document = await openConfig({
      jwe: change?.body.put?.jwe as Parameters<typeof openConfig>[0]['jwe'],
      decryptionKey: genuine.keys.encryptionKey,
      decryptionKid: genuine.keys.encryptionKid,
      verifyKey: genuine.pairs.signing.publicJwk,
      expected: { tenantId: T },
    });
    expect(document.settings).toEqual(AWS.schema.parse(AWS.example));
    expect((await verifyTenantState(change?.body.state as string, genuine.pairs.signing.publicJwk, { tenantId: T })).seq).toBe(2);
  });
});

describe('a key set substituted by the broker (review finding b)', () => {
  let evil: TTenant;
  beforeEach(async () => {
    evil = await tenantKeys();
    routes[CHANGES] = () => ({ seq: 10 });
  });

  it('is refused after the next sign-in when this browser trusts another signing key, and nothing is kept', async () => {
    await openedOnce();
    // ECDH-ES: anyone with the admin's PUBLIC key can wrap a key set to it.
    routes[KEYS] = async () => keysAnswer(evil.pairs, await wrapTo(evil));
    await signIn();
    const refused = await getTenantKeys(USER, T).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UntrustedTenantKeysError);
    expect(refused).toMatchObject({ pinnedKid: genuine.keys.signingKid, offeredKid: evil.keys.signingKid });
    expect((refused as Error).message).toContain('no key rotation signed by that key leads to the new one');
    await expect(loadTenantContext(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    expect((await loadKeys(USER))?.tenants[T]).toBeUndefined();
    expect((await pinnedSigningKey(T))?.kid).toBe(genuine.keys.signingKid);
  });

  it('is refused when the kids on record change under keys this browser holds', async () => {
    await openedOnce();
    routes[KEYS] = async () => keysAnswer(evil.pairs, await wrapTo(evil));
    await expect(getTenantKeys(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    expect((await loadKeys(USER))?.tenants[T]).toBeUndefined();
  });

  it('is refused with rotation statements the trusted key did not sign', async () => {
    await openedOnce();
    const other = await tenantKeys();
    // Signed by a key of the broker's, and one that claims the trusted key's kid but is signed by another key.
    const byEvil = await rotation(other, evil);
    const claimed = await signKeyRotation({ subject: `tenant:${T}`, next: evil.pairs.signing.publicJwk }, other.keys.signingKey, genuine.keys.signingKid);
    for (const keyRotations of [[byEvil], [claimed], [claimed, byEvil]]) {
      routes[KEYS] = async () => keysAnswer(evil.pairs, await wrapTo(evil), { keyRotations });
      await signIn();
      await expect(getTenantKeys(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    }
    expect((await pinnedSigningKey(T))?.kid).toBe(genuine.keys.signingKid);
  });

  it('is never handed on: not wrapped to a newcomer, not put in a recovery kit', async () => {
    await openedOnce();
    routes[KEYS] = async () => keysAnswer(evil.pairs, await wrapTo(evil));
    routes[`POST /api/v1/tenants/${T}/recovery-kits`] = () => ({ id: 'kit_1' });
    const newcomer = await generateAdminKeyPair();
    await expect(wrapTenantKeysFor(USER, T, newcomer.publicJwk)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    await expect(createRecoveryKit(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
    expect(sent).toEqual([]);
  });
});

describe('legitimate tenant keys', () => {
  it('are trusted on first use in a browser with no pin, and pinned', async () => {
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped);
    await signIn();
    expect(await pinnedSigningKey(T)).toBeNull();
    const keys = await getTenantKeys(USER, T);
    expect(keys).toMatchObject({ signingKid: genuine.keys.signingKid, signingPublicJwk: { kid: genuine.keys.signingKid, x: genuine.pairs.signing.publicJwk.x } });
    expect((await pinnedSigningKey(T))?.kid).toBe(genuine.keys.signingKid);
    // Confirming a newcomer and a recovery kit work with the trusted keys.
    expect((await wrapTenantKeysFor(USER, T, (await generateAdminKeyPair()).publicJwk)).signingKid).toBe(genuine.keys.signingKid);
  });

  it('are refused even on first use when a signed rotation already replaced them', async () => {
    const statement = await rotation(genuine, await tenantKeys());
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped, { keyRotations: [statement] });
    await signIn();
    const refused = await getTenantKeys(USER, T).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UntrustedTenantKeysError);
    expect((refused as Error).message).toContain('already replaced');
    expect(await pinnedSigningKey(T)).toBeNull();
  });

  it('follow rotations made in another browser: the pin moves along the signed chain', async () => {
    await openedOnce();
    const second = await tenantKeys();
    const third = await tenantKeys();
    const chain = [await rotation(genuine, second), await rotation(second, third)];
    routes[KEYS] = async () => keysAnswer(third.pairs, await wrapTo(third), { keyRotations: chain });
    await signIn();
    expect((await getTenantKeys(USER, T)) as object).toMatchObject({ signingKid: third.keys.signingKid });
    expect((await pinnedSigningKey(T))?.kid).toBe(third.keys.signingKid);
    // And from then on the old keys are refused, even with the same statements.
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped, { keyRotations: chain });
    await signIn();
    await expect(getTenantKeys(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
  });

  it('rotated in this browser move its pin once the broker took the rotation, and only then', async () => {
    await openedOnce();
    const genuineState = await state(genuine, 1);
    routes[CONFIGS] = () => listingOf(1, genuineState);
    routes[DEPLOYMENTS] = () => ({ seq: 1, recipients: [], deployments: [] });
    const ctx = await loadTenantContext(USER, T);

    // Refused by the broker: the old keys stay trusted.
    await expect(rotateTenantKeys(ctx, { id: USER, adminPublicJwk: admin.publicJwk }, { withRecoveryKit: false })).rejects.toThrow();
    expect((await pinnedSigningKey(T))?.kid).toBe(genuine.keys.signingKid);

    routes[CHANGES] = () => ({ seq: 2 });
    sent = [];
    await rotateTenantKeys(ctx, { id: USER, adminPublicJwk: admin.publicJwk }, { withRecoveryKit: false });
    const rotate = changes()[0]?.body.rotate as NonNullable<TSentBody['rotate']>;
    expect((await pinnedSigningKey(T))?.kid).toBe(rotate.sigPublicJwk.kid);

    // After a sign-in, the new keys the broker now holds for this admin open; the old ones no longer do.
    const next = { encryption: { publicJwk: rotate.encPublicJwk, privateJwk: {} }, signing: { publicJwk: rotate.sigPublicJwk, privateJwk: {} } };
    routes[KEYS] = () => keysAnswer(next, rotate.wrappedTenantKeys, { keyRotations: [rotate.statement] });
    await signIn();
    expect((await getTenantKeys(USER, T)) as object).toMatchObject({ signingKid: rotate.sigPublicJwk.kid });
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped, { keyRotations: [rotate.statement] });
    await signIn();
    await expect(getTenantKeys(USER, T)).rejects.toBeInstanceOf(UntrustedTenantKeysError);
  });
});

describe('the seq this browser remembers (review LOW finding)', () => {
  it('moves only with a state whose signature verified', async () => {
    routes[KEYS] = () => keysAnswer(genuine.pairs, wrapped);
    await signIn();
    const ctx = await loadTenantContext(USER, T);
    routes[DEPLOYMENTS] = () => ({ seq: 0, recipients: [], deployments: [] });

    // A listing whose state the tenant did not sign, at a seq far ahead.
    const other = await tenantKeys();
    const bogus = await state(other, 1000);
    routes[CONFIGS] = () => listingOf(1000, bogus);
    await expect(loadOverview(ctx)).rejects.toBeInstanceOf(IntegrityError);
    expect(seenSeq(T)).toBe(0);

    // So the genuine state is not taken for a rollback, and its seq is remembered.
    const genuineState = await state(genuine, 3);
    routes[CONFIGS] = () => listingOf(3, genuineState);
    await expect(loadOverview(ctx)).resolves.toMatchObject({ state: { seq: 3 } });
    expect(seenSeq(T)).toBe(3);
    const older = await state(genuine, 2);
    routes[CONFIGS] = () => listingOf(2, older);
    await expect(loadOverview(ctx)).rejects.toBeInstanceOf(RolledBackError);
  });
});
