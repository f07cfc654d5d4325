// What the Tenant Security Proxy adds to a realistic KMS round trip (issue 24,
// benchmark 1), measured as operators run it: the real TSP process
// (scripts/tsp.ts with `npm run tsp`'s Node flags, bench/lib/fleet-tsp.ts),
// the production broker serving it one tenant, and the AWS KMS double in a
// process of its own, answering every call after 20 ms (a cloud KMS in the
// same region). Wrap and unwrap through the TSP stand beside the same SDK
// calling the double directly — @aws-sdk/client-kms Encrypt/Decrypt after one
// AssumeRole, the calls the TSP's AWS driver makes (fleetDirect) — from this
// process, which is the load generator of every row, at 200 concurrent
// requests, twice:
//
//   closed loop   200 callers, each sending its next request when the last is answered. On 2 cores this asks
//                 for ~10 000 req/s (200 ÷ 20 ms) of SigV4 signing and checking, which the CPU cannot give: the
//                 rows measure CPU queueing, and the TSP's extra CPU per request shows up as latency.
//   open loop     requests started at a fixed total rate (--rate, default 250/s), evenly spaced, at most 200 in
//                 flight (keep-alive sockets), which the machine sustains with CPU to spare: here the p99
//                 difference is the TSP's own overhead. (Not autocannon's overallRate, which bursts: see
//                 bench/lib/tsp-latency.ts.) These rows take turns in 1 s slices, the order reversed every other
//                 round (interleavedOpenLoop), each pooling its own: a p99 is decided by a few dozen requests, and
//                 a moment of other work on this shared machine then falls on every row alike instead of on
//                 whichever ran during it.
//
// Each row also reports the cores the TSP process and this one used, and what
// held the TSP's event loop (its longest delay and GC pauses, from
// bench/lib/memory-probe.mjs). Then "a slow KMS never blocks other tenants":
// tenant quiet's wraps at the same fixed rate, alone and while tenant slow —
// whose KMS (a Thales CipherTrust double, its own endpoint) answers after
// 2 s — has --slow-connections callers wrapping through the same TSP; these
// rows use the TSP world (createTsp, the real proxy client, the doubles;
// lib/testing/tsp-world.ts) in one child process (this file with
// TSP_OVERHEAD_BENCH_CHILD=1), with the same Node flags. Every row is beside a
// bare node:http echo (a process of its own) driven the same way, in the same
// run. BENCH_TSP_NODE_FLAGS replaces the TSP's Node flags (empty for none).
//
//   npm run bench -- tsp-overhead [--seconds 5] [--connections 200] [--rate 250] [--slow-connections 64]
//                                 [--broker lowest|normal] [--rows all|open] [--gc-trace FILE] [--tsp-core N]
//
// The broker the TSP polls is not measured (in production it runs on other machines): it runs at the lowest
// CPU priority (nice 19, every thread; bench/lib/bystander.ts), because on these 2 cores its idle garbage
// collections otherwise take both cores for up to ~100 ms at a time, and the processes measured wait
// behind them (docs/performance.md, "Latest: the broker's collector, and this machine's noise floor").
// --broker normal leaves it at the priority of every other process, to see that. The open-loop rows also count
// their requests over twice the KMS's time, in all and slice by slice: a p99 is decided by the slowest 1 %
// alone, while this count grows with every hold, and a burst in one slice is one event.
//
// --rows open: the open-loop rows alone (no closed-loop or slow-KMS rows), for runs long enough that rare holds
// average out between the rows (a 30 s row sees three to five; docs/performance.md).
// --tsp-core N: the TSP's threads on core N alone (taskset), this process and every other it starts on the
// remaining cores; the slow-KMS rows' TSP world shares those.
// --gc-trace FILE: the TSP also runs with --trace-gc, and FILE gets each of its collections (time read, kind,
// heap before → after, pause), to set beside the rows' start times, which the run then prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { freePort } from '@/scripts/lib/pg-cluster';
import { BENCH_SECRETS, cpuSecondsOf, printTable, seedBenchWorld, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { ECHO_SERVER, WARM_UP_S } from './lib/autocannon-load';
import { lowestPriority } from './lib/bystander';
import { benchTspNodeFlags, fleetDirect, startFleetServices, startTspProcess, type TPauses } from './lib/fleet-tsp';
import { askChild, startIpcChild } from './lib/ipc-child';
import { closedLoopLatencies, httpCaller, httpOpenRow, httpRow, interleavedOpenLoop, ms, openLoop, positiveOptions, summarise, type TLatencyRow } from './lib/tsp-latency';
import { POOL } from './lib/tsp-wrap-options';

const KMS_DELAY_MS = 20;
const SLOW_KMS_MS = 2_000;
const LONG_GC_MS = 5;
/** A request held this long took twice the KMS's time: the open-loop rows count them (a p99 is decided by the slowest 1 %; this count by every hold). */
const SLOW_MS = 2 * KMS_DELAY_MS;
/** The open-loop rows' turns (interleavedOpenLoop). */
const SLICE_S = 1;
const USAGE = 'usage: tsp-overhead [--seconds 5] [--connections 200] [--rate 250] [--slow-connections 64] [--broker lowest|normal] [--rows all|open] [--gc-trace FILE] [--tsp-core N]';
const PROBE = path.join(import.meta.dirname, 'lib', 'memory-probe.mjs');

type TChildMessage = { type: 'ready'; url: string; apiKey: string } | { type: 'done' };
type Row = TLatencyRow & { cpu?: number; own?: number; pauses?: TPauses; /** Open-loop rows: requests that took over SLOW_MS. */ slow?: number };

/** The TSP world for the slow-KMS rows: tenants quiet (AWS double) and slow (a CipherTrust double whose delay the parent sets). */
async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const { startCipherTrustDouble } = await import('@/lib/testing/kms/ciphertrust-double');
  const { createTenant, publishState, sealTestConfig } = await import('@/lib/testing/bundle-factory');
  const ctm = await startCipherTrustDouble();
  const settings = ctm.settings(ctm.createKey({ name: 'bench-slow' }), ctm.addUser({ username: 'cmk-bench' }));
  const world = await startTspWorld({
    // Above the slow KMS's 2 s, so its calls complete (slowly) instead of all timing out.
    kms: { timeoutMs: 5_000 },
    extraTenants: async (deployment) => {
      const tenant = await createTenant('slow', [deployment]);
      await sealTestConfig(tenant, { provider: 'thales-ciphertrust', settings, primary: true });
      await publishState(tenant);
      return [tenant];
    },
  });
  world.kms.delay(KMS_DELAY_MS);
  const send = (message: TChildMessage) => process.send?.(message);
  // Only { type: 'slow' } is this handler's; the preloaded memory probe answers { pauses }.
  process.on('message', (ask: { type?: string; on?: boolean }) => {
    if (ask.type !== 'slow') return;
    ctm.delay(ask.on ? SLOW_KMS_MS : 0);
    send({ type: 'done' });
  });
  const stop = async () => {
    await world.stop();
    await ctm.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  send({ type: 'ready', url: world.url, apiKey: world.apiKey });
}

const metaOf = (tenantId: string) => ({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });

/** POOL EDEKs of `tenantId`, wrapped through the TSP at `url` before the run, as unwrap request bodies. */
async function unwrapBodiesOf(url: string, headers: Record<string, string>, tenantId: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < POOL; i += 32) {
    const edeks = await Promise.all(
      Array.from({ length: 32 }, async () => {
        const response = await fetch(`${url}/api/1/document/wrap`, { method: 'POST', headers, body: JSON.stringify(metaOf(tenantId)) });
        if (response.status !== 200) throw new Error(`wrap before the run: HTTP ${response.status} ${await response.text()}`);
        return ((await response.json()) as { edek: string }).edek;
      }),
    );
    bodies.push(...edeks.map((edek) => JSON.stringify({ ...metaOf(tenantId), encryptedDocumentKey: edek })));
  }
  return bodies;
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '200' }, rate: { type: 'string', default: '250' }, 'slow-connections': { type: 'string', default: '64' }, 'gc-trace': { type: 'string' }, 'tsp-core': { type: 'string' }, broker: { type: 'string', default: 'lowest' }, rows: { type: 'string', default: 'all' } }, strict: true });
  const { 'gc-trace': gcTraceFile, 'tsp-core': tspCore, broker: brokerPriority, rows: which, ...counts } = values;
  if (which !== 'all' && which !== 'open') throw new Error(`--rows takes all or open, not ${JSON.stringify(which)}\n${USAGE}`);
  if (brokerPriority !== 'lowest' && brokerPriority !== 'normal') throw new Error(`--broker takes lowest or normal, not ${JSON.stringify(brokerPriority)}\n${USAGE}`);
  if (tspCore !== undefined && !(/^\d+$/.test(tspCore) && Number(tspCore) < os.cpus().length && os.cpus().length > 1)) throw new Error(`--tsp-core takes a core number below ${os.cpus().length} (and needs 2 cores or more), not ${JSON.stringify(tspCore)}\n${USAGE}`);
  // --tsp-core N: this process (and so every process it starts: broker, KMS double, echo) on the other cores, the TSP's threads on core N.
  const otherCores = os.cpus().map((_, i) => i).filter((i) => String(i) !== tspCore).join(',');
  if (tspCore !== undefined) execFileSync('taskset', ['-a', '-p', '-c', otherCores, String(process.pid)], { stdio: 'ignore' });
  const { seconds, connections, rate, 'slow-connections': slowConnections } = positiveOptions(counts, ['connections', 'rate', 'slow-connections'], USAGE);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log(`KMS: the AWS KMS protocol double on 127.0.0.1 in a process of its own, every call answered after ${KMS_DELAY_MS} ms.`);
  // As in tsp-scale (fleet-tsp.ts): the flags operators run the TSP with, unless BENCH_TSP_NODE_FLAGS says otherwise.
  const nodeFlags = benchTspNodeFlags();
  console.log(`The TSP's Node flags: ${nodeFlags.join(' ') || 'none'}.\n`);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-tsp-overhead-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    console.log('seeding one tenant with an AWS KMS configuration (not timed)…');
    const seeded = await seedBenchWorld(path.join(base, 'pglite'), 1, 1);
    const tenantId = seeded.fleet[0]?.externalId as string;
    const { kms, credentialsFile, pinsFile, brokerPid } = await startFleetServices(base, seeded.credentials, stops);
    if (brokerPriority === 'lowest') console.log(`the broker (not measured) at the lowest CPU priority: nice 19 on its ${lowestPriority(brokerPid)} threads`);
    else console.log('the broker (not measured) at normal CPU priority (--broker normal)');
    console.log('starting the TSP…');
    // --gc-trace FILE: the TSP runs with --trace-gc and its collections go to FILE, each line with the time it was read (the rows print theirs).
    const gcTrace: string[] = [];
    const tsp = await startTspProcess({
      credentialsFile,
      pinsFile,
      kmsUrl: kms.url,
      ...(gcTraceFile ? { nodeFlags: [...nodeFlags, '--trace-gc'], onLogLine: (line: string) => void (/ ms: (Scavenge|Mark-Compact|Minor)/.test(line) && gcTrace.push(`${new Date().toISOString()} ${line}`)) } : {}),
    });
    stops.push(() => stopChild(tsp.child));
    if (tspCore !== undefined) execFileSync('taskset', ['-a', '-p', '-c', tspCore, String(tsp.child.pid)], { stdio: 'ignore' });
    if (gcTraceFile) stops.push(async () => writeFileSync(gcTraceFile, `${gcTrace.join('\n')}\n`));
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    stops.push(() => stopChild(echo.child));
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);
    const pid = tsp.child.pid as number;

    const headers = { authorization: `cmk ${tsp.apiKey}`, 'content-type': 'application/json' };
    const wrapBody = JSON.stringify(metaOf(tenantId));
    const unwrapBodies = await unwrapBodiesOf(tsp.url, headers, tenantId);
    const direct = await fleetDirect(kms.url, tenantId);
    stops.push(async () => direct.close());
    const blobs: Uint8Array[] = [];
    for (let i = 0; i < POOL; i++) blobs.push(await direct.wrap());
    await kms.delay(KMS_DELAY_MS);
    const loadStart = os.loadavg()[0]?.toFixed(2);

    /** A row with the cores the TSP's process and this one (the load generator) used over it, warm-up included, and what held the TSP's event loop. */
    const measured = async (name: string, measure: () => Promise<TLatencyRow>, watched: { pid: number; pauses(reset: boolean): Promise<TPauses> } = { pid, pauses: tsp.pauses }): Promise<Row> => {
      console.log(`${gcTraceFile ? `${new Date().toISOString()} ` : ''}${name}: ${seconds} s…`);
      const cpuBefore = cpuSecondsOf(watched.pid);
      const ownBefore = process.cpuUsage();
      await watched.pauses(true);
      const started = performance.now();
      const row = await measure();
      const wall = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      const pauses = await watched.pauses(true);
      return { ...row, cpu: (cpuSecondsOf(watched.pid) - cpuBefore) / wall, own: (own.user + own.system) / 1e6 / wall, pauses };
    };
    const directRow = (name: string, operation: 'wrap' | 'unwrap', loop: 'closed' | 'open') =>
      measured(name, async () => {
        const call = operation === 'wrap' ? () => direct.wrap() : (i: number) => direct.unwrap(blobs[i % POOL] as Uint8Array);
        const go = (s: number) => (loop === 'closed' ? closedLoopLatencies(s, connections, call) : openLoop(rate, s, connections, call));
        await go(Math.min(WARM_UP_S, seconds));
        const result = await go(seconds);
        const skipped = 'skipped' in result ? (result.skipped as number) : 0;
        return summarise(name, result.latencies, seconds, result.errors + skipped, skipped ? { skipped } : {});
      });
    const echoUrl = `http://127.0.0.1:${echoPort}/`;
    const echoBody = unwrapBodies[0] as string;
    let nextBody = 0;
    const unwrapRequests = [{ method: 'POST' as const, path: '/api/1/document/unwrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: unwrapBodies[nextBody++ % POOL] }) }];
    const closed: Row[] = [];
    if (which === 'all') {
      closed.push(await measured('TSP wrap, closed loop', () => httpRow('TSP wrap, closed loop', { url: `${tsp.url}/api/1/document/wrap`, method: 'POST', headers, body: wrapBody, connections }, seconds)));
      closed.push(await measured('TSP unwrap, closed loop', () => httpRow('TSP unwrap, closed loop', { url: tsp.url, requests: unwrapRequests, connections }, seconds)));
      closed.push(await directRow('SDK Encrypt direct, closed loop', 'wrap', 'closed'));
      closed.push(await directRow('SDK Decrypt direct, closed loop', 'unwrap', 'closed'));
      closed.push(await measured('bare node:http echo, closed loop', () => httpRow('bare node:http echo, closed loop', { url: echoUrl, method: 'POST', headers: { 'content-type': 'application/json' }, body: echoBody, connections }, seconds)));
    }
    // The open-loop rows take turns in 1 s slices (interleavedOpenLoop): each pools its slices, and what else the machine
    // does in those seconds falls on every row alike. Each slice's TSP cores, own cores and TSP pauses are read around it.
    const wrapCaller = httpCaller({ url: `${tsp.url}/api/1/document/wrap`, headers, body: () => wrapBody }, connections);
    const unwrapCaller = httpCaller({ url: `${tsp.url}/api/1/document/unwrap`, headers, body: (i) => unwrapBodies[i % POOL] as string }, connections);
    const echoCaller = httpCaller({ url: echoUrl, headers: { 'content-type': 'application/json' }, body: () => echoBody }, connections);
    stops.push(async () => [wrapCaller, unwrapCaller, echoCaller].forEach((caller) => caller.close()));
    const series = [
      { name: 'TSP wrap, open loop', ...wrapCaller },
      { name: 'TSP unwrap, open loop', ...unwrapCaller },
      { name: 'SDK Encrypt direct, open loop', call: () => direct.wrap() },
      { name: 'SDK Decrypt direct, open loop', call: (i: number) => direct.unwrap(blobs[i % POOL] as Uint8Array) },
      { name: 'bare node:http echo, open loop', ...echoCaller },
    ];
    console.log(`${gcTraceFile ? `${new Date().toISOString()} ` : ''}open loop: ${series.length} rows taking turns in ${SLICE_S} s slices, ${seconds} s each…`);
    const sliced = await interleavedOpenLoop(series, { rate, seconds, connections, sliceSeconds: SLICE_S }, async (_index, slice) => {
      const cpuBefore = cpuSecondsOf(pid);
      const ownBefore = process.cpuUsage();
      await tsp.pauses(true);
      const started = performance.now();
      await slice();
      const wall = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      return { wall, cpu: cpuSecondsOf(pid) - cpuBefore, own: (own.user + own.system) / 1e6, pauses: await tsp.pauses(true) };
    });
    const open: Row[] = sliced.map(({ row, slices, bySlice }) => {
      const wall = slices.reduce((sum, s) => sum + s.wall, 0);
      const longest = slices.reduce((a, b) => (b.pauses.gcMaxMs > a.pauses.gcMaxMs ? b : a)).pauses;
      const pauses: TPauses = {
        loopMaxMs: Math.max(...slices.map((s) => s.pauses.loopMaxMs)),
        gcMaxMs: longest.gcMaxMs,
        gcMaxKind: longest.gcMaxKind,
        gcTotalMs: slices.reduce((sum, s) => sum + s.pauses.gcTotalMs, 0),
        gcLong: slices.reduce((sum, s) => sum + s.pauses.gcLong, 0),
      };
      return { ...row, cpu: slices.reduce((sum, s) => sum + s.cpu, 0) / wall, own: slices.reduce((sum, s) => sum + s.own, 0) / wall, pauses, slow: bySlice.flat().filter((latency) => latency > SLOW_MS).length };
    });
    const loadEnd = os.loadavg()[0]?.toFixed(2);
    // The slow-KMS rows need a second KMS: the TSP world, in its own process; the rows above are done, so the TSP above is stopped first.
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});

    // A slow KMS beside a healthy one: quiet's wraps at the fixed rate, alone, then with slow's callers waiting on a 2 s KMS.
    const slowKmsRows = async (): Promise<{ alone: Row; beside: Row; slow: TLatencyRow }> => {
      console.log('\nstarting the TSP world for the slow-KMS rows…');
      const started = await startIpcChild<TChildMessage>('bench/tsp-overhead.ts', { TSP_OVERHEAD_BENCH_CHILD: '1', LOG_LEVEL: 'silent' }, 'the TSP world', [...nodeFlags, '--import', PROBE]);
      if (started.ready.type !== 'ready') throw new Error('the TSP world sent an unexpected first message');
      const world = { child: started.child, url: started.ready.url, apiKey: started.ready.apiKey };
      stops.push(() => stopChild(world.child));
      const worldHeaders = { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' };
      const worldWatch = { pid: world.child.pid as number, pauses: (reset: boolean) => askChild<TPauses>(world.child, { pauses: reset ? 'reset' : 'keep' }) };
      const quietWrap = (name: string) => httpOpenRow(name, { url: `${world.url}/api/1/document/wrap`, headers: worldHeaders, body: () => JSON.stringify(metaOf('quiet')) }, rate, seconds, connections);
      const alone = await measured('quiet wrap, alone', () => quietWrap('tenant quiet wrap, alone'), worldWatch);
      // One wrap first, so that slow's driver has its CipherTrust session token before the KMS slows down.
      const warmSlow = await fetch(`${world.url}/api/1/document/wrap`, { method: 'POST', headers: worldHeaders, body: JSON.stringify(metaOf('slow')) });
      if (warmSlow.status !== 200) throw new Error(`tenant slow's first wrap: HTTP ${warmSlow.status} ${await warmSlow.text()}`);
      await askChild(world.child, { type: 'slow', on: true });
      let slow: TLatencyRow | undefined;
      const beside = await measured(
        'quiet wrap, while tenant slow waits on its 2 s KMS',
        async () => {
          const slowLoad = httpRow(`tenant slow wrap (KMS ${SLOW_KMS_MS / 1000} s), ${slowConnections} callers`, { url: `${world.url}/api/1/document/wrap`, method: 'POST', headers: worldHeaders, body: JSON.stringify(metaOf('slow')), connections: slowConnections }, seconds + WARM_UP_S + 4, 0);
          // The slow tenant's callers are all waiting before quiet's row (warm-up included) starts, and go on until after it ends.
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          const row = await quietWrap(`tenant quiet wrap, while slow's ${slowConnections} callers wait`);
          slow = await slowLoad;
          return row;
        },
        worldWatch,
      );
      await askChild(world.child, { type: 'slow', on: false });
      return { alone, beside, slow: slow as TLatencyRow };
    };
    const slowKms = which === 'all' ? await slowKmsRows() : undefined;

    const table = (rows: Row[], process: string) => {
      const counted = rows.some((r) => r.slow !== undefined);
      printTable(
        ['row', 'req/s', 'p50 ms', 'p99 ms', 'max ms', ...(counted ? [`over ${SLOW_MS} ms`] : []), 'errors', `${process} cores`, 'load generator cores', `${process}: longest loop delay / GC pause (kind), GC total ms, pauses ≥ ${LONG_GC_MS} ms`],
        rows.map((r) => [
          r.name,
          r.rps.toFixed(0),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          ...(counted ? [String(r.slow ?? '')] : []),
          r.errors ? `${r.errors} ${JSON.stringify(r.statuses)}` : '0',
          r.cpu === undefined ? '' : r.cpu.toFixed(2),
          r.own === undefined ? '' : r.own.toFixed(2),
          r.pauses ? `${ms(r.pauses.loopMaxMs)} / ${ms(r.pauses.gcMaxMs)} (${r.pauses.gcMaxKind || '-'}), ${r.pauses.gcTotalMs.toFixed(0)}, ${r.pauses.gcLong}` : '',
        ]),
      );
    };
    const overheads = (rows: Row[]) => {
      const [wrap, unwrap, directWrap, directUnwrap] = rows as [Row, Row, Row, Row];
      return { wrap: wrap.p99 - directWrap.p99, unwrap: unwrap.p99 - directUnwrap.p99, wrap50: wrap.p50 - directWrap.p50, unwrap50: unwrap.p50 - directUnwrap.p50 };
    };
    const signed = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;
    const say = (label: string, o: ReturnType<typeof overheads>) => console.log(`${label}: the TSP over the SDK direct, p99 wrap ${signed(o.wrap)} ms, unwrap ${signed(o.unwrap)} ms (p50 ${signed(o.wrap50)} / ${signed(o.unwrap50)} ms).`);
    console.log(`\nLoad average (1 min) at the start / end of the overhead rows: ${loadStart} / ${loadEnd} (the machine is shared: other work shows here).`);
    if (closed.length) {
      console.log(`\nClosed loop: ${connections} concurrent callers each (autocannon connections for the TSP and echo rows; in-process SDK callers for the direct rows), all in this process; ${seconds} s per row after a ${WARM_UP_S} s warm-up.\n`);
      table(closed, 'TSP');
    }
    console.log(`\nOpen loop: a request started every 1/${rate} s, at most ${connections} in flight (node:http keep-alive sockets, or SDK calls, from this process); the rows took turns in ${SLICE_S} s slices (the order reversed every other round), ${seconds} s each after a ${Math.min(WARM_UP_S, seconds)} s warm-up, so that the machine's other work falls on all of them alike.\n`);
    table(open, 'TSP');
    // Where each row's slow requests fell, slice by slice in the order run (rounds alternate forward and reversed): a
    // burst in one slice is one event (a pause somewhere on the machine); the same count everywhere would be steady cost.
    console.log(`\nRequests over ${SLOW_MS} ms, slice by slice in the order each row ran (rounds alternate: the order forward, then reversed):`);
    for (const { row, bySlice } of sliced) console.log(`  ${row.name}: ${bySlice.map((latencies) => latencies.filter((latency) => latency > SLOW_MS).length).join(' ')}`);
    console.log('');
    if (closed.length) say('Closed loop (CPU-bound)', overheads(closed));
    say(`Open loop at ${rate}/s`, overheads(open));
    if (slowKms) {
      console.log(`\nA slow KMS beside a healthy one: tenant quiet at ${rate} wraps/s, alone and while tenant slow's ${slowConnections} callers wait on a ${SLOW_KMS_MS / 1000} s KMS (its own endpoint) through the same TSP (the TSP world's process).\n`);
      table([slowKms.alone, slowKms.beside, slowKms.slow], 'TSP world');
    }
    const failed = [...closed, ...open, ...(slowKms ? [slowKms.alone, slowKms.beside] : [])].filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${JSON.stringify(r.statuses)})`).join(', ')}`);
    const o = overheads(open);
    const summary: BenchSummary = [{ measure: `TSP p99 overhead over the SDK, KMS ${KMS_DELAY_MS} ms, open loop ${rate}/s (wrap / unwrap)${brokerPriority === 'normal' ? ', broker at normal priority' : ''}`, value: `${signed(o.wrap)} / ${signed(o.unwrap)} ms`, target: '< 1 ms' }];
    if (closed.length) {
      const c = overheads(closed);
      summary.push({ measure: `TSP p99 overhead over the SDK, KMS ${KMS_DELAY_MS} ms, closed loop ${connections} (wrap / unwrap)`, value: `${signed(c.wrap)} / ${signed(c.unwrap)} ms (CPU-bound)`, target: '< 1 ms' });
    }
    if (slowKms) summary.push({ measure: `quiet wrap p99 alone / beside a ${SLOW_KMS_MS / 1000} s KMS tenant`, value: `${ms(slowKms.alone.p99)} / ${ms(slowKms.beside.p99)} ms`, target: 'unchanged' });
    return summary;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.env.TSP_OVERHEAD_BENCH_CHILD === '1') await serveChild();
