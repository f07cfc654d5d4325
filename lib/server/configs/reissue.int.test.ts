// Restoring an older database backup, on each backend, against the real broker
// (production build) and the real proxy client, and the way forward: a
// tenant admin re-issues the state past the lost changes.
//   1. A backup is taken (the PGlite folder copied / the PostgreSQL database
//      copied as a template) while tenant 0 is at change 1.
//   2. Two changes follow — the second configuration disabled (a
//      revocation) — and the proxy applies change 3.
//   3. The backup is restored. The proxy's cursor is ahead of the broker's, so
//      it syncs in full, refuses tenant 0's change 1 as a rollback, keeps
//      serving change 3 (the revocation stays in force) and reports it; the
//      broker now knows a deployment applied change 3.
//   4. The broker refuses every malformed re-issue, each leaving nothing
//      changed; then the admin's re-issue — built by the browser's code from
//      the broker's change 1, past change 3, disabling the configuration
//      again — is accepted and audited, and the proxy applies it: no error,
//      nothing revoked comes back. Tenant 1, untouched, is served throughout.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import { buildReissue } from '@/lib/crypto/tenant-state-reissue';
import { signTenantState, verifyTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import { createProxyClient, type TProxyClient } from '@/lib/proxy-client';
import { MAX_REISSUE_JUMP, ZConfigChange, type TConfigChange } from '@/lib/schemas/config-change';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import type { TenantAccess } from '@/lib/server/authz';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { listTenantDeployments } from '@/lib/server/deployments/tenant-view';
import { getTenantDetail } from '@/lib/server/tenants/detail';
import { signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { fleetWithDeployment, RestartableBroker } from '@/lib/testing/proxy-fleet';
import { adminQuery, backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';
import { applyConfigChange } from './changes';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const ENV_ID = 'env_restore';

let testDb: TestDatabase;
let broker: RestartableBroker;
let fleet: FleetTenant[];
let credentials: TProxyCredentials;
let client: TProxyClient;
let access: TenantAccess;
const running = new AbortController();
let loop: Promise<void>;
const backupDir = mkdtempSync(path.join(os.tmpdir(), 'cmk-backup-'));
const backupDb = `bak_${randomBytes(6).toString('hex')}`;

const t0 = () => fleet[0] as FleetTenant;
const t1 = () => fleet[1] as FleetTenant;
const dbName = () => new URL(testDb.env.DATABASE_URL as string).pathname.slice(1);

async function start(): Promise<void> {
  credentials.brokerUrl = await broker.start();
}

/**
 * With the broker stopped (PGlite allows one process; the same steps on
 * PostgreSQL), then started again. The database is this process's own
 * (initDatabase), so the services called here use it.
 */
async function offline<T>(work: (db: Database) => Promise<T>): Promise<T> {
  await broker.stop();
  const db = await initDatabase({ env: testDb.env });
  let result: T;
  try {
    result = await work(db);
  } finally {
    await closeDatabase();
  }
  await start();
  return result;
}

/** Backup and restore as an operator does them, with the broker stopped. */
async function backup(): Promise<void> {
  await broker.stop();
  if (backend === 'pglite') cpSync(testDb.env.PGLITE_DIR, backupDir, { recursive: true });
  else await adminQuery(`CREATE DATABASE ${backupDb} TEMPLATE ${dbName()}`);
  await start();
}

async function restore(): Promise<void> {
  await broker.stop();
  if (backend === 'pglite') {
    rmSync(testDb.env.PGLITE_DIR, { recursive: true, force: true });
    cpSync(backupDir, testDb.env.PGLITE_DIR, { recursive: true });
  } else {
    await adminQuery(`DROP DATABASE ${dbName()} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${dbName()} TEMPLATE ${backupDb}`);
  }
  await start();
}

/** A change made the way the fleet helpers make them: signed state, mirrored status, delivery bumped. */
async function change(db: Database, tenant: FleetTenant): Promise<void> {
  const { state, jws } = await signNextState(tenant);
  await db.prisma.tenantState.create({ data: { tenantId: tenant.id, seq: state.seq, jws } });
  for (const c of tenant.configs) await db.prisma.tenantConfig.update({ where: { id: c.configId }, data: { status: c.status, isPrimary: c.primary } });
  const env = await db.prisma.environment.update({ where: { id: ENV_ID }, data: { deliverySeq: { increment: 1 } } });
  await db.prisma.tenant.update({ where: { id: tenant.id }, data: { stateSeq: state.seq, deliverySeq: env.deliverySeq } });
}

async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(client.summary().errors)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const errorsOf = (tenant: FleetTenant) => client.summary().errors.filter((e) => e.tenantId === tenant.externalId).map((e) => e.code);
const served = (tenant: FleetTenant) => client.getTenant(tenant.externalId);

/** The broker's current state of tenant 0, verified as the admin's browser verifies it. */
async function currentState(db: Database): Promise<TTenantState> {
  const record = await db.prisma.tenant.findUniqueOrThrow({ where: { id: t0().id }, select: { stateSeq: true } });
  const stored = await db.prisma.tenantState.findFirstOrThrow({ where: { tenantId: t0().id, seq: record.stateSeq } });
  return verifyTenantState(stored.jws, t0().sigPublicJwk, { tenantId: t0().externalId });
}

async function snapshot(db: Database) {
  const tenant = await db.prisma.tenant.findUniqueOrThrow({ where: { id: t0().id }, select: { stateSeq: true, deliverySeq: true } });
  const states = await db.prisma.tenantState.count({ where: { tenantId: t0().id } });
  const configs = await db.prisma.tenantConfig.findMany({ where: { tenantId: t0().id }, select: { id: true, status: true, isPrimary: true }, orderBy: { id: 'asc' } });
  const events = await db.prisma.auditEvent.count();
  return { tenant, states, configs, events };
}

async function refused(db: Database, changeBody: TConfigChange): Promise<{ code: string; message: string }> {
  const before = await snapshot(db);
  const error = await applyConfigChange(access, changeBody).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(error, 'accepted').not.toBeNull();
  expect(await snapshot(db)).toEqual(before);
  return error as { code: string; message: string };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  ({ fleet, credentials } = await fleetWithDeployment(db.prisma, { environmentId: ENV_ID, slug: 'restore', deploymentName: 'restore-proxy', count: 2, configsPerTenant: 2 }));
  const adminKey = await generateJwkPair('ecdh');
  const user = await db.prisma.user.create({
    data: { id: 'usr_alice', email: 'alice@restore.example', kdfSalt: 's', kdfIterations: 600_000, authKeyHash: 'h', adminPublicJwk: adminKey.publicJwk as object, adminKeyKid: adminKey.publicJwk.kid as string, sealedAdminKey: 'x' },
  });
  const membership = await db.prisma.tenantAdmin.create({ data: { id: 'adm_alice', tenantId: t0().id, userId: user.id, status: 'confirmed', wrappedTenantKeys: 'not-opened-here', confirmedAt: new Date() } });
  access = {
    user: { id: user.id, email: user.email, isOperator: false, adminKeyKid: user.adminKeyKid, totpEnabled: false, sessionId: 'ses' },
    tenant: { id: t0().id, externalId: t0().externalId, displayName: 'Restore', status: 'active', requireMfa: false },
    membership: { id: membership.id, status: 'confirmed' },
  };
  await closeDatabase();

  broker = new RestartableBroker(testDb, SECRETS);
  await start();
  const pinsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-pins-')), 'pins.json');
  client = createProxyClient({ credentials, pinsFile, retry: { baseMs: 100, capMs: 400, minPollMs: 50 }, logger: { info: () => {}, warn: () => {}, error: () => {} } });
  loop = client.run({ wait: 1, signal: running.signal });
  await until('the first sync', () => served(t0())?.seq === 1 && served(t1())?.seq === 1);
}, 600_000);

afterAll(async () => {
  running.abort();
  await loop;
  await broker?.stop();
  if (backend === 'postgresql') await adminQuery(`DROP DATABASE IF EXISTS ${backupDb} WITH (FORCE)`).catch(() => {});
  rmSync(backupDir, { recursive: true, force: true });
  await testDb?.drop();
});

describe(`an older backup restored, and the state re-issued past it, on ${backend}`, () => {
  it('proxies keep the newer configuration after the restore and report the rollback; the broker learns what they applied', async () => {
    await backup();
    await offline(async (db) => {
      Object.assign(t0().configs[1] as object, { status: 'disabled', primary: false });
      await change(db, t0());
      await change(db, t0());
    });
    await until('change 3 applied', () => served(t0())?.seq === 3);
    expect(served(t0())?.configs.find((c) => c.configId === t0().configs[1]?.configId)?.status).toBe('disabled');

    await restore();
    await until('the rollback reported', () => errorsOf(t0()).includes('state_rollback'));
    // Still serving change 3: the revocation made after the backup stays in force.
    expect(served(t0())?.seq).toBe(3);
    expect(served(t0())?.configs.find((c) => c.configId === t0().configs[1]?.configId)?.status).toBe('disabled');
    expect(errorsOf(t1())).toEqual([]);
    expect(served(t1())?.seq).toBe(1);
    // The restored database lost the proxy's reports; told "bad_cursor", the proxy reports everything again.
    await until('a status report with cursor', () => client.summary().cursor !== null);
    await client.reportStatus();
    // What a tenant admin's browser reads: the broker is at change 1, a deployment applied change 3; the operator sees it too.
    const [seen, detail] = await offline(async () => Promise.all([listTenantDeployments(access), getTenantDetail(t0().externalId)]));
    expect(seen.seq).toBe(1);
    expect(seen.deployments.map((d) => d.appliedSeq)).toEqual([3]);
    expect(detail.tenant).toMatchObject({ stateSeq: 1, appliedAhead: 3 });
  });

  it('refuses a re-issue that is not past the broker’s state, is built on another, jumps too far, changes recipients or carries a version', async () => {
    await offline(async (db) => {
      const current = await currentState(db);
      expect(current.seq).toBe(1);
      const { signingKey, signingKid } = t0().keys;
      const signed = (state: TTenantState) => signTenantState(state, signingKey, signingKid);
      const next = (seq: number, changes: Partial<TTenantState> = {}) => ({ ...current, seq, iat: Math.floor(Date.now() / 1000), ...changes });

      // Not past anything lost: change 2 is an ordinary change, sent as one.
      expect((await refused(db, { state: await signed(next(2)), reissue: { fromSeq: 1 } })).code).toBe('validation_failed');
      // Built on a state that is not the broker's.
      expect((await refused(db, { state: await signed(next(4)), reissue: { fromSeq: 0 } })).code).toBe('changed_elsewhere');
      // A jump without saying it is a re-issue is a conflict, as before.
      expect((await refused(db, { state: await signed(next(4)) })).code).toBe('changed_elsewhere');
      // Too far ahead.
      expect((await refused(db, { state: await signed(next(1 + MAX_REISSUE_JUMP + 1)), reissue: { fromSeq: 1 } })).code).toBe('validation_failed');
      // A re-issue keeps the approved deployments.
      expect((await refused(db, { state: await signed(next(4, { recipients: [] })), reissue: { fromSeq: 1 } })).message).toMatch(/keeps the approved proxy deployments/);
      // Signed by someone else.
      const pairs = await generateTenantKeys();
      const other = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
      expect((await refused(db, { state: await signTenantState(next(4), other.signingKey, other.signingKid), reissue: { fromSeq: 1 } })).code).toBe('validation_failed');
      // Nothing but a state: a version is refused before the broker looks at anything.
      expect(ZConfigChange.safeParse({ state: await signed(next(4)), reissue: { fromSeq: 1 }, remove: { configId: t0().configs[0]?.configId } }).success).toBe(false);
    });
  });

  it('accepts the admin’s re-issue past the lost changes, audits it, and the proxy applies it with nothing revoked brought back', async () => {
    const reissued = await offline(async (db) => {
      const current = await currentState(db);
      // The browser's view after the restore: the broker's state says the configuration is active again.
      expect(current.configs.find((c) => c.configId === t0().configs[1]?.configId)?.status).toBe('active');
      const seen = await listTenantDeployments(access);
      const highestSeen = Math.max(seen.seq, ...seen.deployments.map((d) => d.appliedSeq ?? 0));
      const built = await buildReissue({
        tenantId: t0().externalId,
        signingKey: t0().keys.signingKey,
        signingKid: t0().keys.signingKid,
        current,
        highestSeen,
        disable: new Set([t0().configs[1]?.configId as string]),
      });
      const result = await applyConfigChange(access, ZConfigChange.parse(built.change), { ip: '203.0.113.7', userAgent: 'test', requestId: 'req-reissue' });
      expect(result.seq).toBe(4);
      const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'tenant.state_reissue' } });
      expect(event).toMatchObject({ actorId: 'usr_alice', tenantExternalId: t0().externalId, outcome: 'success' });
      expect(event.details).toMatchObject({ seq: 4, fromSeq: 1, configs: [{ configId: t0().configs[1]?.configId, status: 'disabled', primary: false }] });
      const stored = await db.prisma.tenantConfig.findUniqueOrThrow({ where: { id: t0().configs[1]?.configId }, select: { status: true } });
      expect(stored.status).toBe('disabled');
      return built.state;
    });
    await until('the re-issued state applied', () => served(t0())?.seq === 4 && errorsOf(t0()).length === 0);
    expect(served(t0())?.configs.find((c) => c.configId === t0().configs[1]?.configId)?.status).toBe('disabled');
    expect(served(t0())?.configs.map((c) => c.version)).toEqual(reissued.configs.map((c) => c.version));
    expect(served(t1())?.seq).toBe(1);
    expect(client.summary().errors).toEqual([]);
    // And the tenant goes on with ordinary changes from there.
    await offline(async (db) => {
      const current = await currentState(db);
      const state = await signTenantState({ ...current, seq: 5, iat: Math.floor(Date.now() / 1000) }, t0().keys.signingKey, t0().keys.signingKid);
      expect((await applyConfigChange(access, { state })).seq).toBe(5);
    });
    await until('change 5 applied', () => served(t0())?.seq === 5);
    const [deployments, detail] = await offline(async () => Promise.all([listTenantDeployments(access), getTenantDetail(t0().externalId)]));
    expect(deployments.seq).toBe(5);
    expect(detail.tenant).toMatchObject({ stateSeq: 5, appliedAhead: null });
  });
});
