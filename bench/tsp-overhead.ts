// What the Tenant Security Proxy adds to a realistic KMS round trip (issue 24,
// benchmark 1). The AWS KMS double answers every call after 20 ms (its
// delay(20): a cloud KMS in the same region), and wrap and unwrap through the
// TSP stand beside the same SDK calling the double directly —
// @aws-sdk/client-kms Encrypt/Decrypt, the client built as the TSP's AWS
// driver builds it (bench/lib/tsp-wrap-kms.ts, awsDirect) — at 200
// concurrent requests, twice:
//
//   closed loop   200 callers, each sending its next request when the last is answered. On 2 cores this asks
//                 for ~10 000 req/s (200 ÷ 20 ms) of SigV4 signing and checking, which the CPU cannot give: the
//                 rows measure CPU queueing, and the TSP's extra CPU per request shows up as latency.
//   open loop     requests started at a fixed total rate (--rate, default 250/s), evenly spaced, at most 200 in
//                 flight (keep-alive sockets), which the machine sustains with CPU to spare: here the p99
//                 difference is the TSP's own overhead. (Not autocannon's overallRate, which bursts: see
//                 bench/lib/tsp-latency.ts.)
//
// and then "a slow KMS never blocks other tenants": tenant quiet's wraps at
// the same fixed rate, alone and while tenant slow — whose KMS (a Thales
// CipherTrust double, its own endpoint) answers after 2 s — has
// --slow-connections callers wrapping through the same TSP. Every row is
// beside a bare node:http echo driven the same way, in the same run.
//
// The TSP world (createTsp, the real proxy client, the doubles; lib/testing/
// tsp-world.ts) and the direct loops run in one child process (this file
// with TSP_OVERHEAD_BENCH_CHILD=1); autocannon drives the TSP and echo rows
// from this process; the echo server is a third process. All on the same cores.
// The TSP world's process runs with the Node flags `npm run tsp` gives the TSP
// (package.json), unless BENCH_TSP_NODE_FLAGS says otherwise (empty for none).
//
//   npm run bench -- tsp-overhead [--seconds 5] [--connections 200] [--rate 250] [--slow-connections 64]
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { constants as perf, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { freePort } from '@/scripts/lib/pg-cluster';
import { cpuSecondsOf, printTable, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { ECHO_SERVER, WARM_UP_S } from './lib/autocannon-load';
import { tspNodeFlags } from './lib/fleet-tsp';
import { askChild, startIpcChild } from './lib/ipc-child';
import { closedLoopLatencies, httpOpenRow, httpRow, ms, openLoop, positiveOptions, summarise, type TLatencyRow } from './lib/tsp-latency';
import { POOL } from './lib/tsp-wrap-options';

const KMS_DELAY_MS = 20;
const SLOW_KMS_MS = 2_000;
const USAGE = 'usage: tsp-overhead [--seconds 5] [--connections 200] [--rate 250] [--slow-connections 64]';

type TDirectAsk = { type: 'direct'; operation: 'wrap' | 'unwrap'; loop: 'closed' | 'open'; seconds: number; connections: number; rate: number };
/** The TSP world's event loop over a row: its longest delay (ms), and garbage collection's longest pause (ms, and its kind), total (ms) and pauses of 5 ms or more. */
type TPauses = { loopMaxMs: number; gcMaxMs: number; gcMaxKind: string; gcTotalMs: number; gcLong: number };
const GC_KINDS: Record<number, string> = { [perf.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [perf.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weak' };
const LONG_GC_MS = 5;
type TChildMessage = { type: 'ready'; url: string; apiKey: string } | { type: 'direct-result'; latencies: number[]; errors: number; seconds: number } | { type: 'done' } | { type: 'pauses'; pauses: TPauses };
type TChildAsk = TDirectAsk | { type: 'slow'; on: boolean } | { type: 'pauses'; reset: boolean };
type Row = TLatencyRow & { cpu?: number; own?: number; pauses?: TPauses };

async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const { startCipherTrustDouble } = await import('@/lib/testing/kms/ciphertrust-double');
  const { createTenant, publishState, sealTestConfig } = await import('@/lib/testing/bundle-factory');
  const { awsDirect } = await import('./lib/tsp-wrap-kms');
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
  const direct = await awsDirect(world, 'quiet');
  world.kms.delay(KMS_DELAY_MS);
  const send = (message: TChildMessage) => process.send?.(message);
  // Where a tail comes from: a stalled event loop (GC, or the process not given a core) delays every request in it.
  const eventLoop = monitorEventLoopDelay({ resolution: 5 });
  eventLoop.enable();
  const gc = { max: 0, maxKind: '', total: 0, long: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > gc.max) Object.assign(gc, { max: entry.duration, maxKind: GC_KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other' });
      Object.assign(gc, { total: gc.total + entry.duration, long: gc.long + (entry.duration >= LONG_GC_MS ? 1 : 0) });
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (ask: TChildAsk) => {
    void (async () => {
      if (ask.type === 'pauses') {
        send({ type: 'pauses', pauses: { loopMaxMs: eventLoop.max / 1e6, gcMaxMs: gc.max, gcMaxKind: gc.maxKind, gcTotalMs: gc.total, gcLong: gc.long } });
        if (ask.reset) Object.assign(gc, { max: 0, maxKind: '', total: 0, long: 0 }, void eventLoop.reset());
        return;
      }
      if (ask.type === 'slow') {
        ctm.delay(ask.on ? SLOW_KMS_MS : 0);
        return send({ type: 'done' });
      }
      const call = ask.operation === 'wrap' ? () => direct.wrap() : (i: number) => direct.unwrap(i);
      const loop = (seconds: number) => (ask.loop === 'closed' ? closedLoopLatencies(seconds, ask.connections, call) : openLoop(ask.rate, seconds, ask.connections, call));
      await loop(Math.min(WARM_UP_S, ask.seconds));
      const { latencies, errors } = await loop(ask.seconds);
      send({ type: 'direct-result', latencies, errors, seconds: ask.seconds });
    })();
  });
  const stop = async () => {
    direct.close();
    await world.stop();
    await ctm.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  send({ type: 'ready', url: world.url, apiKey: world.apiKey });
}

const ask = (child: ChildProcess, message: TChildAsk) => askChild<TChildMessage>(child, message);

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '200' }, rate: { type: 'string', default: '250' }, 'slow-connections': { type: 'string', default: '64' } }, strict: true });
  const { seconds, connections, rate, 'slow-connections': slowConnections } = positiveOptions(values, ['connections', 'rate', 'slow-connections'], USAGE);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log(`KMS: the AWS KMS protocol double on 127.0.0.1, every call answered after ${KMS_DELAY_MS} ms; tenant quiet (access keys, no SIEM).\n`);
  const children: ChildProcess[] = [];
  try {
    // As in tsp-scale (fleet-tsp.ts): the flags operators run the TSP with, unless BENCH_TSP_NODE_FLAGS says otherwise.
    const nodeFlags = (process.env.BENCH_TSP_NODE_FLAGS ?? tspNodeFlags().join(' ')).split(' ').filter(Boolean);
    console.log(`The TSP world's Node flags: ${nodeFlags.join(' ') || 'none'}.\n`);
    const started = await startIpcChild<TChildMessage>('bench/tsp-overhead.ts', { TSP_OVERHEAD_BENCH_CHILD: '1', LOG_LEVEL: 'silent' }, 'the TSP world', nodeFlags);
    if (started.ready.type !== 'ready') throw new Error('the TSP world sent an unexpected first message');
    const world = { child: started.child, url: started.ready.url, apiKey: started.ready.apiKey };
    children.push(world.child);
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    children.push(echo.child);
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);
    const pid = world.child.pid as number;
    const loadStart = os.loadavg()[0]?.toFixed(2);

    const headers = { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' };
    const metaOf = (tenantId: string) => ({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });
    const wrapBody = JSON.stringify(metaOf('quiet'));
    const unwrapBodies: string[] = [];
    for (let i = 0; i < POOL; i += 32) {
      const edeks = await Promise.all(
        Array.from({ length: 32 }, async () => {
          const response = await fetch(`${world.url}/api/1/document/wrap`, { method: 'POST', headers, body: wrapBody });
          if (response.status !== 200) throw new Error(`wrap before the run: HTTP ${response.status} ${await response.text()}`);
          return ((await response.json()) as { edek: string }).edek;
        }),
      );
      unwrapBodies.push(...edeks.map((edek) => JSON.stringify({ ...metaOf('quiet'), encryptedDocumentKey: edek })));
    }
    let nextBody = 0;
    const unwrapRequests = [{ method: 'POST' as const, path: '/api/1/document/unwrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: unwrapBodies[nextBody++ % POOL] }) }];

    /** A row with the cores the TSP world's process and this one (the load generator) used over it, warm-up included. */
    const measured = async (name: string, measure: () => Promise<TLatencyRow>): Promise<Row> => {
      console.log(`${name}: ${seconds} s…`);
      const cpuBefore = cpuSecondsOf(pid);
      const ownBefore = process.cpuUsage();
      await ask(world.child, { type: 'pauses', reset: true });
      const started = performance.now();
      const row = await measure();
      const wall = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      const pauses = await ask(world.child, { type: 'pauses', reset: true });
      return { ...row, cpu: (cpuSecondsOf(pid) - cpuBefore) / wall, own: (own.user + own.system) / 1e6 / wall, ...(pauses.type === 'pauses' ? { pauses: pauses.pauses } : {}) };
    };
    const direct = (name: string, operation: 'wrap' | 'unwrap', loop: 'closed' | 'open') =>
      measured(name, async () => {
        const answer = await ask(world.child, { type: 'direct', operation, loop, seconds, connections, rate });
        if (answer.type !== 'direct-result') throw new Error('unexpected answer');
        return summarise(name, answer.latencies, answer.seconds, answer.errors);
      });
    const echoUrl = `http://127.0.0.1:${echoPort}/`;
    const echoBody = unwrapBodies[0] as string;
    const closed: Row[] = [];
    closed.push(await measured('TSP wrap, closed loop', () => httpRow('TSP wrap, closed loop', { url: `${world.url}/api/1/document/wrap`, method: 'POST', headers, body: wrapBody, connections }, seconds)));
    closed.push(await measured('TSP unwrap, closed loop', () => httpRow('TSP unwrap, closed loop', { url: world.url, requests: unwrapRequests, connections }, seconds)));
    closed.push(await direct('SDK Encrypt direct, closed loop', 'wrap', 'closed'));
    closed.push(await direct('SDK Decrypt direct, closed loop', 'unwrap', 'closed'));
    closed.push(await measured('bare node:http echo, closed loop', () => httpRow('bare node:http echo, closed loop', { url: echoUrl, method: 'POST', headers: { 'content-type': 'application/json' }, body: echoBody, connections }, seconds)));
    const quietWrap = (name: string) => httpOpenRow(name, { url: `${world.url}/api/1/document/wrap`, headers, body: () => wrapBody }, rate, seconds, connections);
    const open: Row[] = [];
    open.push(await measured('TSP wrap, open loop', () => quietWrap('TSP wrap, open loop')));
    open.push(await measured('TSP unwrap, open loop', () => httpOpenRow('TSP unwrap, open loop', { url: `${world.url}/api/1/document/unwrap`, headers, body: (i) => unwrapBodies[i % POOL] as string }, rate, seconds, connections)));
    open.push(await direct('SDK Encrypt direct, open loop', 'wrap', 'open'));
    open.push(await direct('SDK Decrypt direct, open loop', 'unwrap', 'open'));
    open.push(await measured('bare node:http echo, open loop', () => httpOpenRow('bare node:http echo, open loop', { url: echoUrl, headers: { 'content-type': 'application/json' }, body: () => echoBody }, rate, seconds, connections)));

    // A slow KMS beside a healthy one: quiet's wraps at the fixed rate, alone, then with slow's callers waiting on a 2 s KMS.
    const alone = await measured('quiet wrap, alone', () => quietWrap('tenant quiet wrap, alone'));
    // One wrap first, so that slow's driver has its CipherTrust session token before the KMS slows down.
    const warmSlow = await fetch(`${world.url}/api/1/document/wrap`, { method: 'POST', headers, body: JSON.stringify(metaOf('slow')) });
    if (warmSlow.status !== 200) throw new Error(`tenant slow's first wrap: HTTP ${warmSlow.status} ${await warmSlow.text()}`);
    await ask(world.child, { type: 'slow', on: true });
    let slow: TLatencyRow | undefined;
    const beside = await measured('quiet wrap, while tenant slow waits on its 2 s KMS', async () => {
      const slowLoad = httpRow(`tenant slow wrap (KMS ${SLOW_KMS_MS / 1000} s), ${slowConnections} callers`, { url: `${world.url}/api/1/document/wrap`, method: 'POST', headers, body: JSON.stringify(metaOf('slow')), connections: slowConnections }, seconds + WARM_UP_S + 4, 0);
      // The slow tenant's callers are all waiting before quiet's row (warm-up included) starts, and go on until after it ends.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const row = await quietWrap(`tenant quiet wrap, while slow's ${slowConnections} callers wait`);
      slow = await slowLoad;
      return row;
    });
    await ask(world.child, { type: 'slow', on: false });

    const table = (rows: Row[]) =>
      printTable(
        ['row', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'TSP world cores', 'load generator cores', `world: longest loop delay / GC pause (kind), GC total ms, pauses ≥ ${LONG_GC_MS} ms`],
        rows.map((r) => [
          r.name,
          r.rps.toFixed(0),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          r.errors ? `${r.errors} ${JSON.stringify(r.statuses)}` : '0',
          r.cpu === undefined ? '' : r.cpu.toFixed(2),
          r.own === undefined ? '' : r.own.toFixed(2),
          r.pauses ? `${ms(r.pauses.loopMaxMs)} / ${ms(r.pauses.gcMaxMs)} (${r.pauses.gcMaxKind || '-'}), ${r.pauses.gcTotalMs.toFixed(0)}, ${r.pauses.gcLong}` : '',
        ]),
      );
    const overheads = (rows: Row[]) => {
      const [wrap, unwrap, directWrap, directUnwrap] = rows as [Row, Row, Row, Row];
      return { wrap: wrap.p99 - directWrap.p99, unwrap: unwrap.p99 - directUnwrap.p99, wrap50: wrap.p50 - directWrap.p50, unwrap50: unwrap.p50 - directUnwrap.p50 };
    };
    const signed = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;
    const say = (label: string, o: ReturnType<typeof overheads>) => console.log(`${label}: the TSP over the SDK direct, p99 wrap ${signed(o.wrap)} ms, unwrap ${signed(o.unwrap)} ms (p50 ${signed(o.wrap50)} / ${signed(o.unwrap50)} ms).`);
    console.log(`\nLoad average (1 min) at the start / end: ${loadStart} / ${os.loadavg()[0]?.toFixed(2)} (the machine is shared: other work shows here).`);
    console.log(`\nClosed loop: ${connections} concurrent callers each (autocannon connections for the TSP and echo rows; in-process callers in the TSP world's process for the SDK rows); ${seconds} s per row after a ${WARM_UP_S} s warm-up.\n`);
    table(closed);
    console.log(`\nOpen loop: a request started every 1/${rate} s, at most ${connections} in flight (node:http keep-alive sockets from this process; the SDK rows: the same schedule in the TSP world's process).\n`);
    table(open);
    console.log('');
    say('Closed loop (CPU-bound)', overheads(closed));
    say(`Open loop at ${rate}/s`, overheads(open));
    console.log(`\nA slow KMS beside a healthy one: tenant quiet at ${rate} wraps/s, alone and while tenant slow's ${slowConnections} callers wait on a ${SLOW_KMS_MS / 1000} s KMS (its own endpoint) through the same TSP.\n`);
    const slowRow = slow as TLatencyRow;
    table([alone, beside, slowRow]);
    const failed = [...closed, ...open, alone, beside].filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${JSON.stringify(r.statuses)})`).join(', ')}`);
    const o = overheads(open);
    const c = overheads(closed);
    return [
      { measure: `TSP p99 overhead over the SDK, KMS ${KMS_DELAY_MS} ms, open loop ${rate}/s (wrap / unwrap)`, value: `${signed(o.wrap)} / ${signed(o.unwrap)} ms`, target: '< 1 ms' },
      { measure: `TSP p99 overhead over the SDK, KMS ${KMS_DELAY_MS} ms, closed loop ${connections} (wrap / unwrap)`, value: `${signed(c.wrap)} / ${signed(c.unwrap)} ms (CPU-bound)`, target: '< 1 ms' },
      { measure: `quiet wrap p99 alone / beside a ${SLOW_KMS_MS / 1000} s KMS tenant`, value: `${ms(alone.p99)} / ${ms(beside.p99)} ms`, target: 'unchanged' },
    ];
  } finally {
    for (const child of children) await stopChild(child);
  }
}

if (process.env.TSP_OVERHEAD_BENCH_CHILD === '1') await serveChild();
