// One Tenant Security Proxy serving 10 000 tenants (issue 24, benchmark 4).
// The fleet is seeded as bench/full-sync.ts seeds it (10 000 tenants × 3
// configurations by default — an AWS KMS, a Splunk HEC and a Vault Transit
// configuration each, real keys and crypto, not timed), the production broker
// serves it on the embedded database, and the real TSP process
// (scripts/tsp.ts, bench/lib/fleet-tsp.ts) starts against it on the same
// machine. Reported:
//
//   start → /ready 200     from spawning the TSP until its first full sync is verified and /ready answers 200
//   memory after ready     the TSP's resident set and V8 heap, then again after the wrap load
//   first wrap per tenant  one wrap for every tenant in turn (each its first: STS AssumeRole, then KMS Encrypt)
//   wrap, random tenant    each request names a tenant drawn at random from all of them
//   bare node:http echo    the same connections and a body of the same size: the limit on these cores
//
// The KMS is the AWS KMS protocol double (every tenant's configuration names
// the same example key and role; each wrap still carries its own tenant in
// the encryption context) in its own process, without delay: the wrap rows
// measure the TSP's own cost at this many tenants, not a cloud round trip.
//
//   npm run bench -- tsp-scale [--tenants 10000] [--configs 3] [--seconds 5] [--connections 32] [--live-heap] [--heap-snapshot DIR]
//
// --live-heap: the TSP collects its garbage (two full collections) before each memory reading.
// --heap-snapshot DIR: the TSP writes a V8 heap snapshot into DIR after ready and after the load
// (for Chrome's memory tool; about the heap's size each, and slow at 10 000 tenants).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { freePort } from '@/scripts/lib/pg-cluster';
import { BENCH_SECRETS, memoryOf, printTable, seedBenchWorld, spawnQuiet, stopChild, type BenchSummary } from './lib/broker';
import { ECHO_SERVER, WARM_UP_S } from './lib/autocannon-load';
import { startFleetServices, startTspProcess } from './lib/fleet-tsp';
import { httpRow, ms, positiveOptions, type TLatencyRow } from './lib/tsp-latency';

const USAGE = 'usage: tsp-scale [--tenants 10000] [--configs 3] [--seconds 5] [--connections 32] [--live-heap] [--heap-snapshot DIR]';

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { tenants: { type: 'string', default: '10000' }, configs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' }, 'live-heap': { type: 'boolean', default: false }, 'heap-snapshot': { type: 'string' } }, strict: true });
  const { 'live-heap': liveHeap, 'heap-snapshot': snapshotDir, ...counts } = values;
  const { tenants, configs, seconds, connections } = positiveOptions(counts, ['tenants', 'configs', 'connections'], USAGE);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-tsp-scale-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const seedStarted = Date.now();
    console.log(`seeding ${tenants} tenants × ${configs} configurations (not timed)…`);
    const world = await seedBenchWorld(path.join(base, 'pglite'), tenants, configs, (done) => console.log(`  ${done}/${tenants} (${Math.round((Date.now() - seedStarted) / 1000)} s)`));
    const { kms, credentialsFile, pinsFile } = await startFleetServices(base, world.credentials, stops);

    console.log('starting the TSP…');
    const tsp = await startTspProcess({ credentialsFile, pinsFile, kmsUrl: kms.url, liveHeap: liveHeap });
    stops.push(() => stopChild(tsp.child));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ready = await tsp.memory();
    if (snapshotDir) await tsp.heapSnapshot(path.resolve(snapshotDir, 'tsp-scale-ready.heapsnapshot'));
    const served = ((await (await fetch(`${tsp.healthUrl}/health`)).json()) as { tenants: number }).tenants;
    if (served !== tenants) throw new Error(`the TSP serves ${served} tenants, not ${tenants}`);

    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    stops.push(() => stopChild(echo.child));

    const ids = world.fleet.map((t) => t.externalId);
    const headers = { authorization: `cmk ${tsp.apiKey}`, 'content-type': 'application/json' };
    const bodyOf = (tenantId: string) => JSON.stringify({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });
    const wrapRequest = (pick: () => string) => [{ method: 'POST' as const, path: '/api/1/document/wrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: bodyOf(pick()) }) }];

    console.log(`first wrap of each of the ${tenants} tenants, ${connections} connections…`);
    let next = 0;
    const firstStarted = performance.now();
    const first = await httpRow('first wrap of each tenant (AssumeRole + Encrypt)', { url: tsp.url, requests: wrapRequest(() => ids[next++ % ids.length] as string), connections: Math.min(connections, tenants), amount: tenants }, 0, 0);
    const firstSeconds = (performance.now() - firstStarted) / 1000;
    first.rps = first.ok / firstSeconds;
    const assumed = await kms.stsCalls();

    const random = () => ids[Math.floor(Math.random() * ids.length)] as string;
    console.log(`wrap, random tenant: ${seconds} s with ${connections} connections…`);
    const wrap = await httpRow(`wrap, random tenant of ${tenants}`, { url: tsp.url, requests: wrapRequest(random), connections }, seconds);
    const loaded = await tsp.memory();
    const assumedAfterLoad = await kms.stsCalls();
    if (snapshotDir) await tsp.heapSnapshot(path.resolve(snapshotDir, 'tsp-scale-loaded.heapsnapshot'));
    const peakMb = memoryOf(tsp.child.pid as number).peakMb;
    console.log(`bare node:http echo: ${seconds} s…`);
    const bare = await httpRow('bare node:http echo', { url: `http://127.0.0.1:${echoPort}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(ids[0] as string), connections }, seconds);

    console.log(`\nOne TSP process, ${tenants} tenants × ${configs} configurations, production broker (PGlite) on the same ${cpus.length} cores.\n`);
    printTable(
      ['measure', 'value'],
      [
        ['TSP start → /ready 200 (s)', (tsp.readyMs / 1000).toFixed(1)],
        ['tenants served (from /health)', String(served)],
        [`after ready: RSS / heap used / heap total (MB)${liveHeap ? ', after GC' : ''}`, `${ready.rssMb.toFixed(0)} / ${ready.heapUsedMb.toFixed(0)} / ${ready.heapTotalMb.toFixed(0)}`],
        [`after the wrap load: RSS / heap used / heap total (MB)${liveHeap ? ', after GC' : ''}`, `${loaded.rssMb.toFixed(0)} / ${loaded.heapUsedMb.toFixed(0)} / ${loaded.heapTotalMb.toFixed(0)}`],
        ['outside the V8 heap, after ready / after the load: external / of it array buffers (MB)', `${ready.externalMb.toFixed(0)} / ${ready.arrayBuffersMb.toFixed(0)}; ${loaded.externalMb.toFixed(0)} / ${loaded.arrayBuffersMb.toFixed(0)}`],
        ['RSS by mapping, after ready / after the load: malloc main heap / anonymous (V8 pages, other arenas) / files (MB)', [ready, loaded].map((m) => (m.residentMb ? `${m.residentMb.brk.toFixed(0)} / ${m.residentMb.anon.toFixed(0)} / ${m.residentMb.file.toFixed(0)}` : 'n/a')).join('; ')],
        ['peak RSS so far (MB)', peakMb.toFixed(0)],
        ['STS AssumeRole calls after the first pass / after the random load (role sessions are kept per configuration, also when its driver is let go)', `${assumed} / ${assumedAfterLoad}`],
      ],
    );
    console.log(`\n${seconds} s per row after a ${WARM_UP_S} s warm-up (the first-wrap row: one pass, no warm-up), ${connections} keep-alive connections (autocannon in this process).\n`);
    const rows: TLatencyRow[] = [first, wrap, bare];
    printTable(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', '× bare'],
      rows.map((r) => [r.name, r.rps.toFixed(0), ms(r.p50), ms(r.p99), ms(r.max), r.errors ? `${r.errors} ${JSON.stringify(r.statuses)}` : '0', (r.rps / bare.rps).toFixed(3)]),
    );
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${JSON.stringify(r.statuses)})`).join(', ')}`);
    return [
      { measure: `TSP with ${tenants} tenants: start → /ready s`, value: (tsp.readyMs / 1000).toFixed(1), target: '< 30' },
      { measure: `TSP with ${tenants} tenants: RSS / heap after ready MB`, value: `${ready.rssMb.toFixed(0)} / ${ready.heapUsedMb.toFixed(0)}`, target: '< 512' },
      { measure: `TSP with ${tenants} tenants: wrap p50 / p99, random tenant`, value: `${ms(wrap.p50)} / ${ms(wrap.p99)} ms, ${wrap.rps.toFixed(0)} req/s (bare ${bare.rps.toFixed(0)})` },
    ];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(base, { recursive: true, force: true });
  }
}
