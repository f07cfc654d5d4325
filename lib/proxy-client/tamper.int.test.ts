// Tampering with what the broker serves, against the real broker
// (scripts/start.ts, production build) on each backend, with the real proxy
// client: someone with the database — and even the server's key-encryption
// key — changes stored material between two syncs. Each tamper is detected,
// reported with its code in the status report, and the tenant's last good
// configuration stays in force; untouched tenants go on.
//   a configuration JWE moved to another tenant · a configuration the broker
//   encrypted itself to the proxy key · a tenant state with a lower seq · a
//   primary flag flipped in the database · a tenant signing key replaced
//   without a rotation statement · an expired bundle · a bundle signed with a
//   key the proxy never pinned.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '@/lib/crypto/encoding';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import { createProxyClient, type TProxyClient, type TProxyTenant } from '@/lib/proxy-client';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { encryptAtRest } from '@/lib/server/at-rest';
import { closeDatabase, initDatabase, openDatabase, type Database } from '@/lib/server/db';
import { signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { fleetWithDeployment, RestartableBroker } from '@/lib/testing/proxy-fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const ENV_ID = 'env_tamper';

let testDb: TestDatabase;
let broker: RestartableBroker;
let fleet: FleetTenant[];
let credentials: TProxyCredentials;
let client: TProxyClient;
let skewMs = 0;
const good = new Map<string, TProxyTenant>();

// The same port at every restart: the proxy client keeps the broker URL of its credentials.
async function start(): Promise<void> {
  credentials.brokerUrl = await broker.start();
}

/** The broker is stopped while the database is changed (PGlite allows one process), then started again. */
async function tamper(work: (db: Database) => Promise<void>): Promise<void> {
  await broker?.stop();
  const db = await openDatabase({ env: testDb.env });
  try {
    await work(db);
  } finally {
    await db.close();
  }
  await start();
}

/** What an attacker does so that the delta carries the tenant: mark it changed. */
async function markChanged(db: Database, tenantIds: string[]): Promise<void> {
  const env = await db.prisma.environment.update({ where: { id: ENV_ID }, data: { deliverySeq: { increment: 1 } } });
  await db.prisma.tenant.updateMany({ where: { id: { in: tenantIds } }, data: { deliverySeq: env.deliverySeq } });
}

const tenant = (i: number) => fleet[i] as FleetTenant;
const errorsOf = (i: number) => client.summary().errors.filter((e) => e.tenantId === tenant(i).externalId).map((e) => e.code);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  ({ fleet, credentials } = await fleetWithDeployment(db.prisma, { environmentId: ENV_ID, slug: 'tamper', deploymentName: 'tamper-proxy', count: 8, configsPerTenant: 2 }));
  // Tenant 3 moves on to seq 2 (its second configuration disabled), so that seq 1 can be served again later.
  const t3 = tenant(3);
  Object.assign(t3.configs[1] as object, { status: 'disabled', primary: false });
  const { jws } = await signNextState(t3);
  await db.prisma.tenantState.create({ data: { tenantId: t3.id, seq: 2, jws } });
  await db.prisma.tenant.update({ where: { id: t3.id }, data: { stateSeq: 2 } });
  await db.prisma.tenantConfig.update({ where: { id: t3.configs[1]?.configId }, data: { status: 'disabled', isPrimary: false } });
  await closeDatabase();

  broker = new RestartableBroker(testDb, SECRETS);
  await start();
  const pinsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-pins-')), 'pins.json');
  client = createProxyClient({ credentials, pinsFile, now: () => Date.now() + skewMs, logger: { info: () => {}, warn: () => {}, error: () => {} } });
  await client.syncOnce();
  for (const t of fleet) good.set(t.externalId, client.getTenant(t.externalId) as TProxyTenant);
}, 600_000);

afterAll(async () => {
  await broker?.stop();
  await testDb?.drop();
});

describe(`tampering detected by the proxy client on ${backend}`, () => {
  it('starts from a clean, fully verified sync', () => {
    expect(client.summary().errors).toEqual([]);
    expect(client.summary().counts).toMatchObject({ tenants: 8, approved: 8 });
    expect(good.get(tenant(3).externalId)?.seq).toBe(2);
    expect(good.get(tenant(0).externalId)?.configs[0]?.settings).toEqual(tenant(0).configs[0]?.settings);
  });

  it('catches per-tenant tampering in the database, reports it, and keeps each last good configuration', async () => {
    await tamper(async (db) => {
      // (a) tenant 0's configuration replaced by tenant 1's sealed version (moved between tenants).
      const t1version = await db.prisma.tenantConfigVersion.findFirstOrThrow({ where: { configId: tenant(1).configs[0]?.configId } });
      await db.prisma.tenantConfigVersion.update({ where: { configId_version: { configId: tenant(0).configs[0]?.configId as string, version: 1 } }, data: { jwe: t1version.jwe as object } });
      // (b) the broker seals its own settings to the proxy key, signed by a key of its own, for tenant 2.
      const forger = await generateTenantKeys();
      const forgerKeys = await importTenantKeys({ encryption: forger.encryption.privateJwk, signing: forger.signing.privateJwk });
      const t2config = tenant(2).configs[0] as FleetTenant['configs'][number];
      const forged = await sealConfig({
        document: { typ: t2config.kind, tenantId: tenant(2).externalId, configId: t2config.configId, version: 1, provider: t2config.provider, settings: { ...t2config.settings }, iat: Math.floor(Date.now() / 1000) },
        signingKey: forgerKeys.signingKey,
        signingKid: forgerKeys.signingKid,
        recipients: [{ kid: credentials.privateJwk.kid as string, publicJwk: { kty: 'EC', crv: 'P-256', x: credentials.privateJwk.x, y: credentials.privateJwk.y } as JWK }],
      });
      await db.prisma.tenantConfigVersion.update({ where: { configId_version: { configId: t2config.configId, version: 1 } }, data: { jwe: forged.jwe as object } });
      // (c) tenant 3's older state (seq 1) served again.
      await db.prisma.tenant.update({ where: { id: tenant(3).id }, data: { stateSeq: 1 } });
      // (d) tenant 4's primary KMS flipped: in the mirror column and inside the stored state's payload.
      await db.prisma.tenantConfig.updateMany({ where: { tenantId: tenant(4).id }, data: { isPrimary: false } });
      const state4 = await db.prisma.tenantState.findFirstOrThrow({ where: { tenantId: tenant(4).id, seq: 1 } });
      const [h, p, s] = state4.jws.split('.') as [string, string, string];
      const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(p))) as { configs: { primary: boolean }[] };
      for (const c of payload.configs) c.primary = false;
      await db.prisma.tenantState.update({ where: { tenantId_seq: { tenantId: tenant(4).id, seq: 1 } }, data: { jws: `${h}.${base64urlEncode(new TextEncoder().encode(JSON.stringify(payload)))}.${s}` } });
      // (g) tenant 5's signing key replaced by one the broker holds, with a state it signed (no rotation statement).
      const t5 = tenant(5);
      const replaced = await generateTenantKeys();
      const impostor = { ...t5, keys: await importTenantKeys({ encryption: replaced.encryption.privateJwk, signing: replaced.signing.privateJwk }) };
      const { jws } = await signNextState(impostor);
      await db.prisma.tenantState.create({ data: { tenantId: t5.id, seq: impostor.seq, jws } });
      await db.prisma.tenant.update({ where: { id: t5.id }, data: { stateSeq: impostor.seq, sigPublicJwk: replaced.signing.publicJwk as object, sigKid: replaced.signing.publicJwk.kid as string } });
      await markChanged(db, [0, 2, 3, 4, 5].map((i) => tenant(i).id));
    });

    await client.syncOnce();
    expect(errorsOf(0)).toContain('config_digest');
    expect(errorsOf(2)).toContain('config_digest');
    expect(errorsOf(3)).toEqual(['state_rollback']);
    expect(errorsOf(4)).toEqual(['tenant_state']);
    expect(errorsOf(5)).toEqual(['tenant_key']);
    for (const i of [0, 2, 3, 4, 5]) expect(client.getTenant(tenant(i).externalId), `tenant ${i} keeps its last good configuration`).toEqual(good.get(tenant(i).externalId));
    expect(client.getTenant(tenant(4).externalId)?.primary.kms?.configId).toBe(tenant(4).configs[0]?.configId);
    expect(errorsOf(6)).toEqual([]);
    expect(client.getTenant(tenant(6).externalId)).toEqual(good.get(tenant(6).externalId));

    // The status report carries them to the broker, per tenant.
    await client.reportStatus();
    await tamper(async (db) => {
      const rows = await db.prisma.deploymentTenantStatus.findMany({ where: { tenantId: { in: [0, 2, 3, 4, 5].map((i) => tenant(i).id) } } });
      const codes = new Map(rows.map((r) => [r.tenantId, (r.errors as { code: string }[]).map((e) => e.code)]));
      expect(codes.get(tenant(3).id)).toEqual(['state_rollback']);
      expect(codes.get(tenant(5).id)).toEqual(['tenant_key']);
      const deployment = await db.prisma.proxyDeployment.findFirstOrThrow({});
      expect(deployment.errorCount).toBeGreaterThanOrEqual(5);
    });
  }, 180_000);

  it('refuses an expired bundle and keeps every last good configuration', { timeout: 120_000 }, async () => {
    // Something to send (a 304 carries no bundle): tenant 6 is marked changed.
    await tamper((db) => markChanged(db, [tenant(6).id]));
    skewMs = 20 * 60_000;
    try {
      await client.syncOnce().catch(() => undefined);
      expect(client.summary().errors.map((e) => [e.tenantId, e.code])).toContainEqual(['*', 'bundle_expired']);
      expect(client.getTenant(tenant(6).externalId)).toEqual(good.get(tenant(6).externalId));
    } finally {
      skewMs = 0;
    }
  });

  it('refuses a bundle signed with a key it never pinned (no rotation statement), and keeps every last good configuration', async () => {
    await tamper(async (db) => {
      // Someone with the database and the server's key-encryption key installs a signing key of their own.
      const pair = await generateJwkPair('ecdsa');
      const kid = pair.publicJwk.kid as string;
      await db.prisma.brokerSigningKey.updateMany({ data: { supersededAt: new Date(), retireAfter: new Date(Date.now() + 3_600_000) } });
      await db.prisma.brokerSigningKey.create({
        data: { kid, publicJwk: { ...pair.publicJwk, alg: 'ES256', use: 'sig' } as object, privateSealed: encryptAtRest(JSON.stringify(pair.privateJwk), SECRETS.BROKER_KEY_ENCRYPTION_KEY, `broker-signing-key:${kid}`), activatedAt: new Date() },
      });
      await markChanged(db, [tenant(7).id]);
    });
    const jwks = (await (await fetch(`${broker.server?.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(2);
    await client.syncOnce().catch(() => undefined);
    expect(client.summary().errors.map((e) => [e.tenantId, e.code])).toContainEqual(['*', 'broker_signature']);
    for (const t of fleet.filter((_, i) => ![0, 2, 3, 4, 5].includes(i))) expect(client.getTenant(t.externalId)).toEqual(good.get(t.externalId));
  }, 120_000);
});

