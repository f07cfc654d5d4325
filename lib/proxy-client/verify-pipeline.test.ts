// The proxy's verification pipeline against real material (bundle factory):
// each way the broker could tamper is detected, reported with its code, and
// the tenant's last good configuration is kept.
import { readFile, stat } from 'node:fs/promises';

import { beforeEach, describe, expect, it } from 'vitest';

import { sealConfig } from '@/lib/crypto/seal-config';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { narrowJwe } from '@/lib/crypto/narrow-jwe';
import {
  bundleTenant,
  createTenant,
  publishState,
  rotateTenantKey,
  sealTestConfig,
  type TTestTenant,
} from '@/lib/testing/bundle-factory';
import { createFakeBroker, createProxyWorld, type TFakeBroker, type TProxyWorld } from '@/lib/testing/proxy-world';
import { newSigner } from '@/lib/testing/test-keys';

import { createProxyClient, type TProxyClient } from './client';
import { BundleRefusedError } from './sync-core';

let world: TProxyWorld;
let broker: TFakeBroker;
let client: TProxyClient;

const newClient = () => createProxyClient({ credentials: world.deployment.credentials, pinsFile: world.pinsFile, fetch: broker.fetch });
const acmeBundle = (tenant: TTestTenant = world.acme) => bundleTenant(tenant, world.deployment);

/** Syncs once more with the broker answering `tenants`; returns the errors the client now has. */
async function syncWith(answer: TFakeBroker['answer']) {
  broker.answer = answer;
  await client.syncOnce().catch((e: unknown) => {
    if (!(e instanceof BundleRefusedError)) throw e;
  });
  return client.summary().errors;
}

function expectLastGood(seq: number) {
  const acme = client.getTenant('acme');
  expect(acme?.seq).toBe(seq);
  expect(acme?.primary.kms?.configId).toBe(world.kms.configId);
  expect(acme?.primary.kms?.settings).toEqual(world.kms.settings);
}

beforeEach(async () => {
  world = await createProxyWorld();
  broker = createFakeBroker(world);
  client = newClient();
  await client.syncOnce();
});

describe('a good bundle', () => {
  it('applies the verified configurations, pins the tenant and reports it', async () => {
    expectLastGood(2);
    const acme = client.getTenant('acme');
    expect(acme).toMatchObject({ status: 'active', approved: true });
    expect(acme?.primary.siem?.provider).toBe('splunk-hec');
    expect(client.summary().errors).toEqual([]);
    const pins = JSON.parse(await readFile(world.pinsFile, 'utf8')) as { tenants: Record<string, { seq: number; signingKey: { kid: string } }> };
    expect(pins.tenants.acme).toMatchObject({ seq: 2, signingKey: { kid: world.acme.signer.kid } });
    expect(JSON.stringify(pins)).not.toContain('cmk-example-external-id');
    expect((await stat(world.pinsFile)).mode & 0o777).toBe(0o600);
    await client.reportStatus();
    await client.reportStatus();
    expect(broker.statuses[0]).toMatchObject({ tenants: [{ tenantId: 'acme', seq: 2 }], errors: [] });
    expect(broker.statuses[1]?.tenants).toEqual([]);
  });

  it('says in one log line when a change was applied, and where the time went since the broker answered', async () => {
    const lines: string[] = [];
    client = createProxyClient({ credentials: world.deployment.credentials, pinsFile: world.pinsFile, fetch: broker.fetch, logger: { info: (m) => lines.push(m), warn: () => {}, error: () => {} } });
    await client.syncOnce();
    world.kms.status = 'disabled';
    world.kms.primary = false;
    await publishState(world.acme);
    await syncWith(() => ({ tenants: [acmeBundle()] }));
    const stages = String.raw`\d+ ms from its answer \(broker signature \d+ ms, tenant states \d+ ms, pins saved \d+ ms\)\.$`;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^Applied the broker's full sync: acme at state 2; ${stages}`));
    expect(lines[1]).toMatch(new RegExp(`^Applied the broker's changes: acme at state 3; ${stages}`));
  });

  it('shows a tenant that has not approved this deployment as awaiting approval, without error', async () => {
    const other = await createTenant('globex', []);
    await syncWith(() => ({ tenants: [acmeBundle(), acmeBundle(other)] }));
    expect(client.getTenant('globex')).toMatchObject({ approved: false, configs: [] });
    expect(client.summary().errors).toEqual([]);
  });

  it('serves nothing for a suspended tenant', async () => {
    world.acme.status = 'suspended';
    await syncWith(() => ({ tenants: [acmeBundle()] }));
    expect(client.getTenant('acme')).toMatchObject({ status: 'suspended', configs: [], primary: {} });
  });
});

describe('tampering is detected and the last good configuration kept', () => {
  it('(a) a configuration JWE moved from another tenant', async () => {
    const globex = await createTenant('globex', [world.deployment]);
    const theirs = await sealTestConfig(globex, { provider: 'aws-kms', primary: true });
    const tampered = acmeBundle();
    const entry = tampered.configs.find((c) => c.configId === world.kms.configId);
    if (entry) entry.jwe = narrowJwe(theirs.jwe, world.deployment.kid);
    const errors = await syncWith(() => ({ tenants: [tampered] }));
    expect(errors).toMatchObject([{ tenantId: 'acme', configId: world.kms.configId, code: 'config_digest' }]);
    expectLastGood(2);
  });

  it('(b) a configuration the broker sealed itself to the proxy key', async () => {
    const forger = await newSigner();
    const document = { typ: 'kms' as const, tenantId: 'acme', configId: world.kms.configId, version: world.kms.version, provider: 'aws-kms', settings: world.kms.settings, iat: 1 };
    const { jwe } = await sealConfig({ document, signingKey: forger.key, signingKid: forger.kid, recipients: [{ kid: world.deployment.kid, publicJwk: world.deployment.publicJwk }] });
    const tampered = acmeBundle();
    const entry = tampered.configs.find((c) => c.configId === world.kms.configId);
    if (entry) entry.jwe = narrowJwe(jwe, world.deployment.kid);
    expect(await syncWith(() => ({ tenants: [tampered] }))).toMatchObject([{ code: 'config_digest' }]);
    expectLastGood(2);
  });

  it('(b) even with the digest listed, a configuration not signed by the tenant key is refused', async () => {
    // Only the tenant can sign a state listing this digest; the inner signature is checked regardless.
    await sealTestConfig(world.acme, { provider: 'aws-kms', configId: world.kms.configId }, await newSigner());
    await publishState(world.acme);
    const errors = await syncWith(() => ({ tenants: [acmeBundle()] }));
    expect(errors).toMatchObject([{ configId: world.kms.configId, code: 'config_signature' }]);
    expectLastGood(2);
  });

  it('(c) a tenant state with a lower seq, also after a restart', async () => {
    const old = acmeBundle();
    await sealTestConfig(world.acme, { provider: 'aws-kms', configId: world.kms.configId });
    await publishState(world.acme);
    await syncWith(() => ({ tenants: [acmeBundle()] }));
    expect(client.getTenant('acme')?.seq).toBe(3);
    expect(await syncWith(() => ({ tenants: [old] }))).toMatchObject([{ tenantId: 'acme', code: 'state_rollback' }]);
    expect(client.getTenant('acme')?.seq).toBe(3);
    client = newClient();
    expect(await syncWith(() => ({ tenants: [old] }))).toMatchObject([{ code: 'state_rollback' }]);
    expect(client.getTenant('acme')).toBeUndefined();
  });

  it('(c2) a different state with a seq already applied, also after a restart; the same state served again is fine', async () => {
    const applied = acmeBundle();
    const pins = JSON.parse(await readFile(world.pinsFile, 'utf8')) as { tenants: Record<string, { seq: number; state?: string }> };
    expect(pins.tenants.acme?.state).toBe(applied.state.slice(applied.state.lastIndexOf('.') + 1));
    // Signed by the tenant, valid, seq 2 — but not the seq-2 state applied (the siem configuration disabled in it).
    await publishState(world.acme, { seq: 2, edit: (s) => s.configs.forEach((c) => c.kind === 'siem' && Object.assign(c, { status: 'disabled', primary: false })) });
    const other = acmeBundle();
    expect(other.state).not.toBe(applied.state);
    expect(await syncWith(() => ({ tenants: [other] }))).toMatchObject([{ tenantId: 'acme', code: 'state_rollback' }]);
    expectLastGood(2);
    expect(client.getTenant('acme')?.primary.siem?.provider).toBe('splunk-hec');
    client = newClient();
    expect(await syncWith(() => ({ tenants: [other] }))).toMatchObject([{ code: 'state_rollback' }]);
    // The state that was applied, served again (a full sync after bad_cursor): accepted.
    expect(await syncWith(() => ({ tenants: [applied] }))).toEqual([]);
    expectLastGood(2);
  });

  it('(d) a primary flag flipped in the signed state', async () => {
    const tampered = acmeBundle();
    const [h, p, s] = tampered.state.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { configs: { primary: boolean }[] };
    for (const c of payload.configs) c.primary = !c.primary;
    tampered.state = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(await syncWith(() => ({ tenants: [tampered] }))).toMatchObject([{ code: 'tenant_state' }]);
    expectLastGood(2);
  });

  it('(e) a bundle signed by an unknown key — accepted only through a broker rotation statement', async () => {
    const next = await newSigner();
    const errors = await syncWith(() => ({ tenants: [acmeBundle()], signer: next }));
    expect(errors).toMatchObject([{ tenantId: '*', code: 'broker_signature' }]);
    expectLastGood(2);
    broker.rotations.push(await signKeyRotation({ subject: 'broker', next: next.publicJwk }, world.broker.key, world.broker.kid));
    expect(await syncWith(() => ({ tenants: [acmeBundle()], signer: next }))).toEqual([]);
    const pins = JSON.parse(await readFile(world.pinsFile, 'utf8')) as { broker: { keys: { kid: string }[] } };
    expect(pins.broker.keys.map((k) => k.kid)).toEqual([world.broker.kid, next.kid]);
  });

  it('(f) an expired bundle, and one for another deployment', async () => {
    const iat = Math.floor(Date.now() / 1000) - 1000;
    expect(await syncWith(() => ({ tenants: [acmeBundle()], overrides: { iat, exp: iat + 300 } }))).toMatchObject([
      { tenantId: '*', code: 'bundle_expired' },
    ]);
    expect(await syncWith(() => ({ tenants: [acmeBundle()], overrides: { aud: 'dep_BBBBBBBBBBBBBBBB' } }))).toMatchObject([
      { tenantId: '*', code: 'bundle_audience' },
    ]);
    expectLastGood(2);
  });

  it('(g) a tenant signing key replaced without a rotation statement, then with one', async () => {
    const original = world.acme.signer;
    await rotateTenantKey(world.acme, { withStatement: false });
    expect(await syncWith(() => ({ tenants: [acmeBundle()] }))).toMatchObject([{ tenantId: 'acme', code: 'tenant_key' }]);
    expectLastGood(2);
    world.acme.keyRotations.push(
      await signKeyRotation({ subject: 'tenant:acme', next: world.acme.signer.publicJwk }, original.key, original.kid),
    );
    expect(await syncWith(() => ({ tenants: [acmeBundle()] }))).toEqual([]);
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
  });

  it('a configuration listed in the state but missing from the bundle', async () => {
    const tampered = acmeBundle();
    tampered.configs = tampered.configs.filter((c) => c.configId !== world.siem.configId);
    expect(await syncWith(() => ({ tenants: [tampered] }))).toMatchObject([{ configId: world.siem.configId, code: 'config_missing' }]);
    expectLastGood(2);
  });

  it('settings the provider schema refuses, reported by field path without the value', async () => {
    const canary = 'CANARY-not-an-arn-5f2c';
    await sealTestConfig(world.acme, { provider: 'aws-kms', configId: world.kms.configId, settings: { ...world.kms.settings, keyArn: canary } });
    await publishState(world.acme);
    const errors = await syncWith(() => ({ tenants: [acmeBundle()] }));
    expect(errors).toMatchObject([{ code: 'config_settings' }]);
    expect(errors[0]?.message).toContain('settings.keyArn');
    expect(JSON.stringify(errors)).not.toContain(canary);
    expectLastGood(2);
    await client.reportStatus();
    expect(JSON.stringify(broker.statuses)).not.toContain(canary);
  });
});
