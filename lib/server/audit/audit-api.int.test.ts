// The audit API on both backends, against the broker as users run it: a
// tenant's admins list, export and verify their tenant's chain (and nothing
// of another tenant: the very answer a tenant that does not exist gets),
// operators see the vendor chain with tenants' events as metadata only, bad
// queries get a 400 problem, and downloads are streamed, uncached and verify
// with the broker's published keys.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TTenantAuditPage, TTenantAuditVerification, TTrailVerification, TVendorAuditPage } from '@/lib/schemas/audit-views';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { writeAuditCheckpoints } from '@/lib/server/audit/checkpoint';
import { isExportOk, verifyExport } from '@/lib/server/audit/offline';
import { recordAudit } from '@/lib/server/audit/record';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { BrokerClient, expectStatus, newAccount } from '@/lib/testing/api-client';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const run = randomBytes(4).toString('hex');
const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const OPERATOR = { email: 'ops@audit.example', passphrase: `amber falcon ridge tide ${run}` };
const ADMIN_A = { email: 'admin@acme.example', passphrase: `copper meadow lantern ${run}` };
const ADMIN_B = { email: 'admin@globex.example', passphrase: `granite willow harbor ${run}` };

let testDb: TestDatabase;
let server: ServerProcess;
const clients = {} as Record<'operator' | 'adminA' | 'adminB', BrokerClient>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  const prisma = db.prisma;
  const user = async (who: { email: string; passphrase: string }, isOperator: boolean) =>
    createUser(prisma, await prepareAccount({ ...(await newAccount(who.email, who.passphrase)).body, email: who.email } as never, isOperator));
  await user(OPERATOR, true);
  await prisma.environment.create({ data: { id: 'env_audit', slug: 'prod-eu', displayName: 'Production EU' } });
  for (const [suffix, externalId, who] of [['AAAAAAAAAAAAAAAA', 'acme', ADMIN_A], ['BBBBBBBBBBBBBBBB', 'globex', ADMIN_B]] as const) {
    await createKeyedTenant(prisma, { suffix, externalId, displayName: externalId, environmentId: 'env_audit', adminEmail: who.email });
    const admin = await user(who, false);
    await prisma.tenantAdmin.create({ data: { id: `adm_${suffix}`, tenantId: `ten_${suffix}`, userId: admin.id, status: 'confirmed' } });
  }
  const context = { ip: '203.0.113.9', userAgent: 'AuditTest/1.0', requestId: 'req_audit_api_1' };
  const actor = { type: 'user' as const, id: 'usr_x', label: ADMIN_A.email };
  for (let i = 0; i < 5; i++) {
    await prisma.$transaction((tx) => recordAudit(tx, { actor, action: 'config.edit', tenantExternalId: 'acme', context, details: { version: i } }));
  }
  await prisma.$transaction((tx) => recordAudit(tx, { actor: { type: 'user', label: ADMIN_B.email }, action: 'config.create', tenantExternalId: 'globex', context }));
  await prisma.$transaction((tx) => recordAudit(tx, { actor: { type: 'operator', label: OPERATOR.email }, action: 'environment.create', context, details: { slug: 'prod-eu' } }));
  await writeAuditCheckpoints();
  await closeDatabase();

  const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data` });
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  server = started.server;
  for (const [key, who] of [['operator', OPERATOR], ['adminA', ADMIN_A], ['adminB', ADMIN_B]] as const) {
    clients[key] = new BrokerClient(server.url);
    expect((await clients[key].signIn(who.email, who.passphrase)).ok).toBe(true);
  }
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe(`the audit API on ${backend}`, () => {
  it('gives a tenant admin the tenant’s chain with details, page by page', async () => {
    const seen: number[] = [];
    let cursor = '';
    do {
      // The configuration events seeded above (the admins' sign-ins are in the chain too, after them).
      const page = expectStatus(await clients.adminA.get<TTenantAuditPage>(`/api/v1/tenants/acme/audit?limit=2&action=config.edit${cursor ? `&cursor=${cursor}` : ''}`), 200, 'page');
      seen.push(...page.events.map((e) => e.tenantSeq));
      expect(page.events.every((e) => e.ip === '203.0.113.9' && e.action === 'config.edit')).toBe(true);
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const filtered = expectStatus(await clients.adminA.get<TTenantAuditPage>('/api/v1/tenants/acme/audit?action=config.create'), 200, 'filtered');
    expect(filtered.events).toEqual([]);
  });

  it('refuses a bad query with a 400 problem naming the parameter', async () => {
    const response = await clients.adminA.get('/api/v1/tenants/acme/audit?action=config.explode&from=yesterday');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.problem?.code).toBe('validation_failed');
    expect(response.problem?.errors?.map((e) => e.path).sort()).toEqual(['query.action.0', 'query.from']);
  });

  it('shows the admin of another tenant nothing: every audit route answers as for a tenant that does not exist', async () => {
    for (const path of ['/api/v1/tenants/globex/audit', '/api/v1/tenants/globex/audit/export', '/api/v1/tenants/globex/audit/verification']) {
      const other = await clients.adminA.get(path);
      const none = await clients.adminA.get(path.replace('globex', 'no-such-tenant'));
      expect({ path, status: other.status, code: other.problem?.code }).toEqual({ path, status: 404, code: 'not_found' });
      expect(none.status).toBe(404);
    }
    for (const path of ['/api/v1/operator/audit', '/api/v1/operator/audit/export', '/api/v1/operator/audit/verification']) {
      expect((await clients.adminA.get(path)).status, path).toBeGreaterThanOrEqual(401);
    }
    expect((await clients.operator.get('/api/v1/tenants/acme/audit')).status).toBe(404);
  });

  it('shows operators the vendor chain with tenants’ events as metadata only', async () => {
    const response = await clients.operator.get<TVendorAuditPage>('/api/v1/operator/audit');
    const page = expectStatus(response, 200, 'vendor page');
    // The seven seeded events, under the three sign-ins of beforeAll (operator, acme's admin, globex's admin).
    expect(page.events.map((e) => [e.vendorSeq, e.tenantExternalId]).slice(3)).toEqual([[7, null], [6, 'globex'], [5, 'acme'], [4, 'acme'], [3, 'acme'], [2, 'acme'], [1, 'acme']]);
    expect(page.events.slice(0, 3).map((e) => e.action)).toEqual(['auth.sign_in', 'auth.sign_in', 'auth.sign_in']);
    const text = JSON.stringify(page.events.filter((e) => e.tenantExternalId));
    for (const secretish of ['203.0.113.9', 'AuditTest', ADMIN_A.email, ADMIN_B.email, 'version', 'req_audit_api_1']) expect(text).not.toContain(secretish);
    expect(page.events[3]?.vendor).toMatchObject({ actorLabel: OPERATOR.email, details: { slug: 'prod-eu' } });
  });

  it('streams exports as uncached downloads that verify with the published keys', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    for (const [client, path, name] of [
      [clients.adminA, '/api/v1/tenants/acme/audit/export?format=csv&outcome=success', /^attachment; filename="audit-acme-.+\.csv"$/],
      [clients.operator, '/api/v1/operator/audit/export?tenant=acme', /^attachment; filename="audit-vendor-.+\.jsonl"$/],
    ] as const) {
      const response = await client.fetch(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toMatch(name);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const result = await verifyExport(await response.text(), jwks.keys);
      expect(isExportOk(result)).toBe(true);
      // The one signed before the start, and any the broker's scheduler signed since.
      expect(result.checkpoints.length).toBeGreaterThanOrEqual(1);
    }
    const bad = await clients.adminA.fetch('/api/v1/tenants/acme/audit/export?format=pdf');
    expect(bad.status).toBe(400);
  });

  it('verifies the tenant’s chain for its admins and the whole trail for operators, with GET', async () => {
    const tenant = expectStatus(await clients.adminA.get<TTenantAuditVerification>('/api/v1/tenants/acme/audit/verification'), 200, 'tenant verification');
    // Five seeded events and the admin's sign-in; the scheduler may have signed the newest head already.
    expect(tenant).toMatchObject({ ok: true, count: 6, checkpoint: { ok: true } });
    expect(tenant.checkpoint?.tenantSeq).toBeGreaterThanOrEqual(5);
    expect(tenant.unsigned).toBe(6 - (tenant.checkpoint?.tenantSeq ?? 0));
    const trail = expectStatus(await clients.operator.get<TTrailVerification>('/api/v1/operator/audit/verification'), 200, 'trail verification');
    expect(trail).toMatchObject({ ok: true, events: 10, tenants: 2, brokenChains: [], checkpoints: { bad: [] } });
  });

  // Last: it adds events the counts above do not expect.
  it('records a signed-in user’s refused changes — a stranger’s in the vendor chain only, once a minute — and not refused reads', async () => {
    for (let i = 0; i < 2; i++) {
      const refused = await clients.adminA.post('/api/v1/tenants/globex/recovery-kits', { kit: 'not-a-kit' });
      expect({ status: refused.status, code: refused.problem?.code }).toEqual({ status: 404, code: 'not_found' });
    }
    expect((await clients.adminA.post('/api/v1/operator/tenants', {})).status).toBe(404);
    expect((await clients.adminA.get('/api/v1/tenants/globex/audit')).status).toBe(404);
    const page = expectStatus(await clients.operator.get<TVendorAuditPage>('/api/v1/operator/audit?action=access.denied'), 200, 'refusals');
    const seen = page.events.map((e) => ({ tenant: e.tenantExternalId, target: [e.targetType, e.targetId], outcome: e.outcome, actor: e.vendor?.actorLabel, details: e.vendor?.details }));
    expect(seen).toEqual([
      { tenant: null, target: ['route', '/api/v1/operator/tenants'], outcome: 'denied', actor: ADMIN_A.email, details: { reason: 'not_found', method: 'POST', path: '/api/v1/operator/tenants' } },
      { tenant: null, target: ['tenant', 'globex'], outcome: 'denied', actor: ADMIN_A.email, details: { reason: 'not_found', method: 'POST', path: '/api/v1/tenants/globex/recovery-kits' } },
    ]);
    // globex's own trail is not the place for a stranger's probing.
    expect(expectStatus(await clients.adminB.get<TTenantAuditPage>('/api/v1/tenants/globex/audit?action=access.denied'), 200, 'globex').events).toEqual([]);
  });
});
