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
//                    holding one tenant; every connection asks for the same one, so it is
//                    built and signed once per 2 s and shared (lib/server/delivery/poll.ts);
//                    then the same delta asked alone, each time after that window, for the
//                    latency of a bundle built for one request
//
// The broker is the production build (scripts/start.ts) on an embedded
// database seeded with --tenants tenants (real keys, sealed configurations),
// logging at its default level to /dev/null. The load generator is autocannon,
// in this process, on the same 2 cores as the servers.
//
//   npm run bench -- poll-throughput [--duration 10] [--connections 32] [--tenants 100]
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { encodeCursor } from '@/lib/server/delivery/cursor';
import { seedFleet } from '@/lib/testing/fleet';
import { freePort } from '@/scripts/lib/pg-cluster';
import { BENCH_SECRETS, percentile, printTable, type BenchSummary, seedBenchWorld, spawnQuiet, startBenchBroker, stopChild, waitUntilUp } from './lib/broker';

const CONFIGS = '/api/v1/proxy/configs';

type Target = { name: string; url: string; headers?: Record<string, string>; expect: number };
type Row = { name: string; rps: number; p50: number; p99: number; requests: number };

/** The bench world, then one more change: the seq before it is a cursor one change behind. */
async function seed(pgliteDir: string, tenants: number) {
  const world = await seedBenchWorld(pgliteDir, tenants, 1);
  const db = await initDatabase({ env: { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 2 } });
  try {
    const before = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_bench' } })).deliverySeq;
    await seedFleet(db.prisma, { environmentId: 'env_bench', count: 1, configsPerTenant: 1, recipients: world.recipients, prefix: 'late' });
    const now = (await db.prisma.environment.findUniqueOrThrow({ where: { id: 'env_bench' } })).deliverySeq;
    return { apiKey: world.apiKey, deploymentId: world.deploymentId, behind: encodeCursor({ kind: 'delta', seq: before }), current: now };
  } finally {
    await closeDatabase();
  }
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

/** One request at a time, each after the sharing window of lib/server/delivery/poll.ts has passed: the cost of a bundle built for one request. */
async function unsharedDelta(url: string, headers: Record<string, string>, times = 12): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.text();
    if (response.status !== 200) throw new Error(`unshared delta: HTTP ${response.status}`);
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b);
}

function print(rows: Row[]) {
  const floor = rows.find((r) => r.name.startsWith('Next.js floor'))?.rps ?? NaN;
  const bare = rows.find((r) => r.name.startsWith('bare'))?.rps ?? NaN;
  const cells = rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), (r.rps / floor).toFixed(2), (r.rps / bare).toFixed(3), String(r.requests)]);
  printTable(['server', 'req/s', 'p50 ms', 'p99 ms', '× floor', '× bare', 'requests'], cells);
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, tenants: { type: 'string', default: '100' } }, strict: true });
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-poll-'));
  const children: ChildProcess[] = [];
  try {
    console.log(`seeding ${values.tenants} tenants…`);
    const seeded = await seed(path.join(base, 'pglite'), Number(values.tenants));

    const barePort = await freePort();
    const bare = spawnQuiet(['-e', BARE_SERVER], { PORT: String(barePort) });
    children.push(bare.child);
    const broker = await startBenchBroker(path.join(base, 'pglite'), path.join(base, 'data'), { BENCH_FLOOR_ROUTE: '1' });
    children.push(broker.child);
    const origin = broker.origin;
    await waitUntilUp(`http://127.0.0.1:${barePort}/`, bare);

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
      { name: 'ours: delta, 1 tenant (shared build)', url: `${origin}${CONFIGS}?cursor=${seeded.behind}`, headers: auth, expect: 200 },
    ];
    const rows: Row[] = [];
    for (const target of targets) {
      console.log(`${target.name}: ${seconds} s with ${connections} connections…`);
      rows.push(await load(target, seconds, connections));
    }
    console.log(`\n${seconds} s per row after a warm-up, ${connections} keep-alive connections, autocannon on the same machine (${os.cpus().length} cores).\n`);
    print(rows);
    const alone = await unsharedDelta(`${origin}${CONFIGS}?cursor=${seeded.behind}`, auth);
    console.log(`\nThe same 1-tenant delta asked alone, ${alone.length} times, each after the 2 s sharing window (built and signed for that request): p50 ${percentile(alone, 50).toFixed(1)} ms, max ${alone.at(-1)?.toFixed(1)} ms.`);
    const [bareRow, floorRow, oursRow] = rows as [Row, Row, Row];
    return [
      { measure: 'poll 304: our req/s (× Next floor, × bare node:http)', value: `${oursRow.rps.toFixed(0)} (${(oursRow.rps / floorRow.rps).toFixed(2)}, ${(oursRow.rps / bareRow.rps).toFixed(3)})`, target: '≥ 0.8 × floor' },
      { measure: 'poll 304: our p99 ms', value: oursRow.p99.toFixed(1) },
      { measure: 'delta of 1 tenant built for one request: p50 ms', value: percentile(alone, 50).toFixed(1) },
    ];
  } finally {
    for (const child of children) await stopChild(child);
    rmSync(base, { recursive: true, force: true });
  }
}
