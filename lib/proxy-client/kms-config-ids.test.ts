// kmsConfigIds in the proxy client (./kms-config-ids.ts): exposed on each
// configuration, found by the id an EDEK carries, and a tenant-signed state
// that moves an id already applied is refused with `kms_config_id_changed`
// while the last good configuration is kept. The states are really signed by
// the tenant key (a fork or replay of the tenant's own states, which the
// broker could serve; it cannot forge one).
import { beforeEach, describe, expect, it } from 'vitest';

import type { TTenantState } from '@/lib/crypto/tenant-state';
import { bundleTenant, publishState, sealTestConfig } from '@/lib/testing/bundle-factory';
import { createFakeBroker, createProxyWorld, type TFakeBroker, type TProxyWorld } from '@/lib/testing/proxy-world';

import { createProxyClient, type TProxyClient } from './client';
import { findKmsConfig } from './kms-config-ids';

let world: TProxyWorld;
let broker: TFakeBroker;
let client: TProxyClient;

const newClient = () => createProxyClient({ credentials: world.deployment.credentials, pinsFile: world.pinsFile, fetch: broker.fetch });

async function syncWithState(edit?: (state: TTenantState) => void) {
  await publishState(world.acme, { edit });
  broker.answer = () => ({ tenants: [bundleTenant(world.acme, world.deployment)] });
  await client.syncOnce();
  return client.summary().errors;
}

const setId = (configId: string, kmsConfigId: number | undefined) => (state: TTenantState) => {
  const entry = state.configs.find((c) => c.configId === configId);
  if (entry) entry.kmsConfigId = kmsConfigId;
};

beforeEach(async () => {
  world = await createProxyWorld();
  broker = createFakeBroker(world);
  client = newClient();
  await client.syncOnce();
});

describe('kmsConfigId in the proxy client', () => {
  it('exposes the signed id on KMS configurations (null for SIEM) and finds a configuration by it', async () => {
    const acme = client.getTenant('acme');
    expect(world.kms.kmsConfigId).toBe(1);
    expect(acme?.primary.kms).toMatchObject({ configId: world.kms.configId, kmsConfigId: 1 });
    expect(acme?.primary.siem?.kmsConfigId).toBeNull();
    expect(findKmsConfig(acme, 1)?.configId).toBe(world.kms.configId);
    expect(findKmsConfig(acme, 2)).toBeUndefined();
    expect(findKmsConfig(undefined, 1)).toBeUndefined();
    expect(client.summary().configurations.find((c) => c.kind === 'kms')).toMatchObject({ kmsConfigId: 1 });
  });

  it('returns a disabled configuration too (the caller refuses it as disabled, not unknown)', async () => {
    await sealTestConfig(world.acme, { provider: 'hashicorp-vault-transit', status: 'disabled' });
    expect(await syncWithState()).toEqual([]);
    expect(findKmsConfig(client.getTenant('acme'), 2)).toMatchObject({ provider: 'hashicorp-vault-transit', status: 'disabled', kmsConfigId: 2 });
  });

  it('is null for a state signed before ids existed, and a later state may give one', async () => {
    client = newClient();
    await publishState(world.acme, { edit: setId(world.kms.configId, undefined) });
    // A fresh client (restart): nothing applied in memory yet.
    broker.answer = () => ({ tenants: [bundleTenant(world.acme, world.deployment)] });
    await client.syncOnce();
    expect(client.getTenant('acme')?.primary.kms?.kmsConfigId).toBeNull();
    expect(findKmsConfig(client.getTenant('acme'), 1)).toBeUndefined();
    expect(await syncWithState()).toEqual([]);
    expect(client.getTenant('acme')?.primary.kms?.kmsConfigId).toBe(1);
  });

  it('refuses a state that changes a configuration’s id, keeping the last good and reporting it', async () => {
    const seq = client.getTenant('acme')?.seq;
    const errors = await syncWithState(setId(world.kms.configId, 7));
    expect(errors).toEqual([
      { tenantId: 'acme', configId: world.kms.configId, code: 'kms_config_id_changed', message: 'The tenant state gives this configuration KMS configuration id 7; an applied state gave it 1.' },
    ]);
    const acme = client.getTenant('acme');
    expect(acme?.seq).toBe(seq);
    expect(acme?.primary.kms?.kmsConfigId).toBe(1);
    await client.reportStatus();
    expect(broker.statuses.at(-1)?.errors).toMatchObject([{ tenantId: 'acme', code: 'kms_config_id_changed' }]);
    // The tenant's next good state clears it.
    expect(await syncWithState()).toEqual([]);
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
  });

  it('refuses a state that drops an id, or gives an applied id to another configuration', async () => {
    expect(await syncWithState(setId(world.kms.configId, undefined))).toMatchObject([{ configId: world.kms.configId, code: 'kms_config_id_changed', message: expect.stringMatching(/id none; an applied state gave it 1/) as unknown }]);
    // The configuration deleted, a new one under its id: EDEKs made with the old one would name the new one.
    const successor = await sealTestConfig(world.acme, { provider: 'hashicorp-vault-transit', kmsConfigId: 1 });
    world.acme.configs.delete(world.kms.configId);
    expect(await syncWithState()).toMatchObject([{ configId: successor.configId, code: 'kms_config_id_changed', message: expect.stringMatching(/id 1, which an applied state gave to c_/) as unknown }]);
    expect(client.getTenant('acme')?.primary.kms?.configId).toBe(world.kms.configId);
  });

  it('checks the state even while the tenant has not approved this deployment', async () => {
    world.acme.approved = [];
    expect(await syncWithState(setId(world.kms.configId, 3))).toMatchObject([{ code: 'kms_config_id_changed' }]);
  });
});
