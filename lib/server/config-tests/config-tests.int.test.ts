// Configuration tests on each database backend, through the service functions
// the tenant-admin routes call and the proxy route handlers themselves:
// a saved and a draft test start, a held GET /api/v1/proxy/tests is woken by
// a new test — by this instance, and by a NOTIFY committed on another
// connection (another broker instance on PostgreSQL; the in-process channel on
// PGlite) — the draft's JWE is gone from the database once picked up, a
// second pick-up gets nothing, results show in the view, deadlines turn into
// not_reached / no_result (a test clock, no sleeps), results are refused with
// 404/409/410, the 11th test of a minute gets 429 with Retry-After, a
// suspended tenant 409, badly sealed drafts 400, another tenant's test 404,
// and the start is audited in the tenant chain. Canary: the draft's settings
// never appear in clear in any table, and the JWE is deleted on pick-up.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as pollRoute } from '@/app/api/v1/proxy/tests/route';
import { POST as resultRoute } from '@/app/api/v1/proxy/tests/[testId]/result/route';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { CONFIG_TEST_PICKUP_MS, CONFIG_TEST_RESULT_MS, CONFIG_TESTS_PER_MINUTE, type TConfigTestDocument, type TConfigTestResult, type TProxyConfigTest } from '@/lib/schemas/config-tests';
import type { CurrentUser } from '@/lib/server/authz';
import { claimConfigTests, reportConfigTestResult } from '@/lib/server/config-tests/proxy';
import { getConfigTest, newConfigTestId, startConfigTest } from '@/lib/server/config-tests/start';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { notify } from '@/lib/server/dal/delivery';
import { createDeployment } from '@/lib/server/deployments/service';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { deliveryPayload, ensureDeliveryListener, stopDeliveryListener } from '@/lib/server/delivery/listener';
import { isAppError } from '@/lib/server/errors';
import { createKeyedTenant, type KeyedTenant } from '@/lib/testing/keyed-tenant';
import { sealDraftForTest } from '@/lib/testing/config-test-draft';
import { formatFindings, scanForSecrets } from '@/lib/testing/secret-scan';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });
const CANARY = `canary-draft-secret-${randomBytes(6).toString('hex')}`;

let testDb: TestDatabase;
let db: Database;
let acme: KeyedTenant;
let other: KeyedTenant;
type Dep = { id: string; kid: string; environmentId: string; apiKey: string; publicJwk: object };
let eu: Dep;
let us: Dep;
const CONFIG = 'c_acmekms0000000001';

async function newDeployment(name: string): Promise<Dep> {
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name, environmentId: 'env_ct', publicJwk: publicJwk as never });
  return { id: created.deployment.id, kid: created.deployment.kid, environmentId: 'env_ct', apiKey: created.apiKey, publicJwk: created.deployment.publicJwk as object };
}

const proxyRequest = (dep: Dep, path: string, init: RequestInit = {}) =>
  new Request(`http://localhost${path}`, { ...init, headers: { authorization: `Bearer ${dep.apiKey}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

async function poll(dep: Dep, wait = 0): Promise<{ status: number; tests: TProxyConfigTest[] }> {
  const response = await pollRoute(proxyRequest(dep, `/api/v1/proxy/tests?wait=${wait}`), { params: Promise.resolve({}) });
  const body = (await response.json()) as { tests?: TProxyConfigTest[] };
  return { status: response.status, tests: body.tests ?? [] };
}

async function report(dep: Dep, testId: string, result: Partial<TConfigTestResult> = {}): Promise<{ status: number; code?: string }> {
  const body: TConfigTestResult = { instanceId: 'tsp-1', outcome: 'passed', step: null, code: null, latencyMs: 42, ...result };
  const response = await resultRoute(proxyRequest(dep, `/api/v1/proxy/tests/${testId}/result`, { method: 'POST', body: JSON.stringify(body) }), { params: Promise.resolve({ testId }) });
  return { status: response.status, ...(response.status === 204 ? {} : ((await response.json()) as { code: string })) };
}

async function draft(testId: string, recipients: { kid: string; publicJwk: object }[], tenant = acme) {
  const document: TConfigTestDocument = {
    typ: 'config-test',
    testId,
    tenantId: tenant.access.tenant.externalId,
    kind: 'kms',
    configId: null,
    provider: 'aws-kms',
    settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/abc', secretAccessKey: CANARY },
    iat: Math.floor(Date.now() / 1000),
  };
  const jwe = await sealDraftForTest({ document, signingKey: tenant.keys.signingKey, signingKid: tenant.keys.signingKid, recipients: recipients as never });
  return { draft: { testId, kind: 'kms' as const, provider: 'aws-kms', configId: null, jwe } };
}
/** Claims what earlier tests left pending, so each test sees only its own. */
const drain = async () => Promise.all([eu, us].map((d) => claimConfigTests(d)));
const deployments = () => [eu, us].map((d) => ({ kid: d.kid, publicJwk: d.publicJwk }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return `${error.status} ${error.code}${error.retryAfter ? ` retry-after` : ''}`;
    throw error;
  }
  return 'ok';
}

/** Every text/JSON value of the tables a test touches, as the secret scan reads them. */
async function tableDump() {
  const rows = [
    ...(await db.prisma.configTest.findMany()).map((r) => ({ where: `config_test ${r.id}`, value: JSON.stringify(r) })),
    ...(await db.prisma.configTestTarget.findMany()).map((r) => ({ where: `config_test_target ${r.testId}`, value: JSON.stringify(r) })),
    ...(await db.prisma.auditEvent.findMany()).map((r) => ({ where: `audit_event ${r.id}`, value: JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) })),
  ];
  return rows;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  Object.assign(process.env, { ...testDb.env, DATABASE_POOL_MAX: String(testDb.env.DATABASE_POOL_MAX) });
  db = await initDatabase({ env: testDb.env, migrate: true });
  await ensureDeliveryListener();
  await db.prisma.environment.create({ data: { id: 'env_ct', slug: 'ct', displayName: 'CT' } });
  eu = await newDeployment('eu-1');
  us = await newDeployment('us-1');
  acme = await createKeyedTenant(db.prisma, { suffix: 'ctacme', externalId: 'acme', displayName: 'Acme', environmentId: 'env_ct', adminEmail: 'admin@acme.example' });
  other = await createKeyedTenant(db.prisma, { suffix: 'ctother', externalId: 'other', displayName: 'Other', environmentId: 'env_ct', adminEmail: 'admin@other.example' });
  await db.prisma.tenant.update({ where: { id: acme.access.tenant.id }, data: { recipientKids: [eu.kid, us.kid] } });
  await db.prisma.tenantConfig.create({ data: { id: CONFIG, tenantId: acme.access.tenant.id, kind: 'kms', provider: 'aws-kms', label: 'KMS', latestVersion: 1 } });
  await db.prisma.tenantConfigVersion.create({ data: { configId: CONFIG, version: 1, label: 'KMS', provider: 'aws-kms', jwe: {}, digest: 'd', sizeBytes: 2, stateSeq: 1 } });
}, 60_000);

afterAll(async () => {
  await stopDeliveryListener();
  await closeDatabase();
  await testDb.drop();
});

describe(`configuration tests on ${backend}`, () => {
  it('a saved test: a held poll is woken, each deployment claims it once, results show in the view', async () => {
    const started = performance.now();
    const held = poll(eu, 20);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const view = await startConfigTest(acme.access, { configId: CONFIG, version: 1 });
    // eu-1's held poll may already have claimed it (running); us-1 has not asked yet.
    expect(view.targets.map((t) => t.name)).toEqual(['eu-1', 'us-1']);
    expect(view.targets[1]?.state).toBe('waiting');
    expect(view).toMatchObject({ kind: 'kms', configId: CONFIG, version: 1, draft: false, finished: false });
    const answer = await held;
    const ms = performance.now() - started;
    console.log(`[${backend}] held test poll answered ${Math.round(ms - 150)} ms after the test started`);
    expect(ms).toBeLessThan(5_000);
    expect(answer.status).toBe(200);
    expect(answer.tests).toEqual([expect.objectContaining({ testId: view.testId, tenantId: 'acme', kind: 'kms', configId: CONFIG, version: 1, draft: null })]);
    expect((await poll(eu)).tests).toEqual([]);

    expect(await report(eu, view.testId, { outcome: 'failed', step: 'key_access', code: 'kms_unauthorized' })).toEqual({ status: 204 });
    expect((await report(eu, view.testId)).status).toBe(409);
    expect((await report(us, view.testId)).status).toBe(409);
    const after = await getConfigTest(acme.access, view.testId);
    expect(after.targets.map((t) => t.state)).toEqual(['done', 'waiting']);
    expect(after.targets[0]?.result).toMatchObject({ outcome: 'failed', step: 'key_access', code: 'kms_unauthorized', latencyMs: 42 });
    // us-1 never picks it up: not reached once the pick-up deadline passes.
    const late = await getConfigTest(acme.access, view.testId, new Date(Date.parse(view.createdAt) + CONFIG_TEST_PICKUP_MS + 1));
    expect(late.targets.map((t) => t.state)).toEqual(['done', 'not_reached']);
    expect(late.finished).toBe(true);
    expect(await claimConfigTests(us, new Date(Date.parse(view.pickupBy) + 1))).toEqual([]);
    expect(await codeOf(getConfigTest(other.access, view.testId))).toBe('404 not_found');
    expect((await report(eu, newConfigTestId())).status).toBe(404);
  });

  it('a draft: sealed to the deployments only, its JWE dropped on pick-up, never in clear anywhere', async () => {
    await drain();
    const testId = newConfigTestId();
    const view = await startConfigTest(acme.access, await draft(testId, deployments()));
    expect(view).toMatchObject({ testId, draft: true, configId: null, version: null });
    const stored = await db.prisma.configTestTarget.findMany({ where: { testId } });
    expect(stored.every((t) => t.payload !== null)).toBe(true);
    expect(await db.prisma.tenantConfig.count()).toBe(1);
    expect(await db.prisma.tenantConfigVersion.count()).toBe(1);

    const picked = (await poll(us)).tests;
    expect(picked).toHaveLength(1);
    const narrowed = picked[0]?.draft as { header: { kid: string } };
    expect(narrowed.header.kid).toBe(us.kid);
    expect(picked[0]?.resultBy).toBe(new Date(Date.parse(picked[0]?.resultBy ?? '')).toISOString());
    const rows = await db.prisma.configTestTarget.findMany({ where: { testId }, orderBy: { deploymentId: 'asc' } });
    expect(rows.find((r) => r.deploymentId === us.id)?.payload).toBeNull();
    expect(rows.find((r) => r.deploymentId === eu.id)?.payload).not.toBeNull();
    expect((await poll(us)).tests).toEqual([]);
    expect((await poll(eu)).tests.map((t) => t.testId)).toEqual([testId]);
    expect((await db.prisma.configTestTarget.findMany({ where: { testId } })).map((r) => r.payload)).toEqual([null, null]);

    // Running until the result deadline, then no result; a late result is refused with 410.
    const pickedAt = (await db.prisma.configTestTarget.findFirstOrThrow({ where: { testId, deploymentId: eu.id } })).pickedAt as Date;
    const afterDeadline = new Date(pickedAt.getTime() + CONFIG_TEST_RESULT_MS + 1);
    expect((await getConfigTest(acme.access, testId)).targets.map((t) => t.state)).toEqual(['running', 'running']);
    expect((await getConfigTest(acme.access, testId, afterDeadline)).targets.map((t) => t.state)).toEqual(['no_result', 'no_result']);
    expect(await codeOf(reportConfigTestResult(eu, testId, { instanceId: 'tsp-1', outcome: 'passed', step: null, code: null, latencyMs: 1 }, afterDeadline))).toBe('410 config_test_expired');

    const scan = scanForSecrets(await tableDump(), [{ label: 'draft setting', value: CANARY }]);
    expect(scan.findings, formatFindings(scan.findings)).toEqual([]);
  });

  it('refuses drafts sealed to the tenant key, missing a deployment, with a configuration’s type, or a used test id', async () => {
    const tenantKey = { kid: acme.keys.encryptionKid, publicJwk: acme.encPublic };
    expect(await codeOf(startConfigTest(acme.access, await draft(newConfigTestId(), [...deployments(), tenantKey])))).toBe('400 validation_failed');
    expect(await codeOf(startConfigTest(acme.access, await draft(newConfigTestId(), [tenantKey])))).toBe('400 validation_failed');
    expect(await codeOf(startConfigTest(acme.access, await draft(newConfigTestId(), [deployments()[0]!])))).toBe('400 validation_failed');
    const asConfig = await draft(newConfigTestId(), deployments());
    asConfig.draft.jwe = await sealDraftForTest({ document: { typ: 'config-test' } as never, signingKey: acme.keys.signingKey, signingKid: acme.keys.signingKid, recipients: deployments() as never, cty: 'cmk-config+jws' });
    expect(await codeOf(startConfigTest(acme.access, asConfig))).toBe('400 validation_failed');
    const message = await startConfigTest(acme.access, await draft(newConfigTestId(), [deployments()[0]!])).catch((error: Error) => error.message);
    expect(message).toMatch(/us-1/);
    const tenantMessage = await startConfigTest(acme.access, await draft(newConfigTestId(), [...deployments(), tenantKey])).catch((error: Error) => error.message);
    expect(tenantMessage).toMatch(/tenant key/);
    const used = (await db.prisma.configTest.findFirstOrThrow({ where: { draft: true } })).id;
    expect(await codeOf(startConfigTest(acme.access, await draft(used, deployments())))).toBe('409 conflict');
    expect(await codeOf(startConfigTest(acme.access, { configId: CONFIG, version: 9 }))).toBe('404 not_found');
    expect(await codeOf(startConfigTest(other.access, { configId: CONFIG, version: 1 }))).toBe('409 no_approved_deployments');
  });

  it('is woken by a test committed on another connection (NOTIFY), not only by this instance', async () => {
    await drain();
    const testId = newConfigTestId();
    const held = poll(eu, 20);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    const insert = async (tx: { $executeRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown> }) => {
      await tx.$executeRawUnsafe(`INSERT INTO config_test (id, tenant_id, kind, config_id, version, draft, provider, created_at, pickup_by) VALUES ($1, $2, 'kms', $3, 1, false, 'aws-kms', now(), now() + interval '15 seconds')`, testId, acme.access.tenant.id, CONFIG);
      await tx.$executeRawUnsafe(`INSERT INTO config_test_target (test_id, deployment_id) VALUES ($1, $2)`, testId, eu.id);
    };
    if (testDb.env.DATABASE_URL) {
      // Another broker instance: its own connection, its NOTIFY delivered to our LISTEN on commit.
      const client = new pg.Client({ connectionString: testDb.env.DATABASE_URL });
      await client.connect();
      await client.query('BEGIN');
      await insert({ $executeRawUnsafe: (sql, ...values) => client.query(sql, values) });
      await client.query('SELECT pg_notify($1, $2)', ['cmk_delivery', deliveryPayload({ testFor: eu.id })]);
      await client.query('COMMIT');
      await client.end();
    } else {
      await db.prisma.$transaction(async (tx) => {
        await insert(tx);
        await notify(tx, deliveryPayload({ testFor: eu.id }));
      });
    }
    const answer = await held;
    console.log(`[${backend}] held test poll woken by NOTIFY in ${Math.round(performance.now() - started)} ms`);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(answer.tests.map((t) => t.testId)).toEqual([testId]);
  });

  it('audits each start in the tenant chain, without the draft', async () => {
    const events = await db.prisma.auditEvent.findMany({ where: { action: 'config.test' }, orderBy: { vendorSeq: 'asc' } });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.tenantExternalId === 'acme' && e.actorType === 'user')).toBe(true);
    expect(events[0]?.details).toMatchObject({ configId: CONFIG, version: 1, draft: false, kind: 'kms', provider: 'aws-kms', targets: [eu.id, us.id] });
    expect(events.some((e) => (e.details as { draft?: boolean }).draft === true)).toBe(true);
  });

  it(`allows ${CONFIG_TESTS_PER_MINUTE} tests a rolling minute per tenant, then 429 with Retry-After`, async () => {
    await db.prisma.configTest.deleteMany({});
    const now = new Date();
    for (let i = 0; i < CONFIG_TESTS_PER_MINUTE; i++) await startConfigTest(acme.access, { configId: CONFIG, version: 1 }, undefined, new Date(now.getTime() + i * 1_000));
    const refused = await startConfigTest(acme.access, { configId: CONFIG, version: 1 }, undefined, new Date(now.getTime() + 30_000)).catch((error: unknown) => error);
    expect(isAppError(refused) && [refused.status, refused.code, refused.retryAfter]).toEqual([429, 'rate_limited', 30]);
    // The oldest leaves the window a minute after it started.
    expect(await codeOf(startConfigTest(acme.access, { configId: CONFIG, version: 1 }, undefined, new Date(now.getTime() + 60_001)))).toBe('ok');
    // Tests a day old are pruned when a new one starts.
    await startConfigTest(acme.access, { configId: CONFIG, version: 1 }, undefined, new Date(now.getTime() + 25 * 3_600_000));
    expect(await db.prisma.configTest.count()).toBe(1);
  });

  it('refuses a suspended tenant with 409 and hands its pending tests to nobody', async () => {
    await db.prisma.configTest.deleteMany({});
    await startConfigTest(acme.access, { configId: CONFIG, version: 1 });
    await db.prisma.tenant.update({ where: { id: acme.access.tenant.id }, data: { status: 'suspended' } });
    try {
      expect(await codeOf(startConfigTest(acme.access, { configId: CONFIG, version: 1 }))).toBe('409 tenant_suspended');
      expect((await poll(eu)).tests).toEqual([]);
    } finally {
      await db.prisma.tenant.update({ where: { id: acme.access.tenant.id }, data: { status: 'active' } });
    }
  });

  it('a disabled deployment gets 401, like /configs', async () => {
    await db.prisma.proxyDeployment.update({ where: { id: us.id }, data: { status: 'disabled' } });
    getDeliveryHub().publishDeployment(us.id);
    expect((await poll(us)).status).toBe(401);
    expect((await report(us, newConfigTestId())).status).toBe(401);
  });
});
