import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_REISSUE_JUMP } from '@/lib/schemas/config-change';
import { newConfigId } from './config-document';
import { base64urlEncode, randomBytes } from './encoding';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys } from './tenant-keys';
import { buildReissue } from './tenant-state-reissue';
import { verifyTenantState, type TTenantState } from './tenant-state';
import type { JWK } from 'jose';

let keys: TImportedTenantKeys;
let publicJwk: JWK;
const kmsA = newConfigId();
const kmsB = newConfigId();
const siem = newConfigId();
const digest = 'A'.repeat(43);
const DEPLOYMENT = base64urlEncode(randomBytes(32));
const current: TTenantState = {
  typ: 'tenant-state',
  tenantId: 'acme',
  seq: 7,
  configs: [
    { configId: kmsA, kind: 'kms', version: 3, status: 'active', primary: true, digest },
    { configId: kmsB, kind: 'kms', version: 1, status: 'active', primary: false, digest },
    { configId: siem, kind: 'siem', version: 2, status: 'disabled', primary: false, digest },
  ],
  recipients: [DEPLOYMENT],
  iat: 1_700_000_000,
};

beforeAll(async () => {
  const pairs = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
  publicJwk = pairs.signing.publicJwk;
});

const build = (highestSeen: number, disable: string[] = []) =>
  buildReissue({ tenantId: 'acme', signingKey: keys.signingKey, signingKid: keys.signingKid, current, highestSeen, disable: new Set(disable), now: 1_800_000_000_000 });

describe('buildReissue', () => {
  it('signs the broker’s state one past the highest seen, on top of the broker’s, disabling what it is told (never primary)', async () => {
    const { state, change } = await build(12, [kmsA]);
    expect(change.reissue).toEqual({ fromSeq: 7 });
    expect(state.seq).toBe(13);
    expect(state.recipients).toEqual([DEPLOYMENT]);
    expect(state.iat).toBe(1_800_000_000);
    // Signed before kmsConfigIds existed: the re-issue, like any new state, gives them (in configId order).
    const idOf = (configId: string) => [kmsA, kmsB].sort().indexOf(configId) + 1;
    expect(state.configs).toEqual([
      { configId: kmsA, kind: 'kms', version: 3, status: 'disabled', primary: false, digest, kmsConfigId: idOf(kmsA) },
      { configId: kmsB, kind: 'kms', version: 1, status: 'active', primary: false, digest, kmsConfigId: idOf(kmsB) },
      { configId: siem, kind: 'siem', version: 2, status: 'disabled', primary: false, digest },
    ]);
    // The signed state is exactly that, by the tenant signing key.
    expect(await verifyTenantState(change.state, publicJwk, { tenantId: 'acme', minSeq: 13 })).toEqual(state);
    // The input is not changed.
    expect(current.configs[0]?.status).toBe('active');
  });

  it('keeps every status as it is when told to disable nothing', async () => {
    const { state } = await build(8);
    expect(state.seq).toBe(9);
    expect(state.configs.map((c) => [c.status, c.primary])).toEqual(current.configs.map((c) => [c.status, c.primary]));
  });

  it('refuses when nothing was lost, when the highest seen is absurdly far ahead, and for a configuration not in the state', async () => {
    await expect(build(7)).rejects.toThrow(/Nothing was lost/);
    await expect(build(3)).rejects.toThrow(/Nothing was lost/);
    await expect(build(Number.NaN)).rejects.toThrow(/Nothing was lost/);
    await expect(build(7 + MAX_REISSUE_JUMP - 1)).resolves.toBeTruthy();
    await expect(build(7 + MAX_REISSUE_JUMP)).rejects.toThrow(/more than/);
    await expect(build(9, [newConfigId()])).rejects.toThrow(/not in the current state/);
    await expect(buildReissue({ tenantId: 'globex', signingKey: keys.signingKey, signingKid: keys.signingKid, current, highestSeen: 9, disable: new Set() })).rejects.toThrow(/another tenant/);
  });
});
