// Withholding is visible (issue 19, item 3): a broker that leaves a pinned
// tenant out of a full sync, or marks it suspended, cannot make it vanish
// silently. The proxy client reports each as a status error with its own code
// and the last state seq it applied, keeps the pin, shows it in the summary,
// and tells its listeners (a TSP's SIEM) once, with what it last served.
import { readFile } from 'node:fs/promises';

import { beforeEach, describe, expect, it } from 'vitest';

import { bundleTenant, createTenant, publishState, type TTestTenant } from '@/lib/testing/bundle-factory';
import { createFakeBroker, createProxyWorld, type TFakeBroker, type TProxyWorld } from '@/lib/testing/proxy-world';

import { createProxyClient, type TProxyClient } from './client';
import { formatSummary } from './format-summary';
import type { TProxyError, TProxyTenant } from './types';

let world: TProxyWorld;
let broker: TFakeBroker;
let client: TProxyClient;
let listed: TTestTenant[];
let heard: { notice: TProxyError; lastServed: TProxyTenant | undefined }[];

/** A proxy (re)started on the same pins file: its first sync is a full one. */
function restart(options: { now?: () => number; fullSyncEveryMs?: number } = {}): TProxyClient {
  client = createProxyClient({ credentials: world.deployment.credentials, pinsFile: world.pinsFile, fetch: broker.fetch, ...options });
  client.onTenantStopped((notice, lastServed) => heard.push({ notice, lastServed }));
  return client;
}

const stoppedOf = () => client.summary().errors.filter((e) => e.code === 'tenant_withheld' || e.code === 'tenant_suspended');
const pinsOnDisk = async () => (JSON.parse(await readFile(world.pinsFile, 'utf8')) as { tenants: Record<string, { seq: number; configs?: number }> }).tenants;

beforeEach(async () => {
  world = await createProxyWorld();
  listed = [world.acme];
  broker = createFakeBroker(world, () => listed);
  heard = [];
  restart();
  await client.syncOnce();
  expect(client.getTenant('acme')?.configs).toHaveLength(2);
});

describe('a pinned tenant left out of a full sync', () => {
  it('is reported as tenant_withheld with the last seq applied, after a restart too, and the pin stays', async () => {
    listed = [];
    restart();
    await client.syncOnce();
    expect(client.getTenant('acme')).toBeUndefined();
    expect(stoppedOf()).toEqual([{ tenantId: 'acme', configId: null, code: 'tenant_withheld', seq: 2, message: expect.stringContaining('last applied its state 2') as string }]);
    expect((await pinsOnDisk()).acme).toMatchObject({ seq: 2, configs: 2 });
    expect(client.summary().counts.stopped).toBe(1);
    expect(formatSummary(client.summary())).toMatch(/acme\s+left out of the bundle\s+change 2\s+tenant_withheld/);
    // After a restart this process never served acme: the fact is reported, with nothing to tell a SIEM with.
    expect(heard).toEqual([{ notice: stoppedOf()[0], lastServed: undefined }]);

    await client.reportStatus();
    expect(broker.statuses.at(-1)?.errors).toEqual([expect.objectContaining({ tenantId: 'acme', code: 'tenant_withheld', seq: 2 })]);

    // Listed again: served again, and the report no longer carries it.
    listed = [world.acme];
    restart();
    await client.syncOnce();
    expect(stoppedOf()).toEqual([]);
    expect(client.getTenant('acme')?.configs).toHaveLength(2);
  });

  it('is noticed by a running proxy at its periodic full sync, which hands the tenant it served to the listeners once', async () => {
    // Every 300 ms here instead of every hour (FULL_SYNC_EVERY_MS).
    restart({ fullSyncEveryMs: 300 });
    await client.syncOnce();
    const served = client.getTenant('acme');
    const cursors: (string | null)[] = [];
    const controller = new AbortController();
    const answer = broker.answer;
    broker.answer = async (cursor) => {
      cursors.push(cursor);
      if (cursors.length === 2) listed = [];
      if (heard.length > 0 || cursors.length > 200) controller.abort();
      // A delta with nothing in it, a little later (a long-poll answered).
      if (cursor !== null) await new Promise((resolve) => setTimeout(resolve, 20));
      return cursor === null ? answer(cursor) : { tenants: [] };
    };
    await client.run({ wait: 0, signal: controller.signal });
    // Deltas first; a full sync (cursor null) once the period has passed since the last one.
    expect(cursors[0]).not.toBeNull();
    expect(cursors.indexOf(null)).toBeGreaterThan(2);
    expect(heard).toHaveLength(1);
    expect(heard[0]?.notice).toMatchObject({ tenantId: 'acme', code: 'tenant_withheld', seq: 2 });
    expect(heard[0]?.lastServed).toBe(served);
    expect(heard[0]?.lastServed?.primary.siem?.settings).toEqual(world.siem.settings);
    expect(broker.statuses.some((s) => s.errors.some((e) => e.code === 'tenant_withheld' && e.tenantId === 'acme' && e.seq === 2))).toBe(true);
  });

  it('is not reported when its last state listed no configuration: that is how a deleted tenant leaves', async () => {
    const gone = await createTenant('globex', [world.deployment]);
    listed = [world.acme, gone];
    await client.syncOnce();
    expect((await pinsOnDisk()).globex).toMatchObject({ seq: 1, configs: 0 });
    listed = [world.acme];
    restart();
    await client.syncOnce();
    expect(stoppedOf()).toEqual([]);
    expect(client.summary().errors).toEqual([]);
  });

  it('is reported from a pin written before pins counted configurations (nothing says it was deleted)', async () => {
    const pins = JSON.parse(await readFile(world.pinsFile, 'utf8')) as { tenants: Record<string, { configs?: number }> };
    delete pins.tenants.acme?.configs;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(world.pinsFile, JSON.stringify(pins));
    listed = [];
    restart();
    await client.syncOnce();
    expect(stoppedOf()).toMatchObject([{ tenantId: 'acme', code: 'tenant_withheld', seq: 2 }]);
  });

  it('an older pin is completed with the count when the same state is served again', async () => {
    const pins = JSON.parse(await readFile(world.pinsFile, 'utf8')) as { tenants: Record<string, { configs?: number }> };
    delete pins.tenants.acme?.configs;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(world.pinsFile, JSON.stringify(pins));
    restart();
    await client.syncOnce();
    expect((await pinsOnDisk()).acme).toMatchObject({ seq: 2, configs: 2 });
  });
});

describe('a pinned tenant the broker marks suspended', () => {
  it('is reported as tenant_suspended with the last seq applied; listeners hear it once; resuming clears it', async () => {
    const served = client.getTenant('acme');
    world.acme.status = 'suspended';
    await client.syncOnce();
    await client.syncOnce();
    expect(client.getTenant('acme')).toMatchObject({ status: 'suspended', configs: [] });
    expect(stoppedOf()).toEqual([{ tenantId: 'acme', configId: null, code: 'tenant_suspended', seq: 2, message: expect.stringContaining('marks this tenant suspended') as string }]);
    expect(heard).toHaveLength(1);
    expect(heard[0]?.lastServed).toBe(served);
    expect(formatSummary(client.summary())).toMatch(/acme\s+marked suspended by the broker\s+change 2\s+tenant_suspended/);

    // A later state while suspended moves the seq the report names.
    await publishState(world.acme);
    await client.syncOnce();
    expect(stoppedOf()).toMatchObject([{ code: 'tenant_suspended', seq: 3 }]);
    expect(heard.map((h) => h.notice.seq)).toEqual([2, 3]);
    expect(heard[1]?.lastServed).toBe(served);

    world.acme.status = 'active';
    await client.syncOnce();
    expect(stoppedOf()).toEqual([]);
    expect(client.getTenant('acme')?.configs).toHaveLength(2);
  });

  it('is not reported for a tenant that has not approved this deployment (it is served nothing anyway)', async () => {
    const other = await createTenant('globex', []);
    other.status = 'suspended';
    broker.answer = () => ({ tenants: [bundleTenant(world.acme, world.deployment), bundleTenant(other, world.deployment)] });
    await client.syncOnce();
    expect(client.getTenant('globex')).toMatchObject({ status: 'suspended', approved: false });
    expect(stoppedOf()).toEqual([]);
  });
});
