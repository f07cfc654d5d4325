// Giving kmsConfigIds when a new tenant state is built: the shared rule
// (assignKmsConfigIds) and each builder that signs a state with it — the Node
// tenant's next state, the re-issue and the key rotation.
import { beforeAll, describe, expect, it } from 'vitest';

import { base64urlEncode, randomBytes } from './encoding';
import { assignKmsConfigIds, highestKmsConfigId } from './kms-config-ids';
import { signNextState, type THeldConfig, type THeldTenant } from './tenant-changes';
import { buildKeyRotation } from './tenant-key-rotation';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';
import { buildReissue } from './tenant-state-reissue';
import { MAX_KMS_CONFIG_ID, verifyTenantState, type TTenantState, type TTenantStateConfig } from './tenant-state';
import { generateAdminKeyPair } from './admin-key';

const digest = () => base64urlEncode(randomBytes(32));
/** A configuration id named by one letter, so that configId order is the letters' order. */
const cid = (letter: string) => `c_${letter.repeat(22)}`;
const entry = (configId: string, change: Partial<TTenantStateConfig> = {}): TTenantStateConfig => ({ configId, kind: 'kms', version: 1, status: 'active', primary: false, digest: digest(), ...change });
/** Each configuration's id by its letter (null: none). */
const ids = (configs: TTenantStateConfig[]) => Object.fromEntries(configs.map((c) => [c.configId.slice(2, 3), c.kmsConfigId ?? null]));

describe('assignKmsConfigIds', () => {
  it('gives KMS entries without an id max + 1, + 2 … in configId order, and none to SIEM entries', () => {
    const configs = [entry(cid('d')), entry(cid('b'), { kind: 'siem' }), entry(cid('a')), entry(cid('c'), { kmsConfigId: 4 })];
    const assigned = assignKmsConfigIds({ configs, previous: [entry(cid('c'), { kmsConfigId: 4 })] });
    expect(ids(assigned)).toEqual({ d: 6, b: null, a: 5, c: 4 });
    // Order kept, inputs untouched.
    expect(assigned.map((c) => c.configId)).toEqual(['d', 'b', 'a', 'c'].map(cid));
    expect(configs[0]).not.toHaveProperty('kmsConfigId');
  });

  it('keeps every id the previous state gave, whatever the builder copied', () => {
    const previous = [entry(cid('a'), { kmsConfigId: 3 }), entry(cid('b'), { kmsConfigId: 9 })];
    // An edited entry rebuilt without its id, another with a wrong one: both get theirs back.
    const configs = [entry(cid('a'), { version: 2 }), entry(cid('b'), { kmsConfigId: 1 }), entry(cid('n'))];
    expect(ids(assignKmsConfigIds({ configs, previous }))).toEqual({ a: 3, b: 9, n: 10 });
  });

  it('never reuses an id: a deleted configuration’s id stays given through highestGiven and the previous state', () => {
    const previous = [entry(cid('a'), { kmsConfigId: 1 }), entry(cid('g'), { kmsConfigId: 2, status: 'disabled' })];
    // The state that deletes g and creates n at once.
    expect(ids(assignKmsConfigIds({ configs: [entry(cid('a')), entry(cid('n'))], previous }))).toEqual({ a: 1, n: 3 });
    // Deleted earlier: only the high-water mark remembers 2 … 7.
    expect(ids(assignKmsConfigIds({ configs: [entry(cid('a')), entry(cid('n'))], previous: [entry(cid('a'), { kmsConfigId: 1 })], highestGiven: 7 }))).toEqual({ a: 1, n: 8 });
  });

  it('refuses a bad highestGiven and stops when no id is left', () => {
    expect(() => assignKmsConfigIds({ configs: [], previous: [], highestGiven: -1 })).toThrow(/non-negative/);
    expect(() => assignKmsConfigIds({ configs: [entry(cid('a'))], previous: [], highestGiven: MAX_KMS_CONFIG_ID })).toThrow(/No KMS configuration id is left/);
    expect(highestKmsConfigId([entry(cid('a'), { kmsConfigId: 5 }), entry(cid('b'))])).toBe(5);
  });
});

let pairs: TTenantKeyPairs;
let keys: TImportedTenantKeys;

beforeAll(async () => {
  pairs = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
});

const held = (configId: string, change: Partial<THeldConfig> = {}): THeldConfig => ({ ...entry(configId), provider: 'aws-kms', settings: {}, ...change });
const verify = (jws: string) => verifyTenantState(jws, pairs.signing.publicJwk, { tenantId: 'acme' });

describe('signNextState (a tenant held in Node: demo data, seeding, tests)', () => {
  it('gives ids from the first state, keeps them in later ones and never gives a deleted one’s again', async () => {
    const tenant: THeldTenant = { externalId: 'acme', keys, encPublicJwk: pairs.encryption.publicJwk, seq: 0, recipients: [], configs: [held(cid('b'), { primary: true }), held(cid('a')), held(cid('s'), { kind: 'siem', provider: 'splunk-hec' })] };
    const first = await verify((await signNextState(tenant)).jws);
    expect(ids(first.configs)).toEqual({ b: 2, a: 1, s: null });
    expect(tenant.configs.map((c) => c.kmsConfigId)).toEqual([2, 1, undefined]);

    tenant.configs = tenant.configs.filter((c) => c.configId !== cid('b'));
    const second = await verify((await signNextState(tenant)).jws);
    expect(ids(second.configs)).toEqual({ a: 1, s: null });
    tenant.configs.push(held(cid('c')));
    const third = await verify((await signNextState(tenant)).jws);
    expect(ids(third.configs)).toEqual({ a: 1, s: null, c: 3 });
    expect(tenant.kmsConfigIdMax).toBe(3);
  });
});

const current: TTenantState = {
  typ: 'tenant-state',
  tenantId: 'acme',
  seq: 3,
  // Signed before ids existed for o; h got one since.
  configs: [entry(cid('o'), { primary: true }), entry(cid('h'), { kmsConfigId: 4 }), entry(cid('s'), { kind: 'siem' })],
  recipients: [],
  iat: 1764300000,
};

describe('buildReissue', () => {
  it('keeps the ids of the current state and gives the missing ones above every id given', async () => {
    const built = await buildReissue({ tenantId: 'acme', signingKey: keys.signingKey, signingKid: keys.signingKid, current, highestSeen: 5, disable: new Set([cid('h')]), highestKmsConfigId: 6 });
    expect(ids(built.state.configs)).toEqual({ o: 7, h: 4, s: null });
    expect(ids((await verify(built.change.state)).configs)).toEqual({ o: 7, h: 4, s: null });
  });
});

describe('buildKeyRotation', () => {
  it('carries every id into the state signed by the new key and gives the missing ones', async () => {
    const admin = await generateAdminKeyPair();
    const document = (configId: string, typ: 'kms' | 'siem') => ({ typ, tenantId: 'acme', configId, version: 1, provider: typ === 'kms' ? 'aws-kms' : 'splunk-hec', settings: {}, iat: 1764300000 });
    const rotation = await buildKeyRotation({
      tenantId: 'acme',
      current: keys,
      adminPublicJwk: admin.publicJwk,
      previous: current,
      documents: [{ configId: cid('o'), document: document(cid('o'), 'kms') }, { configId: cid('h'), document: document(cid('h'), 'kms') }, { configId: cid('s'), document: document(cid('s'), 'siem') }],
      deployments: [],
      withRecoveryKit: false,
      highestKmsConfigId: 4,
    });
    const state = await verifyTenantState(rotation.change.state, rotation.change.rotate.sigPublicJwk, { tenantId: 'acme' });
    expect(ids(state.configs)).toEqual({ o: 5, h: 4, s: null });
  });
});
