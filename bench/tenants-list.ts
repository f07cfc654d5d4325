// The operators' tenant list at scale: seeds N tenants (default 10 000, real
// keys and sealed configurations, lib/testing/tenant-mix.ts) into a fresh
// embedded database — and into a temporary PostgreSQL cluster when its
// binaries exist — starts the production broker (scripts/start.ts), signs
// in an operator and times the tenants page (HTML) and the list API with
// several searches, filters, sorts and a deep keyset page.
//
// Times are measured by the client on the same machine (localhost, HTTP/1.1
// keep-alive, sequential requests): request sent → body fully read. That is
// server time plus a loopback round trip (well under a millisecond).
//
//   npm run bench -- tenants-list [--count 10000] [--runs 40] [--backend pglite|postgresql|both]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TTenantListPage } from '@/lib/schemas/tenant-list';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { startBroker } from '@/lib/testing/server-process';
import { seedTenantMix } from '@/lib/testing/tenant-mix';
import type { BenchSummary } from './lib/broker';
import { withBenchPostgres } from './lib/pg-bench';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
const OPERATOR = { email: 'bench@vendor.example', passphrase: `bench quartz lantern ${randomBytes(4).toString('hex')}` };

type Scenario = { name: string; path: string | ((client: BrokerClient) => Promise<string>) };

const API = '/api/v1/operator/tenants';
const SCENARIOS: Scenario[] = [
  { name: 'page /operator (HTML)', path: '/operator' },
  { name: 'page /operator?q=…&hasSiem=true (HTML)', path: '/operator?q=bench-0042&hasSiem=true&sort=lastChangeAt&order=desc' },
  { name: 'API first page (id asc, 50)', path: `${API}?limit=50` },
  { name: 'API sort lastChangeAt desc', path: `${API}?sort=lastChangeAt&order=desc` },
  { name: 'API sort name desc, 200 rows', path: `${API}?sort=displayName&order=desc&limit=200` },
  { name: 'API search id substring', path: `${API}?q=bench-0042` },
  { name: 'API search admin email', path: `${API}?q=admin-0099` },
  { name: 'API status=invited', path: `${API}?status=invited` },
  { name: 'API propagationIncomplete', path: `${API}?propagationIncomplete=true` },
  { name: 'API proxyErrors', path: `${API}?proxyErrors=true` },
  { name: 'API approvalPending + hasSiem=false', path: `${API}?approvalPending=true&hasSiem=false` },
  { name: 'API hasPrimaryKms + env + sort createdAt', path: `${API}?hasPrimaryKms=true&environment=bench&sort=createdAt&order=desc` },
  {
    name: 'API deep keyset page (after 5 000 rows)',
    path: async (client) => {
      let cursor = '';
      for (let i = 0; i < 25; i++) {
        const page = (await (await client.fetch(`${API}?sort=lastChangeAt&order=desc&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as TTenantListPage;
        if (!page.nextCursor) break;
        cursor = encodeURIComponent(page.nextCursor);
      }
      return `${API}?sort=lastChangeAt&order=desc&limit=50&cursor=${cursor}`;
    },
  },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

async function seed(env: { PGLITE_DIR: string; DATABASE_URL?: string }, count: number) {
  const db = await initDatabase({ env: { ...env, DATABASE_POOL_MAX: 5 }, migrate: true });
  const account = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  const operator = await createUser(db.prisma, await prepareAccount({ ...account.body, email: OPERATOR.email } as never, true));
  await db.prisma.environment.create({ data: { id: 'env_bench', slug: 'bench', displayName: 'Bench' } });
  const deployments = [];
  for (const name of ['bench-proxy-a', 'bench-proxy-b']) {
    const pair = await generateJwkPair('ecdh');
    const created = await createDeployment({ id: operator.id } as CurrentUser, { name, environmentId: 'env_bench', publicJwk: pair.publicJwk as never });
    deployments.push({ id: created.deployment.id, kid: created.deployment.kid, publicJwk: pair.publicJwk });
  }
  const started = Date.now();
  const counts = await seedTenantMix(db.prisma, {
    environmentId: 'env_bench',
    count,
    prefix: 'bench',
    deployments,
    onProgress: (done, total) => {
      if (done % 2500 < 250 || done === total) console.log(`  seeded ${done}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  await closeDatabase();
  return counts;
}

async function measure(backend: string, env: Record<string, string>, runs: number) {
  // startBroker waits for the "broker listening" line, which is logged at info.
  const started = await startBroker({ ...SECRETS, ...env, LOG_LEVEL: 'info' }, 600_000);
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  const server = started.server;
  const rows: string[][] = [];
  try {
    const client = new BrokerClient(server.url);
    if (!(await client.signIn(OPERATOR.email, OPERATOR.passphrase)).ok) throw new Error('the bench operator could not sign in');
    for (const scenario of SCENARIOS) {
      const url = typeof scenario.path === 'string' ? scenario.path : await scenario.path(client);
      let note = '';
      const times: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const t0 = performance.now();
        const response = await client.fetch(url);
        const body = await response.text();
        const ms = performance.now() - t0;
        if (response.status !== 200) throw new Error(`${scenario.name}: HTTP ${response.status} ${body.slice(0, 200)}`);
        if (i >= 3) times.push(ms);
        if (i === 0 && url.startsWith(API)) {
          const page = JSON.parse(body) as TTenantListPage;
          note = `${page.rows.length} of ${page.total}`;
        }
      }
      times.sort((a, b) => a - b);
      rows.push([backend, scenario.name, percentile(times, 50).toFixed(1), percentile(times, 95).toFixed(1), note || 'HTML']);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

function printTable(rows: string[][]) {
  const head = ['backend', 'request', 'p50 ms', 'p95 ms', 'rows'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i >= 2 && i <= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { count: { type: 'string', default: '10000' }, runs: { type: 'string', default: '40' }, backend: { type: 'string', default: 'both' } }, strict: true });
  const count = Number(values.count);
  const runs = Number(values.runs);
  Object.assign(process.env, SECRETS, { LOG_LEVEL: 'warn' });
  const rows: string[][] = [];
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-'));
  try {
    if (values.backend !== 'postgresql') {
      console.log(`PGlite: seeding ${count} tenants…`);
      const env = { PGLITE_DIR: path.join(base, 'pglite') };
      console.log(`  ${JSON.stringify(await seed(env, count))}`);
      rows.push(...(await measure('PGlite', { ...env, DATA_DIR: path.join(base, 'data-pglite'), DATABASE_URL: '' }, runs)));
    }
    if (values.backend !== 'pglite') {
      await withBenchPostgres(async (url, version) => {
        console.log(`PostgreSQL (${version}): seeding ${count} tenants…`);
        const env = { PGLITE_DIR: path.join(base, 'unused'), DATABASE_URL: url };
        console.log(`  ${JSON.stringify(await seed(env, count))}`);
        rows.push(...(await measure('PostgreSQL', { ...env, DATA_DIR: path.join(base, 'data-pg') }, runs)));
      });
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  console.log(`\n${count} tenants, ${runs} sequential requests per row after 3 warm-ups; client-side time on localhost (request → full body).\n`);
  printTable(rows);
  return rows.filter((r) => r[1] === 'API first page (id asc, 50)' || r[1] === 'page /operator (HTML)').map((r) => ({ measure: `tenants list ${r[0]}: ${r[1]} p50/p95 ms`, value: `${r[2]} / ${r[3]}` }));
}
