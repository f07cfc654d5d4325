// Does a slow or dead SIEM slow key use? (issue 22, "A slow sink does not
// raise wrap p99".) Wrap through the TSP for tenant acme, whose every key use
// becomes one event for each of its two SIEM configurations (the webhook and
// Splunk HEC doubles, lib/testing/siem), while those SIEMs are:
//
//   healthy            both doubles answer at once
//   slow (2 s)         every SIEM request waits 2 s before its answer
//   down               every SIEM connection is dropped (the queues retry with backoff)
//
// beside the same wraps for tenant quiet (no SIEM configuration: only the KMS
// call on the path) and a bare node:http echo, the limit, all in one run. The
// TSP world (createTsp, the AWS KMS double, the SIEM doubles; lib/testing/
// tsp-world.ts) runs in a child process (this file with TSP_SIEM_BENCH_CHILD=1);
// the load is autocannon in this process; same cores. The tenant's policy is
// the default "drop": a queue that fills drops its oldest events and counts
// them, which the table shows, while key use goes on.
//
//   npm run bench -- tsp-siem [--seconds 5] [--connections 32]
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { freePort } from '@/scripts/lib/pg-cluster';
import { printTable, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { ECHO_SERVER, loadRow, WARM_UP_S, type TLoadRow } from './lib/autocannon-load';

type TMode = 'healthy' | 'slow' | 'down';
type TStats = { depth: number; dropped: number; delivered: number; failures: number };
type ChildMessage = { type: 'ready'; url: string; apiKey: string } | { type: 'stats'; stats: TStats };
type Row = TLoadRow & { siem?: string };

const SLOW_MS = 2_000;


async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const world = await startTspWorld({});
  const send = (message: ChildMessage) => process.send?.(message);
  const stats = async (): Promise<TStats> => {
    const text = await (await fetch(`${world.healthUrl}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { depth: read('tsp_siem_queue_events'), dropped: read('tsp_siem_dropped_events_total'), delivered: read('tsp_siem_delivered_events_total'), failures: read('tsp_siem_failed_batches_total') };
  };
  process.on('message', (ask: { type: 'mode'; mode: TMode } | { type: 'stats' }) => {
    void (async () => {
      if (ask.type === 'mode') {
        for (const double of [world.webhook, world.splunk]) {
          double.setDelay(ask.mode === 'slow' ? SLOW_MS : 0);
          double.downFor(ask.mode === 'down' ? 3_600_000 : 0);
        }
      }
      send({ type: 'stats', stats: await stats() });
    })();
  });
  const stop = async () => {
    await world.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  send({ type: 'ready', url: world.url, apiKey: world.apiKey });
}

function startChild(): Promise<{ child: ChildProcess; url: string; apiKey: string }> {
  let tail = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/tsp-siem.ts'], {
    env: { ...process.env, TSP_SIEM_BENCH_CHILD: '1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the TSP world exited (${code}):\n${tail}`)));
    child.once('message', (ready: ChildMessage) => (ready.type === 'ready' ? resolve({ child, url: ready.url, apiKey: ready.apiKey }) : reject(new Error('unexpected message'))));
  });
}

function ask(child: ChildProcess, message: { type: 'mode'; mode: TMode } | { type: 'stats' }): Promise<TStats> {
  return new Promise((resolve) => {
    child.once('message', (answer: ChildMessage) => resolve(answer.type === 'stats' ? answer.stats : { depth: 0, dropped: 0, delivered: 0, failures: 0 }));
    child.send(message);
  });
}


function parseArgs(args: string[]): { seconds: number; connections: number } {
  const value = (flag: string, fallback: number) => {
    const at = args.indexOf(flag);
    const parsed = at < 0 ? fallback : Number(args[at + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} takes a positive whole number`);
    return parsed;
  };
  return { seconds: value('--seconds', 5), connections: value('--connections', 32) };
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { seconds, connections } = parseArgs(args);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log('Tenant acme: AWS KMS double and two SIEM configurations (webhook and Splunk HEC doubles), 2 events per wrap, policy drop.');
  console.log('Tenant quiet: the same KMS, no SIEM configuration.\n');
  const children: ChildProcess[] = [];
  try {
    const world = await startChild();
    children.push(world.child);
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    children.push(echo.child);
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);
    const headers = { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' };
    const body = (tenantId: string) => JSON.stringify({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });
    const wrap = (name: string, tenantId: string): Promise<Row> => {
      console.log(`${name}: ${seconds} s with ${connections} connections…`);
      return loadRow(name, { url: `${world.url}/api/1/document/wrap`, method: 'POST', headers, body: body(tenantId), connections }, seconds);
    };

    const rows: Row[] = [];
    rows.push(await wrap('wrap, tenant without SIEM', 'quiet'));
    for (const [mode, label] of [
      ['healthy', 'wrap, SIEMs healthy'],
      ['slow', `wrap, SIEMs slow (${SLOW_MS / 1000} s per request)`],
      ['down', 'wrap, SIEMs down (connections dropped)'],
    ] as const) {
      const before = await ask(world.child, { type: 'mode', mode });
      const row = await wrap(label, 'acme');
      const after = await ask(world.child, { type: 'stats' });
      row.siem = `${after.delivered - before.delivered} delivered, ${after.dropped - before.dropped} dropped, ${after.depth} waiting`;
      rows.push(row);
    }
    await ask(world.child, { type: 'mode', mode: 'healthy' });
    console.log(`bare node:http echo: ${seconds} s…`);
    const bare = await loadRow('bare node:http echo', { url: `http://127.0.0.1:${echoPort}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: body('acme'), connections }, seconds);
    rows.push(bare);

    console.log(`\n${seconds} s per row after a ${WARM_UP_S} s warm-up (the SIEM rows' events from the warm-up count too), ${connections} keep-alive connections.\n`);
    printTable(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'errors', '× bare', 'SIEM events in the row'],
      rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), (r.rps / bare.rps).toFixed(3), r.siem ?? '']),
    );
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${r.errors})`).join(', ')}`);
    const [, healthy, slow, down] = rows as [Row, Row, Row, Row];
    return [
      { measure: 'TSP wrap p99, SIEMs healthy / slow 2 s / down', value: `${healthy.p99.toFixed(1)} / ${slow.p99.toFixed(1)} / ${down.p99.toFixed(1)} ms`, target: 'a slow SIEM does not raise it' },
    ];
  } finally {
    for (const child of children) await stopChild(child);
  }
}

if (process.env.TSP_SIEM_BENCH_CHILD === '1') await serveChild();
