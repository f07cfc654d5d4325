// Cross-site writes against the real broker (docs/security.md "Cross-site
// requests"): every state-changing route a session cookie authenticates —
// found from app/api/**/route.ts, so a new one cannot be missed — refuses a
// request that holds a valid session cookie but carries neither `Origin` nor
// `Sec-Fetch-Site`, or one that says it came from elsewhere, with 403
// problem+json `same_origin_required`, and nothing happens. The same writes
// from the broker's own origin work; public writes refuse only what says it is
// cross-site; bearer APIs are untouched.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { createApiToken } from '@/lib/server/vendor/tokens';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const run = randomBytes(4).toString('hex');
const OPERATOR = { email: 'csrf-ops@vendor.example', passphrase: `csrf quartz lantern orbit ${run}` };
const ADMIN = { email: 'csrf-admin@acme.example', passphrase: `csrf copper heron sails ${run}` };
const EVIL = 'https://evil.example';
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

// ---------------------------------------------------------------- routes

type Write = { key: string; template: string; method: string; mode: string };

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? routeFiles(full) : entry.name === 'route.ts' ? [full] : [];
  });
}

/** Every exported write and how it authenticates: defineRoute's `auth`, or withSameOrigin's rule (next-auth). */
function discoverWrites(): { writes: Write[]; unknown: string[] } {
  const root = path.resolve('app');
  const writes: Write[] = [];
  const unknown: string[] = [];
  for (const file of routeFiles(path.join(root, 'api'))) {
    const template = `/${path.relative(root, path.dirname(file)).split(path.sep).join('/')}`;
    const source = readFileSync(file, 'utf8');
    for (const statement of source.split(/\n(?=export )/)) {
      const method = /^export (?:const|async function|function) (POST|PUT|PATCH|DELETE)\b/.exec(statement)?.[1];
      const destructured = /^export const \{([^}]+)\}/.exec(statement)?.[1];
      if (destructured && destructured.split(',').some((name) => WRITES.includes(name.trim()))) unknown.push(`${template}: destructured export`);
      if (!method) continue;
      // `export const POST = handler;` names a route defined above it.
      const alias = /^export const \w+ = (\w+);/.exec(statement)?.[1];
      const definition = alias ? (new RegExp(`const ${alias} = defineRoute\\(\\{ auth: '[a-z-]+'`).exec(source)?.[0] ?? '') : statement;
      const mode = /\bauth:\s*'([a-z-]+)'/.exec(definition)?.[1] ?? (/withSameOrigin\([^)]*'session'\)/.test(definition) ? 'session-endpoint' : null);
      if (mode) writes.push({ key: `${method} ${template}`, template, method, mode });
      else unknown.push(`${method} ${template}`);
    }
  }
  return { writes, unknown };
}

const SESSION_MODES = new Set(['user', 'operator', 'tenant-admin', 'tenant-member', 'session-endpoint']);
const BEARER_MODES = new Set(['proxy', 'vendor-read', 'vendor-write']);

function urlOf(template: string): string {
  return template
    .replace('[...nextauth]', 'signout')
    .replace('[...path]', 'no/such/route')
    .replace('[tenant]', 'acme')
    .replace(/\[[a-zA-Z]+\]/g, 'x_csrf_probe');
}

// ---------------------------------------------------------------- world

let testDb: TestDatabase;
let server: ServerProcess;
let operator: BrokerClient;
let admin: BrokerClient;
let vendorToken = '';
let proxyKey = '';

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  const prisma = db.prisma;
  const operatorAccount = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  const operatorUser = await createUser(prisma, await prepareAccount({ ...operatorAccount.body, email: OPERATOR.email } as never, true));
  await prisma.environment.create({ data: { id: 'env_csrf', slug: 'csrf', displayName: 'CSRF' } });
  const tenant = await createKeyedTenant(prisma, { suffix: 'csrf', externalId: 'acme', displayName: 'Acme', environmentId: 'env_csrf', adminEmail: ADMIN.email });
  const adminAccount = await newAccount(ADMIN.email, ADMIN.passphrase);
  const adminUser = await createUser(prisma, await prepareAccount({ ...adminAccount.body, email: ADMIN.email } as never, false));
  await prisma.tenantAdmin.create({ data: { id: 'adm_csrf_real', tenantId: tenant.access.tenant.id, userId: adminUser.id, status: 'confirmed' } });
  const asOperator = { id: operatorUser.id, email: OPERATOR.email } as CurrentUser;
  const pair = await generateJwkPair('ecdh');
  proxyKey = (await createDeployment(asOperator, { name: 'csrf-proxy', environmentId: 'env_csrf', publicJwk: pair.publicJwk as never })).apiKey;
  vendorToken = (await createApiToken(asOperator, { name: 'csrf', scope: 'write', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } as never)).token;
  await closeDatabase();

  const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data` });
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  server = started.server;
  operator = new BrokerClient(server.url);
  admin = new BrokerClient(server.url);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  expect((await admin.signIn(ADMIN.email, ADMIN.passphrase)).ok).toBe(true);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

/** A raw write with the client's cookies (if any) and exactly these headers. */
async function write(client: BrokerClient | null, method: string, url: string, headers: Record<string, string>) {
  const init = { method, headers: { 'content-type': 'application/json', ...headers }, body: '{}' };
  const response = client ? await client.fetch(url, init) : await fetch(new URL(url, server.url), { ...init, redirect: 'manual' });
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type'), code };
}

const REFUSED = { status: 403, type: 'application/problem+json', code: 'same_origin_required' };

describe(`cross-site writes on ${backend}`, () => {
  const { writes, unknown } = discoverWrites();
  const own = () => new URL(server.url).origin;

  it('finds every write in the route files and knows how each authenticates', () => {
    expect(unknown, 'a write whose authentication this test cannot tell').toEqual([]);
    const keys = writes.filter((w) => SESSION_MODES.has(w.mode)).map((w) => w.key);
    expect(keys.length).toBeGreaterThan(30);
    for (const key of [
      'DELETE /api/v1/account/sessions',
      'POST /api/v1/account/totp',
      'POST /api/v1/operator/tenants/[tenant]/suspension',
      'POST /api/v1/operator/tenants/[tenant]/deletion',
      'POST /api/v1/operator/invitations/[id]/resend',
      'POST /api/v1/tenants/[tenant]/invitations/[id]/resend',
      'POST /api/auth/[...nextauth]',
    ]) {
      expect(keys).toContain(key);
    }
  });

  it('refuses every session-cookie write with neither header, or one that says it came from elsewhere', async () => {
    const variants: [string, Record<string, string>][] = [
      ['no Origin, no Sec-Fetch-Site', {}],
      ['a foreign Origin', { origin: EVIL }],
      ['Sec-Fetch-Site: cross-site', { origin: own(), 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
      ['Origin: null alone', { origin: 'null' }],
    ];
    const answers: Record<string, unknown> = {};
    for (const w of writes.filter((x) => SESSION_MODES.has(x.mode))) {
      const client = w.mode.startsWith('tenant-') ? admin : operator;
      for (const [label, headers] of variants) answers[`${w.key} with ${label}`] = await write(client, w.method, urlOf(w.template), headers);
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, REFUSED])));

    // Nothing happened: both sessions live on (sign-out everywhere and next-auth's sign-out were refused), acme is not suspended.
    expect((await operator.get('/api/v1/account')).status).toBe(200);
    expect((await admin.get('/api/v1/account')).status).toBe(200);
    expect((await operator.get<{ tenant: { status: string } }>('/api/v1/operator/tenants/acme')).body.tenant.status).toBe('active');
  });

  it('lets the same writes through from the broker\'s own origin', async () => {
    // Origin alone, Sec-Fetch-Site alone, and the Origin: null a no-referrer page may send with Fetch Metadata.
    expect(await write(operator, 'POST', '/api/v1/operator/tenants/acme/suspension', { 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect((await operator.get<{ tenant: { status: string } }>('/api/v1/operator/tenants/acme')).body.tenant.status).toBe('suspended');
    expect(await write(operator, 'DELETE', '/api/v1/operator/tenants/acme/suspension', { origin: own() })).toMatchObject({ status: 200 });
    expect((await operator.get<{ tenant: { status: string } }>('/api/v1/operator/tenants/acme')).body.tenant.status).toBe('active');
    expect(await write(admin, 'POST', '/api/v1/account/totp', { origin: own(), 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect(await write(admin, 'DELETE', '/api/v1/account/sessions', { origin: 'null', 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect((await admin.get('/api/v1/account')).status).toBe(401);
  });

  it('refuses public writes that say they are cross-site, and lets non-browser clients through', async () => {
    const publicWrites = writes.filter((w) => w.mode === 'public');
    expect(publicWrites.map((w) => w.key)).toEqual(expect.arrayContaining(['POST /api/v1/auth/prelogin', 'POST /api/v1/setup', 'POST /api/v1/invitations/accept']));
    for (const w of publicWrites) {
      expect(await write(null, w.method, urlOf(w.template), { origin: EVIL }), w.key).toEqual(REFUSED);
      expect(await write(null, w.method, urlOf(w.template), { 'sec-fetch-site': 'cross-site' }), w.key).toEqual(REFUSED);
    }
    const prelogin = (headers: Record<string, string>) =>
      fetch(new URL('/api/v1/auth/prelogin', server.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email: ADMIN.email }) });
    expect((await prelogin({})).status).toBe(200);
    expect((await prelogin({ origin: own() })).status).toBe(200);
    // Login CSRF: another site cannot sign a visitor in, even with next-auth's token in hand.
    const stranger = new BrokerClient(server.url);
    const csrf = (await (await stranger.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const signIn = await stranger.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL },
      body: new URLSearchParams({ email: OPERATOR.email, authKey: 'A'.repeat(43), csrfToken: csrf.csrfToken }).toString(),
    });
    expect(signIn.status).toBe(403);
    expect(stranger.cookies.has('authjs.session-token')).toBe(false);
  });

  it('leaves bearer APIs alone, and a session cookie opens none of them', async () => {
    const bearers = writes.filter((w) => BEARER_MODES.has(w.mode)).map((w) => w.key);
    expect(bearers).toEqual(expect.arrayContaining(['POST /api/v1/proxy/status', 'POST /api/v1/vendor/tenants/[tenant]/suspend']));
    const vendor = { authorization: `Bearer ${vendorToken}` };
    expect(await write(null, 'POST', '/api/v1/vendor/tenants/acme/suspend', vendor)).toMatchObject({ status: 200 });
    expect(await write(null, 'POST', '/api/v1/vendor/tenants/acme/resume', { ...vendor, origin: EVIL })).toMatchObject({ status: 200 });
    const status = await write(null, 'POST', '/api/v1/proxy/status', { authorization: `Bearer ${proxyKey}`, 'sec-fetch-site': 'cross-site' });
    expect(status.code).not.toBe('same_origin_required');
    expect(status.status).toBeLessThan(500);
    expect(await write(operator, 'POST', '/api/v1/vendor/tenants/acme/suspend', {})).toMatchObject({ status: 401 });
  });
});
