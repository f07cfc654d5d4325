// The kmsConfigId member of a tenant state's configurations (TSP.md
// "Decisions"): read, signed and verified with the state; the reader's rules
// (KMS only, 1…2^31-1, unique) hold for the browser, the broker and the proxy.
import { beforeAll, describe, expect, it } from 'vitest';

import { newConfigId } from './config-document';
import { base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError } from './errors';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';
import {
  decodeTenantStateUnverified,
  MAX_KMS_CONFIG_ID,
  readTenantState,
  signTenantState,
  verifyTenantState,
  type TTenantState,
  type TTenantStateConfig,
} from './tenant-state';

const entry = (change: Partial<TTenantStateConfig> = {}): TTenantStateConfig => ({
  configId: newConfigId(),
  kind: 'kms',
  version: 1,
  status: 'active',
  primary: false,
  digest: base64urlEncode(randomBytes(32)),
  ...change,
});

const stateWith = (configs: unknown[]): TTenantState => ({ typ: 'tenant-state', tenantId: 'acme', seq: 4, configs: configs as TTenantStateConfig[], recipients: [], iat: 1764300000 });

function refusal(configs: unknown[]): CryptoError {
  try {
    readTenantState(stateWith(configs));
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).code).toBe('invalid_input');
    return error as CryptoError;
  }
  throw new Error('expected a refusal');
}

let pairs: TTenantKeyPairs;
let keys: TImportedTenantKeys;

beforeAll(async () => {
  pairs = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
});

describe('readTenantState: kmsConfigId', () => {
  it('accepts ids on KMS entries, returned as given, beside entries without one', () => {
    const configs = [entry({ kmsConfigId: 1, primary: true }), entry({ kmsConfigId: MAX_KMS_CONFIG_ID }), entry(), entry({ kind: 'siem' })];
    const read = readTenantState(stateWith(configs));
    expect(read.configs.map((c) => c.kmsConfigId)).toEqual([1, MAX_KMS_CONFIG_ID, undefined, undefined]);
    // Absent stays absent: no member appears in what is signed.
    expect(Object.hasOwn(read.configs[2] as object, 'kmsConfigId')).toBe(false);
    // An in-memory undefined (a builder's spread) counts as absent.
    expect(readTenantState(stateWith([{ ...entry(), kmsConfigId: undefined }])).configs[0]).not.toHaveProperty('kmsConfigId');
  });

  it('refuses an id on a SIEM configuration', () => {
    expect(refusal([entry({ kind: 'siem', kmsConfigId: 1 })]).message).toMatch(/"kmsConfigId" belongs to KMS configurations only/);
  });

  it('refuses zero, negative, fractional, too large, unsafe and non-number ids', () => {
    for (const bad of [0, -1, 1.5, MAX_KMS_CONFIG_ID + 1, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Infinity, '1', null, true]) {
      expect(refusal([entry({ kmsConfigId: bad as number })]).message).toMatch(/"kmsConfigId" must be an integer from 1 to 2147483647/);
    }
  });

  it('refuses one id given to two configurations, naming both', () => {
    const [a, b] = [entry({ kmsConfigId: 7 }), entry({ kmsConfigId: 7, status: 'disabled' })];
    expect(refusal([a, entry({ kmsConfigId: 8 }), b]).message).toBe(`Tenant state: kmsConfigId 7 is given to two configurations (${a.configId} and ${b.configId}).`);
  });

  it('still refuses any other unknown member beside it', () => {
    expect(refusal([{ ...entry({ kmsConfigId: 1 }), leasedKeys: true }]).message).toMatch(/unexpected or missing members/);
  });
});

describe('signed states with kmsConfigIds', () => {
  it('round-trips through sign and verify, and the broker’s unverified decoder sees the same ids', async () => {
    const state = stateWith([entry({ kmsConfigId: 2, primary: true }), entry({ kmsConfigId: 5 }), entry({ kind: 'siem', primary: true })]);
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    const verified = await verifyTenantState(jws, pairs.signing.publicJwk, { tenantId: 'acme' });
    expect(verified).toEqual(state);
    expect(decodeTenantStateUnverified(jws).state.configs.map((c) => c.kmsConfigId)).toEqual([2, 5, undefined]);
  });

  it('verifies a state signed before ids existed (no member at all)', async () => {
    const old = stateWith([entry({ primary: true }), entry({ kind: 'siem' })]);
    const jws = await signTenantState(old, keys.signingKey, keys.signingKid);
    const payload = JSON.parse(new TextDecoder().decode(Buffer.from(jws.split('.')[1] as string, 'base64url'))) as { configs: object[] };
    expect(payload.configs.every((c) => !Object.hasOwn(c, 'kmsConfigId'))).toBe(true);
    expect((await verifyTenantState(jws, pairs.signing.publicJwk, { tenantId: 'acme' })).configs).toEqual(old.configs);
  });

  it('refuses to sign, and refuses when verifying, a state that breaks the rules (signature valid or not)', async () => {
    const duplicate = stateWith([entry({ kmsConfigId: 3 }), entry({ kmsConfigId: 3 })]);
    await expect(signTenantState(duplicate, keys.signingKey, keys.signingKid)).rejects.toMatchObject({ code: 'invalid_input' });
    // Signed anyway by the tenant key (a buggy or hostile signer): verification holds it to the rule.
    const { CompactSign } = await import('jose');
    const jws = await new CompactSign(utf8(JSON.stringify(duplicate)))
      .setProtectedHeader({ alg: 'ES256', kid: keys.signingKid, typ: 'cmk-tenant-state+jws' })
      .sign(keys.signingKey);
    await expect(verifyTenantState(jws, pairs.signing.publicJwk, { tenantId: 'acme' })).rejects.toMatchObject({ code: 'decrypt_failed', message: expect.stringMatching(/kmsConfigId 3 is given to two/) as unknown });
    expect(() => decodeTenantStateUnverified(jws)).toThrow(/kmsConfigId 3 is given to two/);
  });
});
