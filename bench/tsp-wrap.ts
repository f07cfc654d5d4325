// Tenant Security Proxy wrap/unwrap throughput (TSP issue: benchmark), per KMS
// driver, with what bounds it measured in the same run so the ratios hold even
// when the machine's speed drifts:
//
//   TSP document/wrap     POST /api/1/document/wrap: a fresh DEK, a wrap at the KMS, the EDEK protobuf
//   TSP document/unwrap   POST /api/1/document/unwrap, rotating over EDEKs made beforehand
//   SDK Encrypt, direct   @aws-sdk/client-kms Encrypt straight to the KMS double: same key, same
//                         encryption context, same SDK settings as the TSP's driver
//   SDK Decrypt, direct   Decrypt of ciphertexts made beforehand, likewise
//   bare node:http echo   a server that reads a similar JSON body and answers a small JSON: the limit
//
// and the same four rows for Google Cloud KMS, Azure Key Vault, HashiCorp
// Vault Transit and Thales CipherTrust Manager: the TSP rows for a tenant whose
// primary KMS is on that provider's double, the direct rows through the same
// client the driver uses (bench/lib/tsp-wrap-kms.ts says what "direct" is for
// each). The KMSs are this repo's protocol doubles (lib/testing/kms), doing
// real cryptography and checking every credential, on localhost: the figures
// measure the TSP's own cost per driver, not cloud latency. The TSP world
// (createTsp, its drivers and the doubles; lib/testing/tsp-world.ts) runs in
// one child process — this same file, started with TSP_WRAP_BENCH_CHILD=1 —
// and the direct rows run their closed loop inside that process too, so a
// driver's TSP rows and its direct rows differ by exactly the TSP's work (HTTP
// server, JSON, checks, the driver above its HTTP client, EDEK encoding). The
// HTTP load comes from autocannon in this process; the echo server is a third
// process; all on the same cores.
//
//   npm run bench -- tsp-wrap [--seconds 3] [--connections 32] [--tenant quiet|acme] [--drivers all|aws,google,azure,vault,ciphertrust]
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type autocannon from 'autocannon';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import { freePort } from '@/scripts/lib/pg-cluster';
import { cpuSecondsOf, printTable, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { ECHO_SERVER, loadRow, WARM_UP_S, type TLoadRow } from './lib/autocannon-load';
import { closedLoop } from './lib/closed-loop';
import { KMS_LABELS, parseKmsList, parseTspWrapArgs, POOL, type TBenchKms } from './lib/tsp-wrap-options';

type Row = TLoadRow;
type ChildReady = { type: 'ready'; url: string; apiKey: string; tenants: Partial<Record<TBenchKms, string>> };
type DirectAsk = { type: 'direct'; kms: TBenchKms; operation: 'wrap' | 'unwrap'; seconds: number; connections: number };
type DirectResult = { type: 'direct-result'; row: Omit<Row, 'name'> };



/** `connections` callers in a closed loop for `seconds`: req/s and latency of what completed. */
async function sdkLoop(seconds: number, connections: number, call: (i: number) => Promise<unknown>): Promise<Omit<Row, 'name'>> {
  const r = await closedLoop(seconds, connections, call);
  return { rps: r.perSecond, p50: r.p50, p99: r.p99, errors: r.errors, requests: r.completed + r.errors };
}

/** The child: a whole TSP world with a tenant on each KMS's double, and the direct loops on demand (over the IPC channel). */
async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const { awsDirect, startKmsSides } = await import('./lib/tsp-wrap-kms');
  const tenant = (process.env.TSP_WRAP_BENCH_TENANT ?? 'quiet') as 'quiet' | 'acme';
  const list = parseKmsList(process.env.TSP_WRAP_BENCH_DRIVERS ?? 'all');
  const sides = await startKmsSides(list);
  const world = await startTspWorld({
    kms: Object.assign({}, ...sides.map((side) => side.kmsOptions)) as Omit<TKmsDriverOptions, 'aws'>,
    extraTenants: (deployment) => Promise.all(sides.map((side) => side.addTenant(deployment))),
  });
  // Its proxy client keeps long-polling the in-memory broker, which holds each poll while nothing changes.
  const direct = new Map(list.includes('aws') ? [['aws' as TBenchKms, await awsDirect(world, tenant)]] : []);
  for (const side of sides) direct.set(side.kms, await side.direct());
  const tenants: Partial<Record<TBenchKms, string>> = Object.fromEntries(sides.map((side) => [side.kms, side.tenantId]));
  if (list.includes('aws')) tenants.aws = tenant;
  const send = (message: ChildReady | DirectResult) => process.send?.(message);

  process.on('message', (ask: DirectAsk) => {
    void (async () => {
      const calls = direct.get(ask.kms);
      if (!calls) throw new Error(`no direct calls for ${ask.kms}`);
      const call = ask.operation === 'wrap' ? () => calls.wrap() : (i: number) => calls.unwrap(i);
      await sdkLoop(Math.min(WARM_UP_S, ask.seconds), ask.connections, call);
      send({ type: 'direct-result', row: await sdkLoop(ask.seconds, ask.connections, call) });
    })();
  });
  const stop = async () => {
    for (const calls of direct.values()) calls.close();
    await world.stop();
    await Promise.all(sides.map((side) => side.stop()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  send({ type: 'ready', url: world.url, apiKey: world.apiKey, tenants });
}

function startChild(tenant: string, drivers: readonly TBenchKms[]): Promise<{ child: ChildProcess; ready: ChildReady; log: () => string }> {
  let tail = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/tsp-wrap.ts'], {
    env: { ...process.env, TSP_WRAP_BENCH_CHILD: '1', TSP_WRAP_BENCH_TENANT: tenant, TSP_WRAP_BENCH_DRIVERS: drivers.join(','), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the TSP world exited (${code}):\n${tail}`)));
    child.once('message', (ready: ChildReady) => resolve({ child, ready, log: () => tail }));
  });
}

function askChild(child: ChildProcess, ask: DirectAsk): Promise<Omit<Row, 'name'>> {
  return new Promise((resolve) => {
    child.once('message', (answer: DirectResult) => resolve(answer.row));
    child.send(ask);
  });
}


/** Each KMS's rows: the TSP's wrap and unwrap for its tenant, and the direct calls they stand beside. */
type KmsRows = { kms: TBenchKms; wrap: Row; unwrap: Row; directWrap: Row; directUnwrap: Row };

/** The AWS rows keep their names from before the other drivers; the others say their KMS. */
function rowNames(kms: TBenchKms): [string, string, string, string] {
  if (kms === 'aws') return ['TSP document/wrap', 'TSP document/unwrap', 'SDK Encrypt, direct to the double', 'SDK Decrypt, direct to the double'];
  const { name, wrap, unwrap } = KMS_LABELS[kms];
  return [`TSP document/wrap, ${name}`, `TSP document/unwrap, ${name}`, `${wrap}, direct to the ${name} double`, `${unwrap}, direct to the ${name} double`];
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { seconds, connections, tenant, drivers } = parseTspWrapArgs(args);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log(`KMSs: ${drivers.map((kms) => KMS_LABELS[kms].name).join(', ')}, each a local protocol double (real cryptography, every credential checked) on 127.0.0.1:`);
  console.log('these figures measure the TSP’s own cost per driver, not cloud latency (tens of ms per call in a region).');
  if (drivers.includes('aws')) console.log(`AWS tenant ${tenant}: ${tenant === 'acme' ? 'webhook + Splunk HEC SIEM doubles in the TSP’s process, 2 events per key use' : 'no SIEM configuration, so only the KMS call is on the path'}.`);
  if (drivers.some((kms) => kms !== 'aws')) console.log('The other drivers’ tenants have no SIEM configuration.');
  console.log('');

  const children: ChildProcess[] = [];
  try {
    const world = await startChild(tenant, drivers);
    children.push(world.child);
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    children.push(echo.child);
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);

    const headers = { authorization: `cmk ${world.ready.apiKey}`, 'content-type': 'application/json' };
    const metaOf = (tenantId: string) => ({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });
    /** POOL unwrap bodies for the tenant, from wraps through the TSP before the run. */
    const unwrapBodiesOf = async (tenantId: string) => {
      const bodies: string[] = [];
      for (let i = 0; i < POOL; i++) {
        const response = await fetch(`${world.ready.url}/api/1/document/wrap`, { method: 'POST', headers, body: JSON.stringify(metaOf(tenantId)) });
        if (response.status !== 200) throw new Error(`wrap for ${tenantId} before the run: HTTP ${response.status} ${await response.text()}`);
        bodies.push(JSON.stringify({ ...metaOf(tenantId), encryptedDocumentKey: ((await response.json()) as { edek: string }).edek }));
      }
      return bodies;
    };
    const unwrapBodies = new Map<TBenchKms, string[]>();
    for (const kms of drivers) unwrapBodies.set(kms, await unwrapBodiesOf(world.ready.tenants[kms] ?? ''));

    // What the world's process does with no API traffic (near nothing, once its proxy client stopped polling).
    const pid = world.child.pid as number;
    const cpuBefore = cpuSecondsOf(pid);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleShare = (cpuSecondsOf(pid) - cpuBefore) / 3;

    const step = (name: string) => console.log(`${name}: ${seconds} s with ${connections} connections…`);
    const measured: KmsRows[] = [];
    for (const kms of drivers) {
      const [wrapName, unwrapName, directWrapName, directUnwrapName] = rowNames(kms);
      const meta = metaOf(world.ready.tenants[kms] ?? '');
      const bodies = unwrapBodies.get(kms) ?? [];
      let nextBody = 0;
      step(wrapName);
      const wrap = await loadRow(wrapName, { url: `${world.ready.url}/api/1/document/wrap`, method: 'POST', headers, body: JSON.stringify(meta), connections }, seconds);
      step(unwrapName);
      const unwrapRequest = { method: 'POST' as const, path: '/api/1/document/unwrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: bodies[nextBody++ % POOL] }) };
      const unwrap = await loadRow(unwrapName, { url: world.ready.url, requests: [unwrapRequest], connections }, seconds);
      step(directWrapName);
      const directWrap = { name: directWrapName, ...(await askChild(world.child, { type: 'direct', kms, operation: 'wrap', seconds, connections })) };
      step(directUnwrapName);
      const directUnwrap = { name: directUnwrapName, ...(await askChild(world.child, { type: 'direct', kms, operation: 'unwrap', seconds, connections })) };
      measured.push({ kms, wrap, unwrap, directWrap, directUnwrap });
    }
    step('bare node:http echo');
    const echoBody = unwrapBodies.get(drivers[0] as TBenchKms)?.[0] ?? '';
    const bare = await loadRow('bare node:http echo', { url: `http://127.0.0.1:${echoPort}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: echoBody, connections }, seconds);

    console.log(`\n${seconds} s per row after a ${WARM_UP_S} s warm-up, ${connections} concurrent keep-alive connections (autocannon; the direct rows: ${connections} concurrent callers in the TSP world's process).\n`);
    const rows = [...measured.flatMap((m) => [m.wrap, m.unwrap, m.directWrap, m.directUnwrap]), bare];
    printTable(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests', '× bare'],
      rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), String(r.requests), (r.rps / bare.rps).toFixed(3)]),
    );
    const overhead = (tsp: Row, direct: Row) => `+${(tsp.p50 - direct.p50).toFixed(2)} ms p50, ${((100 * tsp.rps) / direct.rps).toFixed(0)} % of the direct req/s`;
    console.log('\nThe TSP’s overhead over calling the KMS directly:');
    for (const m of measured) console.log(`  ${KMS_LABELS[m.kms].name}: wrap ${overhead(m.wrap, m.directWrap)}; unwrap ${overhead(m.unwrap, m.directUnwrap)}.`);
    console.log(`With no API traffic the world's process used ${(100 * idleShare).toFixed(1)} % of a core (its proxy client long-polling an idle broker).`);
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${r.errors})`).join(', ')}`);
    const figure = (r: Row) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms`;
    return measured.flatMap(({ kms, wrap, unwrap, directWrap, directUnwrap }): BenchSummary => {
      const extra = `${(wrap.p50 - directWrap.p50).toFixed(2)} / ${(unwrap.p50 - directUnwrap.p50).toFixed(2)} ms`;
      const signed = (ms: number) => `${ms < 0 ? '−' : '+'}${Math.abs(ms).toFixed(1)}`;
      const over = `${signed(wrap.p50 - directWrap.p50)} / ${signed(unwrap.p50 - directUnwrap.p50)} ms`;
      if (kms !== 'aws') return [{ measure: `TSP wrap / unwrap p50, ${KMS_LABELS[kms].name} double (over direct)`, value: `${wrap.p50.toFixed(1)} / ${unwrap.p50.toFixed(1)} ms (${over})` }];
      return [
        { measure: 'TSP wrap (AWS KMS double, localhost)', value: figure(wrap) },
        { measure: 'TSP unwrap (AWS KMS double, localhost)', value: figure(unwrap) },
        { measure: 'TSP overhead over direct KMS calls, p50 (wrap / unwrap)', value: extra },
      ];
    });
  } finally {
    for (const child of children) await stopChild(child);
  }
}

if (process.env.TSP_WRAP_BENCH_CHILD === '1') await serveChild();
