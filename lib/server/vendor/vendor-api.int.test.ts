// The vendor API end to end, on each database backend, against the broker as
// users run it: an operator makes tokens through the real operator API, then
// every endpoint is called with a read token (reads answer, writes 403), a
// write token (everything answers), an expired and a revoked token (401), a
// malformed, unknown or foreign credential and a session cookie (401), and
// with unknown parameters (400). No answer carries anything secret-looking.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TApiTokenRow, TCreatedApiToken } from '@/lib/schemas/api-tokens';
import { ZVendorCreatedTenant, ZVendorDeployments, ZVendorEnvironments, ZVendorResent, ZVendorTenantAnswer, ZVendorTenantPage, ZVendorTenantStatus } from '@/lib/schemas/vendor-api';
import { BEARER_FAILURE_LIMIT, BEARER_FAILURE_WINDOW_MS } from '@/lib/server/api/bearer-failures';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { BrokerClient, expectStatus, newAccount } from '@/lib/testing/api-client';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const run = randomBytes(4).toString('hex');
const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const OPERATOR = { email: 'ops@vendor.example', passphrase: `amber falcon ridge tide ${run}` };
const DAY = 86_400_000;

let testDb: TestDatabase;
let server: ServerProcess;
let operator: BrokerClient;
let proxyApiKey: string;
const tokens: Record<'read' | 'write' | 'short' | 'doomed', string> = { read: '', write: '', short: '', doomed: '' };
let doomedId = '';
/** Every answer of the vendor API, for the secrets check at the end. */
const answers: string[] = [];

type Call = { status: number; body: Record<string, unknown>; type: string; headers: Headers };

async function vendor(token: string | null, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, type: response.headers.get('content-type') ?? '', headers: response.headers };
}

async function makeToken(name: string, scope: 'read' | 'write', expiresAt: Date): Promise<TCreatedApiToken> {
  return expectStatus(await operator.post<TCreatedApiToken>('/api/v1/operator/api-tokens', { name, scope, expiresAt: expiresAt.toISOString() }), 201, `create token ${name}`);
}

const READS = [
  ['GET', '/api/v1/vendor/tenants'],
  ['GET', '/api/v1/vendor/tenants/acme'],
  ['GET', '/api/v1/vendor/environments'],
  ['GET', '/api/v1/vendor/deployments'],
] as const;
const WRITES = [
  ['POST', '/api/v1/vendor/tenants', { externalId: 'read-made', displayName: 'Read made', environment: 'prod-eu', adminEmail: 'x@read.example' }],
  ['POST', '/api/v1/vendor/tenants/acme/suspend', undefined],
  ['POST', '/api/v1/vendor/tenants/acme/resume', undefined],
  ['POST', '/api/v1/vendor/tenants/acme/invitation/resend', undefined],
] as const;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  const account = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  const user = await createUser(db.prisma, await prepareAccount({ ...account.body, email: OPERATOR.email } as never, true));
  await db.prisma.environment.create({ data: { id: 'env_vendor', slug: 'prod-eu', displayName: 'Production EU' } });
  const pair = await generateJwkPair('ecdh');
  proxyApiKey = (await createDeployment({ id: user.id } as CurrentUser, { name: 'prod-eu-1', environmentId: 'env_vendor', publicJwk: pair.publicJwk as never })).apiKey;
  await closeDatabase();

  const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data` });
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  server = started.server;
  operator = new BrokerClient(server.url);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  tokens.read = (await makeToken('reporting', 'read', new Date(Date.now() + 30 * DAY))).token;
  tokens.write = (await makeToken('onboarding', 'write', new Date(Date.now() + 365 * DAY))).token;
  tokens.short = (await makeToken('short-lived', 'write', new Date(Date.now() + 3_000))).token;
  const doomed = await makeToken('to revoke', 'write', new Date(Date.now() + 7 * DAY));
  tokens.doomed = doomed.token;
  doomedId = doomed.apiToken.id;
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe(`vendor API on ${backend}`, () => {
  it('makes tokens shown once: cmkv_ + 43 characters, listed without the token, expiry required and at most a year', async () => {
    for (const token of Object.values(tokens)) expect(token).toMatch(/^cmkv_[A-Za-z0-9_-]{43}$/);
    const listed = expectStatus(await operator.get<{ apiTokens: TApiTokenRow[] }>('/api/v1/operator/api-tokens'), 200, 'list tokens');
    expect(listed.apiTokens.map((t) => [t.name, t.scope, t.state, t.createdBy])).toEqual(
      expect.arrayContaining([
        ['reporting', 'read', 'active', OPERATOR.email],
        ['onboarding', 'write', 'active', OPERATOR.email],
      ]),
    );
    const text = JSON.stringify(listed);
    for (const token of Object.values(tokens)) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(createHash('sha256').update(token).digest('hex'));
    }
    const bad = [
      { name: 'no expiry', scope: 'read' },
      { name: 'past', scope: 'read', expiresAt: new Date(Date.now() - 60_000).toISOString() },
      { name: 'too long', scope: 'read', expiresAt: new Date(Date.now() + 400 * DAY).toISOString() },
      { name: 'admin', scope: 'admin', expiresAt: new Date(Date.now() + DAY).toISOString() },
      { name: 'extra', scope: 'read', expiresAt: new Date(Date.now() + DAY).toISOString(), tokenHash: 'x' },
    ];
    for (const body of bad) expect((await operator.post('/api/v1/operator/api-tokens', body)).problem?.code, body.name).toBe('validation_failed');
  });

  it('write token: creates a tenant with its invitation, lists it with the console filters, gets, suspends, resumes and resends', async () => {
    const created = await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants', { externalId: 'acme', displayName: 'Acme Corp', environment: 'prod-eu', adminEmail: 'security@acme.example' });
    expect(created.status).toBe(201);
    const tenant = ZVendorCreatedTenant.parse(created.body);
    expect(tenant).toMatchObject({ tenant: { externalId: 'acme', status: 'invited', environment: { slug: 'prod-eu' } }, invitation: { email: 'security@acme.example' } });
    expect(tenant.tenant.openInvitations).toHaveLength(1);
    await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants', { externalId: 'globex', displayName: 'Globex', environment: 'prod-eu', adminEmail: 'it@globex.example' });

    const again = await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants', { externalId: 'acme', displayName: 'Acme again', environment: 'prod-eu', adminEmail: 'other@acme.example' });
    expect(again).toMatchObject({ status: 409, type: 'application/problem+json' });
    const noEnv = await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants', { externalId: 'initech', displayName: 'Initech', environment: 'nowhere', adminEmail: 'a@initech.example' });
    expect(noEnv.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.environment' }] });

    const all = ZVendorTenantPage.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants')).body);
    expect(all.total).toBe(2);
    expect(all.rows.map((r) => r.externalId)).toEqual(['acme', 'globex']);
    const search = ZVendorTenantPage.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants?q=SECURITY%40acme&environment=prod-eu&status=invited&approvalPending=false')).body);
    expect(search.rows.map((r) => r.externalId)).toEqual(['acme']);
    const paged = ZVendorTenantPage.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants?sort=displayName&order=desc&limit=1')).body);
    expect(paged.rows.map((r) => r.externalId)).toEqual(['globex']);
    const next = ZVendorTenantPage.parse((await vendor(tokens.write, 'GET', `/api/v1/vendor/tenants?sort=displayName&order=desc&limit=1&cursor=${paged.nextCursor}`)).body);
    expect([next.rows.map((r) => r.externalId), next.nextCursor]).toEqual([['acme'], null]);

    const got = ZVendorTenantAnswer.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants/acme')).body);
    expect(got.tenant).toMatchObject({ externalId: 'acme', admins: { confirmed: 0, pending: 0 } });
    expect((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants/no-such-tenant')).body).toMatchObject({ status: 404, code: 'not_found' });

    expect(ZVendorTenantStatus.parse((await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants/acme/suspend')).body)).toEqual({ externalId: 'acme', status: 'suspended', changed: true });
    expect((await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants/acme/suspend')).body).toMatchObject({ status: 'suspended', changed: false });
    const suspended = ZVendorTenantPage.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants?status=suspended')).body);
    expect(suspended.rows.map((r) => r.externalId)).toEqual(['acme']);
    expect((await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants/acme/resume')).body).toEqual({ externalId: 'acme', status: 'invited', changed: true });
    expect((await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants/no-such-tenant/suspend')).status).toBe(404);

    const resent = ZVendorResent.parse((await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants/acme/invitation/resend')).body);
    expect(resent.invitation).toMatchObject({ email: 'security@acme.example', sendCount: 2 });

    expect(ZVendorEnvironments.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/environments')).body).environments).toEqual([
      expect.objectContaining({ slug: 'prod-eu', tenantCount: 2 }),
    ]);
    expect(ZVendorDeployments.parse((await vendor(tokens.write, 'GET', '/api/v1/vendor/deployments')).body).deployments).toEqual([
      expect.objectContaining({ name: 'prod-eu-1', status: 'active', tenantsApproved: 0, delivery: 'never' }),
    ]);
  });

  it('read token: every read answers 200, every write 403 forbidden (and changes nothing)', async () => {
    for (const [method, path] of READS) expect({ path, status: (await vendor(tokens.read, method, path)).status }).toEqual({ path, status: 200 });
    for (const [method, path, body] of WRITES) {
      const answer = await vendor(tokens.read, method, path, body);
      expect({ path, status: answer.status, code: answer.body.code, type: answer.type }).toEqual({ path, status: 403, code: 'forbidden', type: 'application/problem+json' });
    }
    const page = ZVendorTenantPage.parse((await vendor(tokens.read, 'GET', '/api/v1/vendor/tenants')).body);
    expect(page.rows.map((r) => [r.externalId, r.status])).toEqual([
      ['acme', 'invited'],
      ['globex', 'invited'],
    ]);
  });

  it('records when a token was last used', async () => {
    const listed = expectStatus(await operator.get<{ apiTokens: TApiTokenRow[] }>('/api/v1/operator/api-tokens'), 200, 'list tokens');
    const reporting = listed.apiTokens.find((t) => t.name === 'reporting');
    expect(reporting?.lastUsedAt).not.toBeNull();
    expect(Date.now() - Date.parse(reporting?.lastUsedAt ?? '')).toBeLessThan(120_000);
  });

  it('expired token: 401 on every route', async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, 3_500)));
    for (const [method, path] of [...READS, ...WRITES]) {
      const answer = await vendor(tokens.short, method, path);
      expect({ path, status: answer.status, code: answer.body.code }).toEqual({ path, status: 401, code: 'unauthenticated' });
    }
    const listed = expectStatus(await operator.get<{ apiTokens: TApiTokenRow[] }>('/api/v1/operator/api-tokens'), 200, 'list tokens');
    expect(listed.apiTokens.find((t) => t.name === 'short-lived')?.state).toBe('expired');
  });

  it('revoked token: works, then 401 on its very next request', async () => {
    expect((await vendor(tokens.doomed, 'GET', '/api/v1/vendor/environments')).status).toBe(200);
    expect((await operator.send('DELETE', `/api/v1/operator/api-tokens/${doomedId}`)).status).toBe(200);
    for (const [method, path] of [...READS, ...WRITES]) expect({ path, status: (await vendor(tokens.doomed, method, path)).status }).toEqual({ path, status: 401 });
    expect((await operator.send('DELETE', `/api/v1/operator/api-tokens/${doomedId}`)).status).toBe(200);
    expect((await operator.send('DELETE', '/api/v1/operator/api-tokens/vat_AAAAAAAAAAAAAAAA')).problem?.code).toBe('not_found');
    const listed = expectStatus(await operator.get<{ apiTokens: TApiTokenRow[] }>('/api/v1/operator/api-tokens'), 200, 'list tokens');
    expect(listed.apiTokens.find((t) => t.id === doomedId)?.state).toBe('revoked');
  });

  it('refuses missing, malformed, unknown and foreign credentials and session cookies with 401 and a Bearer challenge', async () => {
    const unknown = `cmkv_${randomBytes(32).toString('base64url')}`;
    const attempts: [string, Record<string, string>][] = [
      ['none', {}],
      ['not bearer', { authorization: `Basic ${Buffer.from(`x:${tokens.read}`).toString('base64')}` }],
      ['malformed', { authorization: 'Bearer cmkv_short' }],
      ['two tokens', { authorization: `Bearer ${tokens.read} ${tokens.write}` }],
      ['unknown', { authorization: `Bearer ${unknown}` }],
      ['proxy API key', { authorization: `Bearer ${proxyApiKey}` }],
      ['token in the query', {}],
    ];
    for (const [what, headers] of attempts) {
      const path = what === 'token in the query' ? `/api/v1/vendor/environments?access_token=${tokens.read}` : '/api/v1/vendor/environments';
      const answer = await vendor(null, 'GET', path, undefined, headers);
      expect({ what, status: answer.status, code: answer.body.code, type: answer.type }).toEqual({ what, status: 401, code: 'unauthenticated', type: 'application/problem+json' });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // An operator's session is no credential for the vendor API…
    const session = await operator.send('GET', '/api/v1/vendor/environments');
    expect(session.status).toBe(401);
    // …and a token is none for the console's API.
    expect((await vendor(tokens.write, 'GET', '/api/v1/operator/tenants')).status).toBe(401);
    // A vendor token is no proxy credential either.
    expect((await vendor(tokens.write, 'GET', '/api/v1/proxy/configs')).status).toBe(401);
  });

  it('refuses unknown and malformed parameters and bodies with 400', async () => {
    // [what, method, path, body, the stable code (validation_failed unless said)]
    const cases: [string, 'GET' | 'POST', string, unknown, string?][] = [
      ['unknown list filter', 'GET', '/api/v1/vendor/tenants?colour=red', undefined],
      ['bad status', 'GET', '/api/v1/vendor/tenants?status=deleted', undefined],
      ['bad flag', 'GET', '/api/v1/vendor/tenants?hasSiem=yes', undefined],
      ['limit too high', 'GET', '/api/v1/vendor/tenants?limit=1000', undefined],
      ['bad cursor', 'GET', '/api/v1/vendor/tenants?cursor=nonsense', undefined, 'bad_cursor'],
      ['query on environments', 'GET', '/api/v1/vendor/environments?all=1', undefined],
      ['query on deployments', 'GET', '/api/v1/vendor/deployments?x=1', undefined],
      ['query on a tenant', 'GET', '/api/v1/vendor/tenants/acme?expand=configs', undefined],
      ['query on suspend', 'POST', '/api/v1/vendor/tenants/acme/suspend?force=1', undefined],
      ['bad tenant id', 'GET', '/api/v1/vendor/tenants/ACME!', undefined],
      ['extra body field', 'POST', '/api/v1/vendor/tenants', { externalId: 'x1', displayName: 'X', environment: 'prod-eu', adminEmail: 'a@x.example', status: 'active' }],
      ['bad email', 'POST', '/api/v1/vendor/tenants', { externalId: 'x1', displayName: 'X', environment: 'prod-eu', adminEmail: 'not-an-email' }],
    ];
    for (const [what, method, path, body, code = 'validation_failed'] of cases) {
      const answer = await vendor(tokens.write, method, path, body);
      expect({ what, status: answer.status, code: answer.body.code, type: answer.type }).toEqual({ what, status: 400, code, type: 'application/problem+json' });
    }
    const notJson = await vendor(tokens.write, 'POST', '/api/v1/vendor/tenants', undefined, { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(415);
  });

  it('publishes its OpenAPI description without a credential', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/vendor/tenants/{tenant}/suspend');
  });

  // Last but one: from here on, this address is over the limit for a minute.
  it('answers an address that keeps sending wrong credentials with 429; valid ones from it keep working', async () => {
    const proxy = (key: string) => fetch(`${server.url}/api/v1/proxy/configs`, { headers: { authorization: `Bearer ${key}` } });
    // The proxy's key works before the flood.
    expect((await proxy(proxyApiKey)).status).toBe(200);
    let refused: Call | null = null;
    // Earlier tests already sent some wrong tokens from this address, so the limit comes at most this soon.
    for (let i = 0; i <= BEARER_FAILURE_LIMIT && !refused; i++) {
      const call = await vendor(`cmkv_${randomBytes(32).toString('base64url')}`, 'GET', '/api/v1/vendor/tenants');
      if (call.status === 429) refused = call;
      else expect(call.status).toBe(401);
    }
    expect(refused, `no 429 after ${BEARER_FAILURE_LIMIT + 1} wrong tokens`).not.toBeNull();
    expect(refused?.type).toContain('application/problem+json');
    expect(refused?.body.code).toBe('rate_limited');
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(BEARER_FAILURE_WINDOW_MS / 1000);
    // Only wrong credentials are held up: a valid token from this address still works, an unknown proxy key does not.
    expect((await vendor(tokens.write, 'GET', '/api/v1/vendor/tenants')).status).toBe(200);
    const unknownProxy = await proxy(`cmkp_${randomBytes(32).toString('base64url')}`);
    expect(unknownProxy.status).toBe(429);
    expect(unknownProxy.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await proxy(proxyApiKey)).status).toBe(200);
    // Requests without a well-formed credential are refused as before (401), not counted.
    expect((await vendor(null, 'GET', '/api/v1/vendor/tenants')).status).toBe(401);
    expect(server.output()).toMatch(/Too many wrong bearer credentials from one address/);
  });

  it('answered nothing secret-looking: no token, token hash, proxy key, private JWK member or invitation link', () => {
    const text = answers.join('\n');
    expect(answers.length).toBeGreaterThan(60);
    for (const secret of [...Object.values(tokens), proxyApiKey]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    expect(text).not.toMatch(/cmk[vp]_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/"d"\s*:/);
    expect(text).not.toMatch(/tokenHash|keyHash|token_hash|\/invite\?|authKey|sealed/i);
  });
});
