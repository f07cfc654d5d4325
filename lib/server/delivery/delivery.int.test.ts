// The proxy delivery API end to end, on each database backend, against the
// broker as users run it (scripts/start.ts, production build): a fleet of
// 1 000 tenants with real keys, sealed configurations and signed states
// (lib/testing/fleet.ts) and one deployment they all approved. Proves the
// full sync (every tenant, every configuration opened and verified with the
// deployment's private key), deltas holding exactly the changed tenant, 304
// on If-None-Match, long-polls woken within a second by a change made through
// the real tenant-admin API and by a disable, 401 at once after a disable or
// a revoked key, status reports, and 400s with stable codes for bad input.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type TBundle } from '@/lib/crypto/bundle';
import { openConfig } from '@/lib/crypto/open-config';
import { generateJwkPair, importPrivateKey, readPrivateJwk } from '@/lib/crypto/p256-jwk';
import { verifyTenantState } from '@/lib/crypto/tenant-state';
import type { TDeploymentRow } from '@/lib/schemas/deployments';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { encodeCursor } from '@/lib/server/delivery/cursor';
import { BrokerClient, expectStatus, newAccount } from '@/lib/testing/api-client';
import { seedFleet, signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const TENANTS = 1000;
const run = randomBytes(4).toString('hex');
const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const OPERATOR = { email: 'ops@vendor.example', passphrase: `quartz lantern orbit meadow ${run}` };
const ADMIN = { email: 'admin@tenant-000000.example', passphrase: `copper heron sails at dawn ${run}` };

let testDb: TestDatabase;
let server: ServerProcess;
let fleet: FleetTenant[];
let deployment: { id: string; kid: string; apiKey: string; brokerJwks: { keys: JWK[] }; privateKey: CryptoKey };
let operator: BrokerClient;
let admin: BrokerClient;

type Answer = { status: number; etag: string | null; bundle: TBundle | null; problem: { code: string } | null; ms: number; text: string };

async function poll(query: Record<string, string | number> = {}, headers: Record<string, string> = {}, apiKey = deployment.apiKey, base = server.url): Promise<Answer> {
  const started = performance.now();
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await fetch(`${base}/api/v1/proxy/configs${qs ? `?${qs}` : ''}`, { headers: { authorization: `Bearer ${apiKey}`, ...headers } });
  const ms = performance.now() - started;
  const text = await response.text();
  if (response.status === 200) {
    expect(response.headers.get('content-type')).toBe('application/jose');
    const bundle = await verifyBundle(text, deployment.brokerJwks.keys, { deploymentId: deployment.id });
    return { status: 200, etag: response.headers.get('etag'), bundle, problem: null, ms, text };
  }
  const problem = text ? (JSON.parse(text) as { code: string }) : null;
  if (problem) expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return { status: response.status, etag: response.headers.get('etag'), bundle: null, problem, ms, text };
}

/** Follows `next` until complete; returns every page. */
async function syncAll(cursor?: string): Promise<TBundle[]> {
  const pages: TBundle[] = [];
  for (let next = cursor; ; ) {
    const answer = await poll(next ? { cursor: next } : {});
    expect(answer.status).toBe(200);
    const bundle = answer.bundle as TBundle;
    pages.push(bundle);
    next = bundle.next;
    if (bundle.complete) return pages;
  }
}

async function changeTenant0(edit: (t: FleetTenant) => void): Promise<number> {
  const tenant = fleet[0] as FleetTenant;
  edit(tenant);
  const { jws } = await signNextState(tenant);
  const response = await admin.post<{ seq: number }>(`/api/v1/tenants/${tenant.externalId}/changes`, { state: jws });
  return expectStatus(response, 201, 'change').seq;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  const prisma = db.prisma;
  const operatorAccount = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  const operatorUser = await createUser(prisma, await prepareAccount({ ...operatorAccount.body, email: OPERATOR.email } as never, true));
  await prisma.environment.create({ data: { id: 'env_del', slug: 'prod-eu', displayName: 'Production EU' } });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: operatorUser.id } as CurrentUser, { name: 'prod-eu-1', environmentId: 'env_del', publicJwk: pair.publicJwk as never });
  deployment = {
    id: created.deployment.id,
    kid: created.deployment.kid,
    apiKey: created.apiKey,
    brokerJwks: created.credentials.brokerJwks,
    privateKey: await importPrivateKey(readPrivateJwk(pair.privateJwk, 'ecdh', 'invalid_input'), 'ecdh', ['deriveBits'], 'invalid_input'),
  };
  fleet = await seedFleet(prisma, { environmentId: 'env_del', count: TENANTS, configsPerTenant: 1, recipients: [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }] });
  const adminAccount = await newAccount(ADMIN.email, ADMIN.passphrase);
  const adminUser = await createUser(prisma, await prepareAccount({ ...adminAccount.body, email: ADMIN.email } as never, false));
  await prisma.tenantAdmin.create({ data: { id: 'adm_del', tenantId: (fleet[0] as FleetTenant).id, userId: adminUser.id, status: 'confirmed' } });
  await closeDatabase();

  const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data` });
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  server = started.server;
  operator = new BrokerClient(server.url);
  admin = new BrokerClient(server.url);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  expect((await admin.signIn(ADMIN.email, ADMIN.passphrase)).ok).toBe(true);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe(`proxy delivery on ${backend}`, () => {
  let cursor = '';
  let etag = '';

  it(`full sync: every one of ${TENANTS} tenants, every configuration opened and verified with the deployment key`, async () => {
    const pages = await syncAll();
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.slice(0, -1).every((p) => !p.complete)).toBe(true);
    const tenants = pages.flatMap((p) => p.tenants);
    expect(new Set(tenants.map((t) => t.tenantId)).size).toBe(TENANTS);
    expect(tenants).toHaveLength(TENANTS);
    const byId = new Map(fleet.map((t) => [t.externalId, t]));
    for (const entry of tenants) {
      const mine = byId.get(entry.tenantId) as FleetTenant;
      expect(entry.signingKey.kid).toBe(mine.keys.signingKid);
      const state = await verifyTenantState(entry.state, mine.sigPublicJwk, { tenantId: entry.tenantId });
      expect(state.recipients).toEqual([deployment.kid]);
      expect(entry.configs).toHaveLength(1);
      const config = entry.configs[0] as TBundle['tenants'][number]['configs'][number];
      expect(Object.keys(config.jwe)).not.toContain('recipients');
      const listed = state.configs.find((c) => c.configId === config.configId);
      const document = await openConfig({ jwe: config.jwe, decryptionKey: deployment.privateKey, decryptionKid: deployment.kid, verifyKey: mine.sigPublicJwk, expected: { tenantId: entry.tenantId, configId: config.configId, version: config.version, digest: listed?.digest } });
      expect(document.settings).toEqual(mine.configs[0]?.settings);
    }
    const last = pages.at(-1) as TBundle;
    cursor = last.next;
    const answer = await poll({ cursor });
    expect(answer.status).toBe(200);
    expect(answer.bundle?.tenants).toEqual([]);
    etag = answer.etag as string;
    expect(etag).toBeTruthy();
  }, 300_000);

  it('answers 304 on If-None-Match when nothing changed', async () => {
    const answer = await poll({ cursor }, { 'if-none-match': etag });
    expect(answer.status).toBe(304);
    expect(answer.etag).toBe(etag);
  });

  // The repeated 304 is answered from memory (lib/server/delivery/fast-path.ts). Proof: with the tables it
  // would read locked by another session, it still answers, while a request that needs them waits.
  it.runIf(backend === 'postgresql')('answers a repeated 304 without touching the database', async () => {
    const first = await poll({ cursor }, { 'if-none-match': etag });
    expect(first.status).toBe(304);
    const locker = new pg.Client({ connectionString: testDb.env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE environment, deployment_api_key, proxy_deployment IN ACCESS EXCLUSIVE MODE');
      const fromMemory = await fetch(`${server.url}/api/v1/proxy/configs?cursor=${encodeURIComponent(cursor)}`, {
        headers: { authorization: `Bearer ${deployment.apiKey}`, 'if-none-match': etag },
        signal: AbortSignal.timeout(10_000),
      });
      expect(fromMemory.status).toBe(304);
      expect(fromMemory.headers.get('etag')).toBe(etag);
      expect(fromMemory.headers.get('cache-control')).toBe('private, no-cache');
      expect(fromMemory.headers.get('x-request-id')).toBeTruthy();
      expect(fromMemory.headers.get('content-security-policy')).toBeTruthy();
      // Control: a request that must read the locked tables does not answer while they are locked. It asks
      // for a page no one asked for before: pages built in the last 2 s are shared from memory (poll.ts),
      // and on a fast runtime the full sync of the first test was still that fresh (Node 24 answered 200).
      const unseenPage = encodeCursor({ kind: 'full', seq: 0, after: `control-${randomBytes(8).toString('hex')}` });
      const needsDatabase = fetch(`${server.url}/api/v1/proxy/configs?cursor=${unseenPage}`, { headers: { authorization: `Bearer ${deployment.apiKey}` }, signal: AbortSignal.timeout(1_500) });
      await expect(needsDatabase).rejects.toThrow();
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
  });

  it('a delta after one change holds exactly that tenant, with its new state', async () => {
    const seq = await changeTenant0((t) => {
      const config = t.configs[0] as FleetTenant['configs'][number];
      config.status = 'disabled';
      config.primary = false;
    });
    expect(seq).toBe(2);
    const pages = await syncAll(cursor);
    const tenants = pages.flatMap((p) => p.tenants);
    expect(tenants.map((t) => t.tenantId)).toEqual([(fleet[0] as FleetTenant).externalId]);
    const state = await verifyTenantState((tenants[0] as TBundle['tenants'][number]).state, (fleet[0] as FleetTenant).sigPublicJwk, { tenantId: (fleet[0] as FleetTenant).externalId, minSeq: 2 });
    expect(state.configs[0]?.status).toBe('disabled');
    const previous = cursor;
    cursor = (pages.at(-1) as TBundle).next;
    expect(cursor).not.toBe(previous);
    expect((await poll({ cursor }, { 'if-none-match': etag })).status).toBe(200);
  });

  it('a held long-poll returns within a second of a change made through the tenant-admin API', async () => {
    const held = poll({ cursor, wait: 30 });
    const replica = poll({ cursor, wait: 30 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    let changedAt = 0;
    await changeTenant0((t) => {
      (t.configs[0] as FleetTenant['configs'][number]).status = 'active';
    }).then(() => (changedAt = performance.now()));
    const answer = await held;
    const afterChange = performance.now() - changedAt;
    expect(answer.status).toBe(200);
    // Two replicas of a deployment woken by one change get the one bundle, built and signed once.
    expect((await replica).text).toBe(answer.text);
    expect(answer.bundle?.tenants.map((t) => t.tenantId)).toEqual([(fleet[0] as FleetTenant).externalId]);
    expect(afterChange).toBeLessThan(1000);
    cursor = answer.bundle?.next as string;
  });

  // Several broker instances on one PostgreSQL: LISTEN/NOTIFY carries the wake-up across processes.
  it.runIf(backend === 'postgresql')('a change made through one broker instance wakes a long-poll held by another', async () => {
    const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', DATA_DIR: `${testDb.dir}/data-2` });
    if (!started.ok) throw new Error(`second broker did not start:\n${started.output}`);
    const second = started.server;
    try {
      const held = poll({ cursor, wait: 30 }, {}, deployment.apiKey, second.url);
      await new Promise((resolve) => setTimeout(resolve, 500));
      let changedAt = 0;
      await changeTenant0((t) => {
        (t.configs[0] as FleetTenant['configs'][number]).primary = true;
      }).then(() => (changedAt = performance.now()));
      const answer = await held;
      expect(answer.status).toBe(200);
      expect(answer.bundle?.tenants.map((t) => t.tenantId)).toEqual([(fleet[0] as FleetTenant).externalId]);
      expect(performance.now() - changedAt).toBeLessThan(1000);
      cursor = answer.bundle?.next as string;
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('reports status; operators see it with the lag', async () => {
    const response = await fetch(`${server.url}/api/v1/proxy/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cursor, tenants: fleet.slice(0, 3).map((t) => ({ tenantId: t.externalId, seq: t.seq })), errors: [{ tenantId: (fleet[1] as FleetTenant).externalId, configId: null, code: 'tenant_state', message: 'signature does not verify' }] }),
    });
    expect(response.status).toBe(204);
    const { deployments } = expectStatus(await operator.get<{ deployments: TDeploymentRow[] }>('/api/v1/operator/deployments'), 200, 'list');
    const row = deployments.find((d) => d.id === deployment.id) as TDeploymentRow;
    expect(row.lag).toBe(0);
    expect(row.appliedCursor).toBe(cursor);
    expect(row.errorCount).toBe(1);
    expect(row.errors[0]).toMatchObject({ tenantId: (fleet[1] as FleetTenant).externalId, code: 'tenant_state' });
    expect(row.tenantsApproved).toBe(TENANTS);
    expect(row.tenantsInEnvironment).toBe(TENANTS);
  });

  it('refuses bad input with 400 and a stable code, never 500', async () => {
    expect((await poll({ cursor, color: 'blue' })).problem?.code).toBe('validation_failed');
    expect((await poll({ cursor: 'v1.d.999999' })).problem?.code).toBe('bad_cursor');
    expect((await poll({ cursor: 'garbage' })).problem?.code).toBe('bad_cursor');
    expect((await poll({ cursor: 'v1.f.1.!!' })).problem?.code).toBe('bad_cursor');
    expect((await poll({ cursor, wait: 61 })).problem?.code).toBe('validation_failed');
    expect((await poll({ cursor, wait: 'soon' })).problem?.code).toBe('validation_failed');
    const huge = await fetch(`${server.url}/api/v1/proxy/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'application/json' },
      // Over the route's 16 MiB limit (a full report of 20 000 SIEM health entries and 50 000 usage minutes fits under it).
      body: JSON.stringify({ cursor, tenants: [], errors: [], pad: 'x'.repeat(17 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { code: string }).code).toBe('request_too_large');
    const longUrl = await fetch(`${server.url}/api/v1/proxy/configs?cursor=${'x'.repeat(20_000)}`, { headers: { authorization: `Bearer ${deployment.apiKey}` } });
    expect(longUrl.status).toBe(400);
    expect(((await longUrl.json()) as { code: string }).code).toBe('request_too_large');
    const wrongType = await fetch(`${server.url}/api/v1/proxy/status`, { method: 'POST', headers: { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(400);
    expect((await poll({}, {}, `cmkp_${'A'.repeat(43)}`)).status).toBe(401);
    const anonymous = await fetch(`${server.url}/api/v1/proxy/configs`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('rotates the API key with an overlap window, then ends the old key at once', async () => {
    const path = `/api/v1/operator/deployments/${deployment.id}/api-keys`;
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const first = expectStatus(await operator.post<{ apiKey: string }>(path, { oldKeyExpiresAt: inAnHour }), 201, 'rotate');
    expect((await poll({ cursor }, {}, deployment.apiKey)).status).toBe(200);
    expect((await poll({ cursor }, {}, first.apiKey)).status).toBe(200);
    const second = expectStatus(await operator.post<{ apiKey: string }>(path, { oldKeyExpiresAt: new Date().toISOString() }), 201, 'rotate now');
    expect((await poll({ cursor }, {}, deployment.apiKey)).status).toBe(401);
    expect((await poll({ cursor }, {}, first.apiKey)).status).toBe(401);
    expect((await poll({ cursor }, {}, second.apiKey)).status).toBe(200);
    const tooLong = await operator.post(path, { oldKeyExpiresAt: new Date(Date.now() + 31 * 86_400_000).toISOString() });
    expect(tooLong.status).toBe(400);
    deployment.apiKey = second.apiKey;
  });

  it('a held long-poll answers 401 within a second of a disable, and so does every next request', async () => {
    const held = poll({ cursor, wait: 30 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await operator.send('PATCH', `/api/v1/operator/deployments/${deployment.id}`, { status: 'disabled' });
    const disabledAt = performance.now();
    expect(response.status).toBe(200);
    const answer = await held;
    expect(answer.status).toBe(401);
    expect(performance.now() - disabledAt).toBeLessThan(1000);
    expect((await poll({ cursor })).status).toBe(401);
    expect((await poll({})).status).toBe(401);
    expect(expectStatus(await operator.send('PATCH', `/api/v1/operator/deployments/${deployment.id}`, { status: 'active' }), 200, 'enable')).toBeTruthy();
    expect((await poll({ cursor })).status).toBe(200);
  });

  // Keys are cached per instance; a disable through another instance reaches this one's cache by NOTIFY.
  it.runIf(backend === 'postgresql')('a key cached by one instance is refused there at once after a disable through another', async () => {
    const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', DATA_DIR: `${testDb.dir}/data-3` });
    if (!started.ok) throw new Error(`second broker did not start:\n${started.output}`);
    const second = started.server;
    try {
      const current = await poll({ cursor });
      const upToDate = { cursor: current.bundle?.next as string };
      const etagNow = current.etag as string;
      expect((await poll(upToDate, { 'if-none-match': etagNow })).status).toBe(304);
      expect((await poll(upToDate, { 'if-none-match': etagNow })).status).toBe(304);
      const otherOperator = new BrokerClient(second.url);
      expect((await otherOperator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
      expect((await otherOperator.send('PATCH', `/api/v1/operator/deployments/${deployment.id}`, { status: 'disabled' })).status).toBe(200);
      const disabledAt = performance.now();
      let status = 0;
      while (performance.now() - disabledAt < 2_000) {
        status = (await poll(upToDate, { 'if-none-match': etagNow })).status;
        if (status === 401) break;
      }
      expect(status).toBe(401);
      expect((await otherOperator.send('PATCH', `/api/v1/operator/deployments/${deployment.id}`, { status: 'active' })).status).toBe(200);
      cursor = upToDate.cursor;
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('publishes the signing key at /.well-known/jwks.json', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(deployment.brokerJwks.keys.map((k) => k.kid));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const rotations = (await (await fetch(`${server.url}/.well-known/cmk-key-rotations.json`)).json()) as { rotations: string[] };
    expect(rotations.rotations).toEqual([]);
  });
});
