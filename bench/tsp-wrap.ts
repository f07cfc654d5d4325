// Tenant Security Proxy wrap/unwrap throughput (TSP issue: benchmark), with
// what bounds it measured in the same run so the ratios hold even when the
// machine's speed drifts:
//
//   TSP document/wrap     POST /api/1/document/wrap: a fresh DEK, Encrypt at the KMS, the EDEK protobuf
//   TSP document/unwrap   POST /api/1/document/unwrap, rotating over EDEKs made beforehand
//   SDK Encrypt, direct   @aws-sdk/client-kms Encrypt straight to the KMS double: same key, same
//                         encryption context, same SDK settings as the TSP's driver
//   SDK Decrypt, direct   Decrypt of ciphertexts made beforehand, likewise
//   bare node:http echo   a server that reads a similar JSON body and answers a small JSON: the limit
//
// The KMS is this repo's AWS KMS protocol double (lib/testing/kms), doing real
// AES-256-GCM and checking every SigV4 signature, on localhost: the figures
// measure the TSP's own cost, not AWS latency. The TSP world (createTsp, its
// AWS SDK driver and the KMS double; lib/testing/tsp-world.ts) runs in one
// child process — this same file, started with TSP_WRAP_BENCH_CHILD=1 — and
// the direct SDK rows run their closed loop inside that process too, so rows
// 1–2 and 3–4 differ by exactly the TSP's work (HTTP server, JSON, checks,
// EDEK encoding). The HTTP load comes from autocannon in this process; the
// echo server is a third process; all on the same cores.
//
//   npm run bench -- tsp-wrap [--seconds 10] [--connections 32] [--tenant quiet|acme]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import autocannon from 'autocannon';
import { freePort } from '@/scripts/lib/pg-cluster';
import { cpuSecondsOf, percentile, printTable, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { closedLoop } from './lib/closed-loop';

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; requests: number };
type ChildReady = { type: 'ready'; url: string; apiKey: string };
type SdkAsk = { type: 'sdk'; operation: 'encrypt' | 'decrypt'; seconds: number; connections: number };
type SdkResult = { type: 'sdk-result'; row: Omit<Row, 'name'> };

const POOL = 256;
const WARM_UP_S = 2;

const ECHO_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (d) => (bytes += d.length));
  req.on('end', () => { const body = JSON.stringify({ ok: true, bytes }); res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** `connections` callers in a closed loop for `seconds`: req/s and latency of what completed. */
async function sdkLoop(seconds: number, connections: number, call: (i: number) => Promise<unknown>): Promise<Omit<Row, 'name'>> {
  const r = await closedLoop(seconds, connections, call);
  return { rps: r.perSecond, p50: r.p50, p99: r.p99, errors: r.errors, requests: r.completed + r.errors };
}

/** The child: a whole TSP world, and the direct SDK loop on demand (over the IPC channel). */
async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const tenant = (process.env.TSP_WRAP_BENCH_TENANT ?? 'quiet') as 'quiet' | 'acme';
  const world = await startTspWorld();
  // Its proxy client keeps long-polling the in-memory broker, which holds each poll while nothing changes.
  const settings = world.kmsConfig[tenant]?.settings as { keyArn: string; region: string; accessKeyId: string; secretAccessKey: string };
  const send = (message: ChildReady | SdkResult) => process.send?.(message);
  // As the TSP's AWS driver builds its client (lib/kms/aws-kms.ts), but one attempt: a retry would hide an error.
  const kms = new KMSClient({
    region: settings.region,
    endpoint: world.kms.url,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true }), requestTimeout: 10_000 },
  });
  const context = { tenantId: tenant };
  const encrypt = async () => (await kms.send(new EncryptCommand({ KeyId: settings.keyArn, Plaintext: randomBytes(32), EncryptionContext: context }))).CiphertextBlob as Uint8Array;
  const blobs: Uint8Array[] = [];
  for (let i = 0; i < POOL; i++) blobs.push(await encrypt());
  const decrypt = (i: number) => kms.send(new DecryptCommand({ KeyId: settings.keyArn, CiphertextBlob: blobs[i % POOL], EncryptionContext: context }));

  process.on('message', (ask: SdkAsk) => {
    void (async () => {
      const call = ask.operation === 'encrypt' ? encrypt : decrypt;
      await sdkLoop(Math.min(WARM_UP_S, ask.seconds), ask.connections, call);
      send({ type: 'sdk-result', row: await sdkLoop(ask.seconds, ask.connections, call) });
    })();
  });
  const stop = async () => {
    kms.destroy();
    await world.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  send({ type: 'ready', url: world.url, apiKey: world.apiKey });
}

function startChild(tenant: string): Promise<{ child: ChildProcess; ready: ChildReady; log: () => string }> {
  let tail = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/tsp-wrap.ts'], {
    env: { ...process.env, TSP_WRAP_BENCH_CHILD: '1', TSP_WRAP_BENCH_TENANT: tenant, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the TSP world exited (${code}):\n${tail}`)));
    child.once('message', (ready: ChildReady) => resolve({ child, ready, log: () => tail }));
  });
}

function askChild(child: ChildProcess, ask: SdkAsk): Promise<Omit<Row, 'name'>> {
  return new Promise((resolve) => {
    child.once('message', (answer: SdkResult) => resolve(answer.row));
    child.send(ask);
  });
}

/** autocannon, with each response's time kept at full precision (its own histogram rounds to whole milliseconds). */
async function load(name: string, options: autocannon.Options, seconds: number): Promise<Row> {
  const run = (duration: number, latencies?: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ ...options, duration, pipelining: 1 }, (error: unknown, result) => (error ? reject(error as Error) : resolve(result)));
      if (latencies) instance.on('response', (_client, status, _bytes, ms) => void (status === 200 && latencies.push(ms)));
    });
  await run(Math.min(WARM_UP_S, seconds)); // warm-up (JIT, keep-alive sockets), not counted
  const latencies: number[] = [];
  const result = await run(seconds, latencies);
  latencies.sort((a, b) => a - b);
  const errors = result.errors + result.timeouts + (result.requests.total - latencies.length);
  return { name, rps: result.requests.average, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, requests: result.requests.total };
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, tenant: { type: 'string', default: 'quiet' } }, strict: true });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const tenant = values.tenant;
  if (!(seconds > 0) || !(connections > 0) || !['quiet', 'acme'].includes(tenant)) throw new Error('usage: tsp-wrap [--seconds N] [--connections N] [--tenant quiet|acme]');
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log('The KMS is a local protocol double of AWS KMS (real AES-256-GCM, every SigV4 signature checked) on 127.0.0.1:');
  console.log('these figures measure the TSP’s own cost, not AWS latency (tens of ms per call in a region).');
  console.log(`Tenant ${tenant}: ${tenant === 'acme' ? 'webhook + Splunk HEC SIEM doubles in the TSP’s process, 2 events per key use' : 'no SIEM configuration, so only the KMS call is on the path'}.\n`);

  const children: ChildProcess[] = [];
  try {
    const world = await startChild(tenant);
    children.push(world.child);
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    children.push(echo.child);
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);

    const headers = { authorization: `cmk ${world.ready.apiKey}`, 'content-type': 'application/json' };
    const meta = { tenantId: tenant, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } };
    const edeks: string[] = [];
    for (let i = 0; i < POOL; i++) {
      const response = await fetch(`${world.ready.url}/api/1/document/wrap`, { method: 'POST', headers, body: JSON.stringify(meta) });
      if (response.status !== 200) throw new Error(`wrap before the run: HTTP ${response.status} ${await response.text()}`);
      edeks.push(((await response.json()) as { edek: string }).edek);
    }
    const unwrapBodies = edeks.map((edek) => JSON.stringify({ ...meta, encryptedDocumentKey: edek }));
    let nextBody = 0;

    // What the world's process does with no API traffic (near nothing, once its proxy client stopped polling).
    const pid = world.child.pid as number;
    const cpuBefore = cpuSecondsOf(pid);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleShare = (cpuSecondsOf(pid) - cpuBefore) / 3;

    const rows: Row[] = [];
    const step = (name: string) => console.log(`${name}: ${seconds} s with ${connections} connections…`);
    step('TSP document/wrap');
    rows.push(await load('TSP document/wrap', { url: `${world.ready.url}/api/1/document/wrap`, method: 'POST', headers, body: JSON.stringify(meta), connections }, seconds));
    step('TSP document/unwrap');
    const unwrap = { method: 'POST' as const, path: '/api/1/document/unwrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: unwrapBodies[nextBody++ % POOL] }) };
    rows.push(await load('TSP document/unwrap', { url: world.ready.url, requests: [unwrap], connections }, seconds));
    step('SDK Encrypt, direct to the double');
    rows.push({ name: 'SDK Encrypt, direct to the double', ...(await askChild(world.child, { type: 'sdk', operation: 'encrypt', seconds, connections })) });
    step('SDK Decrypt, direct to the double');
    rows.push({ name: 'SDK Decrypt, direct to the double', ...(await askChild(world.child, { type: 'sdk', operation: 'decrypt', seconds, connections })) });
    step('bare node:http echo');
    rows.push(await load('bare node:http echo', { url: `http://127.0.0.1:${echoPort}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: unwrapBodies[0], connections }, seconds));

    console.log(`\n${seconds} s per row after a ${WARM_UP_S} s warm-up, ${connections} concurrent keep-alive connections (autocannon; the SDK rows: ${connections} concurrent callers in the TSP world's process).\n`);
    const [wrap, unwrapRow, encrypt, decrypt, bare] = rows as [Row, Row, Row, Row, Row];
    printTable(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests', '× bare'],
      rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), String(r.requests), (r.rps / bare.rps).toFixed(3)]),
    );
    const overhead = (tsp: Row, direct: Row) => `+${(tsp.p50 - direct.p50).toFixed(2)} ms p50, ${((100 * tsp.rps) / direct.rps).toFixed(0)} % of the direct req/s`;
    console.log(`\nThe TSP’s overhead over calling the KMS directly: wrap ${overhead(wrap, encrypt)}; unwrap ${overhead(unwrapRow, decrypt)}.`);
    console.log(`With no API traffic the world's process used ${(100 * idleShare).toFixed(1)} % of a core (its proxy client long-polling an idle broker).`);
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${r.errors})`).join(', ')}`);
    const figure = (r: Row) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms`;
    return [
      { measure: 'TSP wrap (AWS KMS double, localhost)', value: figure(wrap) },
      { measure: 'TSP unwrap (AWS KMS double, localhost)', value: figure(unwrapRow) },
      { measure: 'TSP overhead over direct KMS calls, p50 (wrap / unwrap)', value: `${(wrap.p50 - encrypt.p50).toFixed(2)} / ${(unwrapRow.p50 - decrypt.p50).toFixed(2)} ms` },
    ];
  } finally {
    for (const child of children) await stopChild(child);
  }
}

if (process.env.TSP_WRAP_BENCH_CHILD === '1') await serveChild();
