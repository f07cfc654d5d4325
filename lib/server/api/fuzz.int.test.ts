// Bad input across every API route (issue 8): at least 2 000 malformed
// requests — random and truncated JSON, huge and deeply nested bodies, wrong
// content types, invalid JWS/JWE, Unicode edge cases, path traversal and
// garbage in ids and queries — sent anonymously, with a garbage bearer, and
// with real credentials of every kind (operator and tenant-admin sessions, a
// proxy API key, a vendor token). None may answer 5xx, and none may change
// stored data: every table is fingerprinted before and after, leaving out
// only what the test's own sign-ins legitimately write (sessions, rate-limit
// counters, the audit trail with its checkpoints and the notifier's cursor,
// "last used" times).
//
// Routes are discovered from app/api/**/route.ts, so a new route is fuzzed
// without editing this file. The generator is seeded (FUZZ_SEED) and prints
// its seed, so a failure can be replayed.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { createApiToken } from '@/lib/server/vendor/tokens';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const REQUESTS = 2_000;
const CONCURRENCY = 8;
const SEED = Number(process.env.FUZZ_SEED ?? randomBytes(4).readUInt32LE(0));
const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const run = randomBytes(4).toString('hex');
const OPERATOR = { email: 'fuzz-ops@vendor.example', passphrase: `fuzz quartz lantern orbit ${run}` };
const ADMIN = { email: 'fuzz-admin@acme.example', passphrase: `fuzz copper heron sails ${run}` };

// ---------------------------------------------------------------- routes

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Route = { template: string; params: string[]; methods: { method: Method; takesBody: boolean }[] };

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? routeFiles(full) : entry.name === 'route.ts' ? [full] : [];
  });
}

/** Each exported handler, and whether its definition parses a body (a handler without one must not be sent real credentials). */
function discoverRoutes(): Route[] {
  const root = path.resolve('app');
  return routeFiles(path.join(root, 'api')).map((file) => {
    const text = readFileSync(file, 'utf8');
    const methods: Route['methods'] = [];
    const destructured = /export const \{([^}]+)\}\s*=/.exec(text);
    for (const name of destructured?.[1]?.split(',').map((s) => s.trim()) ?? []) {
      if (/^(GET|POST|PUT|PATCH|DELETE)$/.test(name)) methods.push({ method: name as Method, takesBody: name !== 'GET' });
    }
    const statements = text.split(/\n(?=export )/);
    for (const statement of statements) {
      const match = /^export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/.exec(statement);
      if (match) methods.push({ method: match[1] as Method, takesBody: /\bbody:/.test(statement) });
    }
    const dirs = path.relative(root, path.dirname(file)).split(path.sep);
    const params = dirs.filter((d) => d.startsWith('[')).map((d) => d.replace(/^\[(\.\.\.)?|\]$/g, ''));
    return { template: `/${dirs.join('/')}`, params, methods };
  });
}

// ---------------------------------------------------------------- generator

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const NASTY_IDS = [
  '..',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  'acme%00',
  '%ff%fe',
  '%F0%9F%98%80',
  '%E2%80%AE', // right-to-left override
  '%ED%A0%80', // a lone surrogate, encoded
  'ａｃｍｅ', // full-width
  'a%CC%8Acme', // combining ring
  'x'.repeat(3000),
  '-1',
  '0',
  '1e309',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '*',
  '%25',
  "acme'--",
  'acme";DROP TABLE tenant;--',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
];
const REAL_IDS = ['acme', 'env_fuzz'];

const UNICODE = ['\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', 'e\u0301', '😀'.repeat(50), '\u{10ffff}', 'Ā'.repeat(10_000)];
const jwsLike = () => pick([`${b64(randomJson(2))}.${b64(randomJson(2))}.${randomBytes(64).toString('base64url')}`, 'eyJhbGciOiJub25lIn0.eyJ0eXAiOiJ0ZW5hbnQtc3RhdGUifQ.', 'a.b.c', '....', 'eyJ'.repeat(1000)]);
const jweLike = () => pick([{ protected: 'eyJ', ciphertext: '', iv: 'x', tag: 'y', recipients: [{ header: { kid: '../k' }, encrypted_key: '' }] }, { protected: b64({ alg: 'none', enc: 'A256GCM' }), ciphertext: randomBytes(32).toString('base64url') }, 'not-a-jwe']);
function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function randomJson(depth: number): unknown {
  const r = random();
  if (depth <= 0 || r < 0.3) return pick<unknown>([null, true, -0, 1e308, -1, 2 ** 53 + 1, 'x', pick(UNICODE), '', [], {}]);
  if (r < 0.6) return Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomJson(depth - 1));
  return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 3) }, () => [pick(['__proto__', 'constructor', 'state', 'put', 'jwe', 'email', 'tenant', pick(UNICODE), 'a']), randomJson(depth - 1)]));
}

type Body = { name: string; contentType?: string; body?: string | Uint8Array };

/** Bodies no schema can accept: never an object that optional fields could all match. */
const MALFORMED: (() => Body)[] = [
  () => ({ name: 'truncated JSON', contentType: 'application/json', body: JSON.stringify({ state: jwsLike(), put: { jwe: jweLike() } }).slice(0, 20) }),
  () => ({ name: 'not JSON', contentType: 'application/json', body: pick(['{', '}', '{"a":', 'nul', "{'a':1}", '{"a":1,}', 'NaN', '\u0000']) }),
  () => ({ name: 'non-object JSON', contentType: 'application/json', body: JSON.stringify(pick<unknown>([[], [randomJson(3)], null, 123, 'string', true])) }),
  () => ({ name: 'invalid UTF-8', contentType: 'application/json', body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]) }),
  () => ({ name: 'deep nesting', contentType: 'application/json', body: `${'['.repeat(20_000)}${']'.repeat(20_000)}` }),
  () => ({ name: 'huge body', contentType: 'application/json', body: `{"a":"${'x'.repeat(9 * 1024 * 1024)}"}` }),
  () => ({ name: 'wrong content type', contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16']), body: JSON.stringify(randomJson(3)) }),
  () => ({ name: 'no content type', body: '{"a":1}' }),
  () => ({ name: 'invalid JWS/JWE in a change', contentType: 'application/json', body: JSON.stringify({ state: jwsLike(), put: { configId: pick(NASTY_IDS), version: pick([0, -1, 1e309, '1']), jwe: jweLike() } }) }),
  () => ({ name: 'unicode values of the wrong type', contentType: 'application/json', body: JSON.stringify({ email: [pick(UNICODE)], state: 42, name: { x: pick(UNICODE) }, code: [] }) }),
];
/** Any body at all, for anonymous callers and garbage credentials (who must be refused before the body matters). */
const ANY_BODY: (() => Body)[] = [...MALFORMED, () => ({ name: 'random JSON', contentType: 'application/json', body: JSON.stringify(randomJson(4)) }), () => ({ name: 'empty object', contentType: 'application/json', body: '{}' })];

type Principal = 'anonymous' | 'garbage-bearer' | 'operator' | 'admin' | 'proxy' | 'vendor';

// ---------------------------------------------------------------- world

let testDb: TestDatabase;
let server: ServerProcess;
const clients = {} as Record<'operator' | 'admin', BrokerClient>;
const bearer = {} as Record<'proxy' | 'vendor', string>;

/** A fingerprint of every table, leaving out what sign-ins and polls legitimately write. */
async function fingerprint(db: Database): Promise<Record<string, string>> {
  // The audit trail records refused sign-ins; its checkpoints and the notifier's cursor follow it.
  const skipTables = new Set(['user_session', 'rate_limit', 'audit_event', 'audit_checkpoint', 'notification_cursor', 'schema_migration', 'setup_token']);
  const volatileColumns = new Set(['last_used_at', 'updated_at', 'totp_last_step']);
  return db.withSession(async (s) => {
    const columns = await s.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const byTable = new Map<string, string[]>();
    for (const c of columns) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
    const out: Record<string, string> = {};
    for (const [table, cols] of byTable) {
      if (skipTables.has(table) || table.startsWith('rate_limit')) continue;
      const kept = cols.filter((c) => !volatileColumns.has(c)).map((c) => `"${c}"`);
      const [row] = await s.query<{ n: string; h: string | null }>(`SELECT count(*)::text AS n, md5(string_agg(r::text, '|' ORDER BY r::text)) AS h FROM (SELECT ${kept.join(', ')} FROM "${table}") AS r`);
      out[table] = `${row?.n}:${row?.h}`;
    }
    return out;
  });
}

let before: Record<string, string>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  const prisma = db.prisma;
  const operatorAccount = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  const operatorUser = await createUser(prisma, await prepareAccount({ ...operatorAccount.body, email: OPERATOR.email } as never, true));
  await prisma.environment.create({ data: { id: 'env_fuzz', slug: 'fuzz', displayName: 'Fuzz' } });
  const tenant = await createKeyedTenant(prisma, { suffix: 'fuzz', externalId: 'acme', displayName: 'Acme', environmentId: 'env_fuzz', adminEmail: ADMIN.email });
  const adminAccount = await newAccount(ADMIN.email, ADMIN.passphrase);
  const adminUser = await createUser(prisma, await prepareAccount({ ...adminAccount.body, email: ADMIN.email } as never, false));
  await prisma.tenantAdmin.create({ data: { id: 'adm_fuzz_real', tenantId: tenant.access.tenant.id, userId: adminUser.id, status: 'confirmed' } });
  const pair = await generateJwkPair('ecdh');
  const operator = { id: operatorUser.id, email: OPERATOR.email } as CurrentUser;
  bearer.proxy = (await createDeployment(operator, { name: 'fuzz-proxy', environmentId: 'env_fuzz', publicJwk: pair.publicJwk as never })).apiKey;
  bearer.vendor = (await createApiToken(operator, { name: 'fuzz', scope: 'write', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } as never)).token;
  await closeDatabase();

  const started = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data` });
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  server = started.server;
  clients.operator = new BrokerClient(server.url);
  clients.admin = new BrokerClient(server.url);
  expect((await clients.operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  expect((await clients.admin.signIn(ADMIN.email, ADMIN.passphrase)).ok).toBe(true);
  // The fingerprint is taken with the broker stopped (PGlite allows one process), after the sign-ins.
  await server.stop();
  const snapshot = await initDatabase({ env: testDb.env });
  before = await fingerprint(snapshot);
  await closeDatabase();
  const restarted = await startBroker({ ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, DATA_DIR: `${testDb.dir}/data`, PORT: new URL(server.url).port });
  if (!restarted.ok) throw new Error(`broker did not restart:\n${restarted.output}`);
  server = restarted.server;
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

// ---------------------------------------------------------------- cases

type Case = { method: Method; url: string; principal: Principal; body?: Body; label: string };

function fillPath(route: Route, ids: readonly string[]): string {
  let url = route.template;
  for (const name of route.params) {
    const value = name === 'path' ? `${pick(ids)}/${pick(ids)}` : pick(ids);
    url = url.replace(route.template.includes(`[...${name}]`) ? `[...${name}]` : `[${name}]`, value);
  }
  return url;
}

/** Percent-encodes, sending a lone surrogate as the invalid UTF-8 it would be. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function query(): string {
  const r = random();
  if (r < 0.5) return '';
  if (r < 0.7) return `?${pick(['cursor', 'limit', 'q', 'wait', 'sort', 'status', 'tenant', 'x'])}=${encode(pick([...NASTY_IDS, ...UNICODE.map((u) => u.slice(0, 100))])).slice(0, 2000)}`;
  if (r < 0.85) return `?limit=${pick(['-1', '1e9', 'NaN', '0x10', ''])}&limit=2&wait=${pick(['-1', '61', '1.5', ''])}`;
  return `?${'a=1&'.repeat(500)}`;
}

function makeCase(routes: Route[]): Case {
  const route = pick(routes);
  const { method, takesBody } = pick(route.methods);
  const write = method !== 'GET';
  // A bodiless write without ids (e.g. "start TOTP enrolment") would simply be performed with real
  // credentials: those are fuzzed anonymously or with garbage credentials only.
  const mayBeReal = !write || takesBody || route.params.length > 0;
  const principal = pick<Principal>(mayBeReal ? ['anonymous', 'garbage-bearer', 'operator', 'admin', 'proxy', 'vendor'] : ['anonymous', 'garbage-bearer']);
  const real = principal !== 'anonymous' && principal !== 'garbage-bearer';
  // With real credentials a write must be malformed for sure: a malformed body where one is parsed,
  // otherwise ids that cannot exist (a bodiless write to a real id would be a legitimate action).
  const ids = real && write && !takesBody ? NASTY_IDS : [...NASTY_IDS, ...REAL_IDS, ...REAL_IDS];
  const url = `${fillPath(route, ids)}${write ? '' : query()}`;
  if (!write) return { method, url, principal, label: `${principal} GET ${route.template}` };
  const body = pick(real && takesBody ? MALFORMED : ANY_BODY)();
  return { method, url, principal, body, label: `${principal} ${method} ${route.template} (${body.name})` };
}

async function send(c: Case): Promise<number> {
  const headers: Record<string, string> = {};
  if (c.body?.contentType) headers['content-type'] = c.body.contentType;
  if (c.principal === 'garbage-bearer') headers.authorization = pick(['Bearer cmkp_', `Bearer cmkv_${'A'.repeat(43)}`, 'Bearer ../../', 'Basic Zm9vOmJhcg==', `Bearer ${'x'.repeat(8000)}`]);
  if (c.principal === 'proxy') headers.authorization = `Bearer ${bearer.proxy}`;
  if (c.principal === 'vendor') headers.authorization = `Bearer ${bearer.vendor}`;
  if (c.method !== 'GET') headers.origin = new URL(server.url).origin;
  const init = { method: c.method, headers, body: c.body?.body as string | undefined };
  try {
    const response = c.principal === 'operator' || c.principal === 'admin' ? await clients[c.principal].fetch(c.url, init) : await fetch(new URL(c.url, server.url), { ...init, redirect: 'manual' });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    // The client itself refused to send it (e.g. an invalid header value): not a server answer.
    if (error instanceof TypeError && /header|ByteString|Invalid URL/i.test(String(error.message) + String((error as { cause?: unknown }).cause))) return 0;
    throw error;
  }
}

describe(`bad input across every API route on ${backend}`, () => {
  it('refuses paths that do not decode, or hold a NUL, with 400 problem+json (pages and API alike)', async () => {
    for (const bad of ['/api/v1/tenants/%ff%fe/admins', '/api/v1/tenants/%ED%A0%80/keys', '/api/v1/tenants/acme%00/admins', '/t/%ff/configs', '/%E2%82']) {
      const response = await fetch(new URL(bad, server.url), { redirect: 'manual' });
      expect(response.status, bad).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('bad_request');
    }
  });

  it('refuses a NUL character in an otherwise well-formed request with 400 validation_failed, for every kind of caller', async () => {
    const cases: Case[] = [
      { method: 'POST', url: '/api/v1/proxy/status', principal: 'proxy', label: 'proxy status', body: { name: 'nul', contentType: 'application/json', body: '{"cursor":null,"tenants":[{"tenantId":"a\\u0000","seq":1}],"errors":[]}' } },
      { method: 'GET', url: '/api/v1/operator/tenants?q=%00', principal: 'operator', label: 'operator search' },
      { method: 'GET', url: '/api/v1/vendor/tenants?q=%00', principal: 'vendor', label: 'vendor search' },
      { method: 'GET', url: '/api/v1/tenants/acme/audit?actor=%00', principal: 'admin', label: 'tenant audit filter' },
    ];
    for (const c of cases) expect(await send(c), c.label).toBe(400);
  });

  it(`${REQUESTS} malformed requests: no 5xx, no stored data changed (seed ${SEED})`, async () => {
    const routes = discoverRoutes();
    expect(routes.length).toBeGreaterThan(30);
    const cases = Array.from({ length: REQUESTS }, () => makeCase(routes));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const c = cases[next++] as Case;
          const status = await send(c);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) failures.push(`${status} ${c.label} ${c.url.slice(0, 200)}`);
        }
      }),
    );
    console.log(`fuzz seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    expect(failures, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(statuses.get(0) ?? 0).toBeLessThan(REQUESTS / 10);

    await server.stop();
    const db = await initDatabase({ env: testDb.env });
    const after = await fingerprint(db);
    await closeDatabase();
    expect(after).toEqual(before);
  }, 900_000);
});
