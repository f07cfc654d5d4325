// The pins must be on disk before what they protect is applied: a restart
// must still refuse an older state than one applied (a revocation undone) and
// a signing key the tenant rotated away from (a removed admin's key). The
// broker here is simulated because it must misbehave — answer 304 to a later
// page, drop the connection mid-sync — which the real broker never does.
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { bundleTenant, createTenant, publishState, rotateTenantKey, sealTestConfig, type TTestTenant } from '@/lib/testing/bundle-factory';
import { createFakeBroker, createProxyWorld, type TFakeBroker, type TProxyWorld } from '@/lib/testing/proxy-world';

import { createProxyClient } from './client';
import { loadPins, mergePins, savePins, tenantPins, type TPins } from './pins';

const onDisk = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as TPins;

function client(world: TProxyWorld, fake: TFakeBroker, pinsFile = world.pinsFile) {
  return createProxyClient({ credentials: world.deployment.credentials, pinsFile, fetch: (input, init) => fake.fetch(input, init) });
}

/** Page 1 (not complete) carries `tenant` as it is now; asking for page 2 gets `page2`. */
function cutAfterFirstPage(world: TProxyWorld, fake: TFakeBroker, tenant: TTestTenant, page2: () => Promise<Response>) {
  const inner = fake.fetch;
  fake.answer = () => ({ tenants: [bundleTenant(tenant, world.deployment)], overrides: { complete: false, next: 'page-2' } });
  fake.fetch = async (input, init) => (new URL(String(input)).searchParams.get('cursor') === 'page-2' ? page2() : inner(input, init));
  return () => {
    fake.fetch = inner;
  };
}

const disable = async (world: TProxyWorld) => {
  world.kms.status = 'disabled';
  world.kms.primary = false;
  await publishState(world.acme);
};

describe('pins are saved before a page is applied', () => {
  it('a revocation applied from a page whose next page answers 304 is pinned; after a restart the older state is refused', async () => {
    const world = await createProxyWorld();
    const fake = createFakeBroker(world);
    const first = client(world, fake);
    await first.syncOnce();
    const before = bundleTenant(world.acme, world.deployment);
    await disable(world);
    const seq = world.acme.seq;
    cutAfterFirstPage(world, fake, world.acme, async () => new Response(null, { status: 304 }));
    // A 304 to a request without If-None-Match is the broker's error, not "unchanged".
    await expect(first.syncOnce()).rejects.toThrow(/304 Not Modified to a request without If-None-Match/);
    expect(first.getTenant('acme')?.seq).toBe(seq);
    expect((await onDisk(world.pinsFile)).tenants.acme?.seq).toBe(seq);

    // Restarted, the proxy is served the state from before the revocation.
    const replay = createFakeBroker(world);
    replay.answer = () => ({ tenants: [before] });
    const restarted = client(world, replay);
    await restarted.syncOnce();
    expect(restarted.getTenant('acme')).toBeUndefined();
    expect(restarted.summary().errors).toEqual([expect.objectContaining({ tenantId: 'acme', code: 'state_rollback' })]);
  });

  it('a rotated tenant key applied before the connection drops is pinned; after a restart the old key cannot rotate elsewhere', async () => {
    const world = await createProxyWorld();
    const fake = createFakeBroker(world);
    const first = client(world, fake);
    await first.syncOnce();
    // A removed admin keeps the old signing key…
    const removed: TTestTenant = { ...world.acme, configs: new Map(world.acme.configs), keyRotations: [...world.acme.keyRotations], approved: [...world.acme.approved] };
    await rotateTenantKey(world.acme, { withStatement: true });
    const rotatedKid = world.acme.signer.kid;
    cutAfterFirstPage(world, fake, world.acme, () => Promise.reject(new TypeError('fetch failed')));
    await expect(first.syncOnce()).rejects.toThrow(/Network error/);
    expect((await onDisk(world.pinsFile)).tenants.acme?.signingKey.kid).toBe(rotatedKid);

    // …and signs a rotation to a key of its own, with a configuration of its choosing.
    await rotateTenantKey(removed, { withStatement: true });
    await sealTestConfig(removed, { provider: 'aws-kms', configId: world.kms.configId });
    await publishState(removed, { seq: 50 });
    const hostile = createFakeBroker(world);
    hostile.answer = () => ({ tenants: [bundleTenant(removed, world.deployment)] });
    const restarted = client(world, hostile);
    await restarted.syncOnce();
    expect(restarted.getTenant('acme')).toBeUndefined();
    expect(restarted.summary().errors).toEqual([expect.objectContaining({ tenantId: 'acme', code: 'tenant_key' })]);
  });

  it('applies nothing from a page whose pins cannot be saved', async () => {
    const world = await createProxyWorld();
    const folder = await mkdtemp(path.join(os.tmpdir(), 'cmk-pins-gone-'));
    const pinsFile = path.join(folder, 'pins.json');
    const fake = createFakeBroker(world);
    const proxy = client(world, fake, pinsFile);
    await proxy.syncOnce();
    const applied = world.acme.seq;
    await rm(folder, { recursive: true });
    await disable(world);
    await expect(proxy.syncOnce()).rejects.toThrow(/ENOENT/);
    expect(proxy.getTenant('acme')?.seq).toBe(applied);
    expect(proxy.getTenant('acme')?.primary.kms?.status).toBe('active');
  });

  it('a tenant called "constructor" is verified and pinned like any other', async () => {
    const world = await createProxyWorld();
    const odd = await createTenant('constructor', [world.deployment]);
    await sealTestConfig(odd, { provider: 'aws-kms', primary: true });
    await publishState(odd);
    const proxy = client(world, createFakeBroker(world, () => [world.acme, odd]));
    await proxy.syncOnce();
    expect(proxy.summary().errors).toEqual([]);
    expect(proxy.getTenant('constructor')?.seq).toBe(odd.seq);
    expect((await onDisk(world.pinsFile)).tenants['constructor']?.seq).toBe(odd.seq);
  });
});

describe('two processes sharing one pins file', () => {
  it('never lower a seq or drop a key another one pinned', async () => {
    const world = await createProxyWorld();
    const before = bundleTenant(world.acme, world.deployment);
    const one = createFakeBroker(world);
    const two = createFakeBroker(world);
    const p1 = client(world, one);
    const p2 = client(world, two);
    await p1.syncOnce();
    await p2.syncOnce();
    await disable(world);
    await p1.syncOnce();
    const revoked = world.acme.seq;
    // The broker withholds the revocation from the second process, which then saves for another tenant.
    const beta = await createTenant('beta', [world.deployment]);
    await sealTestConfig(beta, { provider: 'aws-kms', primary: true });
    await publishState(beta);
    two.answer = () => ({ tenants: [before, bundleTenant(beta, world.deployment)] });
    await p2.syncOnce();
    const pins = await onDisk(world.pinsFile);
    expect(pins.tenants.acme?.seq).toBe(revoked);
    expect(pins.tenants.beta?.seq).toBe(beta.seq);
    // The second process now holds the merged pins: the withheld state is reported, not accepted again.
    await p2.syncOnce();
    expect(p2.summary().errors).toEqual([expect.objectContaining({ tenantId: 'acme', code: 'state_rollback' })]);
  });

  it('mergePins keeps the higher seq per tenant (the one on disk at an equal seq) and every broker key', () => {
    const key = (kid: string) => ({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid });
    const pin = (seq: number, state: string) => ({ signingKey: key('t'), seq, state: state.repeat(86) });
    const disk: TPins = { version: 1, deploymentId: 'd', broker: { keys: [key('b1')] }, tenants: tenantPins({ a: pin(5, 'D'), b: pin(2, 'D'), c: pin(3, 'D') }) };
    const ours: TPins = { version: 1, deploymentId: 'd', broker: { keys: [key('b1'), key('b2')] }, tenants: tenantPins({ a: pin(4, 'O'), b: pin(3, 'O'), c: pin(3, 'O'), d: pin(1, 'O') }) };
    const merged = mergePins(disk, ours);
    expect(merged.broker.keys.map((k) => k.kid)).toEqual(['b1', 'b2']);
    expect(Object.fromEntries(Object.entries(merged.tenants).map(([id, p]) => [id, `${p.seq}${p.state?.[0]}`]))).toEqual({ a: '5D', b: '3O', c: '3D', d: '1O' });
  });
});

describe('savePins', () => {
  it('writes mode 0600 and re-reads a file another process replaced', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'cmk-pins-save-'));
    const file = path.join(folder, 'pins.json');
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'b' };
    const signingKey = { ...key, kid: 't' };
    const base: TPins = { version: 1, deploymentId: 'd', broker: { keys: [key] }, tenants: tenantPins({ a: { signingKey, seq: 1 } }) };
    const first = await savePins(file, base);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Another process writes a higher seq; our next save, however stale, keeps it.
    await savePins(file, { ...base, tenants: tenantPins({ a: { signingKey, seq: 9 } }) });
    const second = await savePins(file, { ...base, tenants: tenantPins({ a: { signingKey, seq: 2 }, b: { signingKey, seq: 1 } }) }, { writtenIno: first.ino });
    expect(second.pins.tenants.a?.seq).toBe(9);
    expect((await loadPins(file, 'd', [key])).tenants.b?.seq).toBe(1);
  });
});
