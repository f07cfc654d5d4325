// Proxy poll throughput (issue 8, benchmark 1), three servers measured in the
// same run so the ratios hold even when the machine's speed drifts:
//
//   bare node:http   a server that only answers 304 (the limit of this machine)
//   Next.js floor    an empty route handler answering 304 (app/api/v1/bench-floor),
//                    in the same production broker, behind the same node:http layer
//   ours: 304        GET /api/v1/proxy/configs with the API key, cursor and If-None-Match,
//                    when nothing changed — answered from memory in the node:http layer
//                    (lib/server/delivery/fast-path.ts)
//   ours: 304 via Next  the same request made to take the route handler (a repeated
//                    `cursor` parameter, which the fast path leaves to Next): key and seq
//                    still from memory, no database round trip
//   ours: delta      the same endpoint with a cursor one change behind: a signed bundle
//                    holding one tenant, read from the database and signed per request
//
// The broker is the production build (scripts/start.ts) on an embedded
// database seeded with --tenants tenants (real keys, sealed configurations),
// logging at its default level to /dev/null. The load generator is autocannon,
// in this process, on the same 2 cores as the servers.
//
//   npm run bench -- poll-throughput [--duration 10] [--connections 32] [--tenants 100]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { encodeCursor } from '@/lib/server/delivery/cursor';
import { createDeployment } from '@/lib/server/deployments/service';
import { newAccount } from '@/lib/testing/api-client';
import { seedFleet } from '@/lib/testing/fleet';
import { freePort } from '@/scripts/lib/pg-cluster';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
const CONFIGS = '/api/v1/proxy/configs';

type Target = { name: string; url: string; headers?: Record<string, string>; expect: number };
type Row = { name: string; rps: number; p50: number; p99: number; requests: number };

/** A fleet, one deployment all tenants approved, then one more change: the seq before it is a cursor one change behind. */
async function seed(pgliteDir: string, tenants: number) {
  const db = await initDatabase({ env: { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 5 }, migrate: true });
  const account = await newAccount('bench@vendor.example', `bench quartz lantern ${randomBytes(4).toString('hex')}`);
  const operator = await createUser(db.prisma, await prepareAccount({ ...account.body, email: 'bench@vendor.example' } as never, true));
  await db.prisma.environment.create({ data: { id: 'env_bench', slug: 'bench', displayName: 'Bench' } });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: operator.id } as CurrentUser, { name: 'bench-proxy', environmentId: 'env_bench', publicJwk: pair.publicJwk as never });
  const recipients = [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }];
  await seedFleet(db.prisma, { environmentId: 'env_bench', count: tenants, configsPerTenant: 1, recipients, prefix: 'bench' });
  const before = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_bench' } })).deliverySeq;
  await seedFleet(db.prisma, { environmentId: 'env_bench', count: 1, configsPerTenant: 1, recipients, prefix: 'late' });
  const now = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_bench' } })).deliverySeq;
  await closeDatabase();
  return { apiKey: created.apiKey, deploymentId: created.deployment.id, behind: encodeCursor({ kind: 'delta', seq: before }), current: now };
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${log()}`);
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server did not come up:\n${log()}`);
}

/** stdout (access logs) goes nowhere; the last of stderr is kept for a failure message. */
function start(args: string[], env: Record<string, string>): { child: ChildProcess; log: () => string } {
  let tail = '';
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return { child, log: () => tail };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const BARE_SERVER = `
const http = require('node:http');
http.createServer((req, res) => { res.writeHead(304, { etag: '"bench.1"', 'cache-control': 'private, no-cache' }); res.end(); })
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

async function load(target: Target, seconds: number, connections: number): Promise<Row> {
  const run = (duration: number) => autocannon({ url: target.url, headers: target.headers, connections, duration, pipelining: 1 });
  await run(Math.min(2, seconds)); // warm-up (JIT, caches), not counted
  const result = await run(seconds);
  const counted = result.statusCodeStats?.[String(target.expect) as keyof typeof result.statusCodeStats]?.count ?? 0;
  if (result.errors || result.timeouts || counted !== result.requests.total) {
    throw new Error(`${target.name}: ${result.requests.total} requests, ${counted} answered ${target.expect}, ${result.errors} errors, ${result.timeouts} timeouts (${JSON.stringify(result.statusCodeStats)})`);
  }
  return { name: target.name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

function printTable(rows: Row[]) {
  const floor = rows.find((r) => r.name.startsWith('Next.js floor'))?.rps ?? NaN;
  const bare = rows.find((r) => r.name.startsWith('bare'))?.rps ?? NaN;
  const cells = rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), (r.rps / floor).toFixed(2), (r.rps / bare).toFixed(3), String(r.requests)]);
  const head = ['server', 'req/s', 'p50 ms', 'p99 ms', '× floor', '× bare', 'requests'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, tenants: { type: 'string', default: '100' } }, strict: true });
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  Object.assign(process.env, SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-poll-'));
  const children: ChildProcess[] = [];
  try {
    console.log(`seeding ${values.tenants} tenants…`);
    const seeded = await seed(path.join(base, 'pglite'), Number(values.tenants));

    const barePort = await freePort();
    const bare = start(['-e', BARE_SERVER], { PORT: String(barePort) });
    children.push(bare.child);
    const brokerPort = await freePort();
    const broker = start(['scripts/node.mjs', 'scripts/start.ts'], {
      ...SECRETS,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(brokerPort),
      PGLITE_DIR: path.join(base, 'pglite'),
      DATA_DIR: path.join(base, 'data'),
      DATABASE_URL: '',
      DEMO_DATA: 'false',
      BENCH_FLOOR_ROUTE: '1',
    });
    children.push(broker.child);
    const origin = `http://localhost:${brokerPort}`;
    await waitUntilUp(`http://127.0.0.1:${barePort}/`, bare.child, bare.log);
    await waitUntilUp(`${origin}/api/health`, broker.child, broker.log);

    const auth = { authorization: `Bearer ${seeded.apiKey}` };
    const upToDate = encodeCursor({ kind: 'delta', seq: seeded.current });
    const etag = `"${seeded.deploymentId}.${seeded.current}"`;
    const probe = await fetch(`${origin}${CONFIGS}?cursor=${upToDate}`, { headers: { ...auth, 'if-none-match': etag } });
    if (probe.status !== 304) throw new Error(`expected 304 for an up-to-date cursor, got ${probe.status}: ${await probe.text()}`);

    const targets: Target[] = [
      { name: 'bare node:http 304', url: `http://127.0.0.1:${barePort}/`, expect: 304 },
      { name: 'Next.js floor: empty route 304', url: `${origin}/api/v1/bench-floor`, expect: 304 },
      { name: 'ours: 304 (from memory)', url: `${origin}${CONFIGS}?cursor=${upToDate}`, headers: { ...auth, 'if-none-match': etag }, expect: 304 },
      { name: 'ours: 304 via Next route', url: `${origin}${CONFIGS}?cursor=${upToDate}&cursor=${upToDate}`, headers: { ...auth, 'if-none-match': etag }, expect: 304 },
      { name: 'ours: delta, 1 tenant', url: `${origin}${CONFIGS}?cursor=${seeded.behind}`, headers: auth, expect: 200 },
    ];
    const rows: Row[] = [];
    for (const target of targets) {
      console.log(`${target.name}: ${seconds} s with ${connections} connections…`);
      rows.push(await load(target, seconds, connections));
    }
    console.log(`\n${seconds} s per row after a warm-up, ${connections} keep-alive connections, autocannon on the same machine (${os.cpus().length} cores).\n`);
    printTable(rows);
    return 0;
  } finally {
    for (const child of children) await stop(child);
    rmSync(base, { recursive: true, force: true });
  }
}
