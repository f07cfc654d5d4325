// What one AWS KMS call costs the process that makes it (issue 24, benchmark
// 1's tail): the garbage it leaves for V8 to collect and its CPU time. Every
// call the TSP makes to AWS KMS is one of these, and at a few hundred calls a
// second that garbage sets how often the TSP collects — and a request that
// arrives during a collection waits for it (docs/performance.md, "Overhead
// over a 20 ms KMS"). Each row makes --calls Encrypt calls, --concurrency at a
// time, against the AWS KMS protocol double (its own process, no delay;
// bench/lib/fleet-tsp.ts) with the role session assumed once:
//
//   SDK, no per-call options       KMSClient.send(command): the SDK resolves the command's middleware stack on every call
//   SDK, a per-call abortSignal    send(command, { abortSignal }), as the TSP's driver calls it (its deadline)
//   SDK, cacheMiddleware           the same client with the SDK's cacheMiddleware option and no per-call options:
//                                  the resolved stack is kept per command class (the SDK skips its cache when a call
//                                  passes options, so the driver's deadline signal rules this out as it is built)
//   SDK, answers read whole        the same client on the TSP's HTTP handler (lib/kms/aws-http-handler.ts): each
//                                  answer read into a Buffer before the SDK parses it, instead of the SDK piping
//                                  the response stream into its own collector
//   the driver (lib/kms/aws-kms)   driver.wrap: the deadline, the concurrency limit, the answer checks (on that handler)
//
// The rows run in a child process with the TSP's Node flags (`npm run tsp`'s, bench/lib/fleet-tsp.ts
// tspNodeFlags; BENCH_TSP_NODE_FLAGS replaces them), so that V8 treats the calls as the TSP's process does.
//
// Garbage per call: the growth of the V8 heap between collections (v8.GCProfiler), summed over the run and
// divided by the calls; promoted per call: the old generation's growth across the young-generation collections
// (scavenges) — objects that outlived a scavenge and then die only in a full collection, the expensive kind;
// CPU: this process's user + system time over the run, divided by the calls.
//
//   npm run bench -- kms-call-garbage [--calls 4000] [--concurrency 10]
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { createKmsDriver } from '@/lib/kms';
import { assumeRoleCredentials } from '@/lib/kms/aws-kms-credentials';
import { BufferedBodyHttpHandler } from '@/lib/kms/aws-http-handler';
import { closeSharedResources, keepAliveOptions } from '@/lib/kms/keep-alive';
import { printTable, type BenchSummary } from './lib/broker';
import { benchTspNodeFlags, FLEET_VENDOR, startFleetKms } from './lib/fleet-tsp';
import { startIpcChild } from './lib/ipc-child';
import { positiveOptions } from './lib/tsp-latency';

const REGION = 'eu-west-1';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = { roleArn: 'arn:aws:iam::111122223333:role/cmk-key-proxy', externalId: 'cmk-example-external-id', roleSessionName: 'cmk-bench' };
const USAGE = 'usage: kms-call-garbage [--calls 4000] [--concurrency 10]';

type TRow = { name: string; kbPerCall: number; promotedKbPerCall: number; cpuMsPerCall: number; collections: number; errors: number };

const oldSpaceUsed = (spaces: readonly { spaceName: string; spaceUsedSize: number }[]) => spaces.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0;

/** `calls` calls of `call`, `concurrency` at a time, after a warm-up of a tenth as many: garbage and CPU per call. */
async function measure(name: string, call: () => Promise<unknown>, calls: number, concurrency: number): Promise<TRow> {
  let errors = 0;
  const batch = async (n: number) => {
    for (let i = 0; i < n; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, () => call().catch(() => void (errors += 1))));
  };
  await batch(Math.ceil(calls / 10));
  errors = 0;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const cpu = process.cpuUsage();
  await batch(calls);
  const used = process.cpuUsage(cpu);
  const { statistics } = profiler.stop();
  let allocated = 0;
  let promoted = 0;
  let after: number | undefined;
  for (const gc of statistics) {
    if (after !== undefined) allocated += gc.beforeGC.heapStatistics.usedHeapSize - after;
    after = gc.afterGC.heapStatistics.usedHeapSize;
    if (gc.gcType === 'Scavenge') promoted += oldSpaceUsed(gc.afterGC.heapSpaceStatistics) - oldSpaceUsed(gc.beforeGC.heapSpaceStatistics);
  }
  const perCall = (bytes: number) => bytes / Math.max(1, calls) / 1024;
  return { name, kbPerCall: perCall(allocated), promotedKbPerCall: perCall(promoted), cpuMsPerCall: (used.user + used.system) / 1000 / calls, collections: statistics.length, errors };
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { calls: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '10' } }, strict: true });
  const { calls, concurrency } = positiveOptions(values, ['calls', 'concurrency'], USAGE);
  const nodeFlags = benchTspNodeFlags();
  console.log(`${calls} AWS KMS Encrypt calls per row, ${concurrency} at a time, against the AWS KMS protocol double (its own process, no delay), from a process with the TSP's Node flags (${nodeFlags.join(' ') || 'none'}).\n`);
  const { child, ready } = await startIpcChild<{ rows: TRow[] }>('bench/kms-call-garbage.ts', { KMS_CALL_GARBAGE_CHILD: JSON.stringify({ calls, concurrency }) }, 'the measuring process', nodeFlags);
  child.kill();
  const rows = ready.rows;
  printTable(
    ['row', 'KB of garbage per call', 'of it promoted, KB per call', 'CPU ms per call', 'collections', 'errors'],
    rows.map((r) => [r.name, r.kbPerCall.toFixed(1), r.promotedKbPerCall.toFixed(2), r.cpuMsPerCall.toFixed(3), String(r.collections), String(r.errors)]),
  );
  const failed = rows.filter((r) => r.errors > 0);
  if (failed.length) throw new Error(`errors in: ${failed.map((r) => r.name).join(', ')}`);
  const of = (prefix: string) => rows.filter((r) => r.name.startsWith(prefix));
  const mean = (list: TRow[], key: 'kbPerCall' | 'promotedKbPerCall' | 'cpuMsPerCall') => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const figures = (prefix: string) => `${mean(of(prefix), 'kbPerCall').toFixed(0)} KB / ${mean(of(prefix), 'promotedKbPerCall').toFixed(2)} KB / ${mean(of(prefix), 'cpuMsPerCall').toFixed(2)} ms`;
  return [
    { measure: 'AWS KMS Encrypt through the driver: garbage / promoted / CPU per call', value: figures('the driver') },
    { measure: 'AWS KMS Encrypt, the SDK as applications call it: garbage / promoted / CPU per call', value: figures('SDK, a per-call') },
  ];
}

/** The measuring process: every row, twice, sent back as its first (and only) message. */
async function measureRows({ calls, concurrency }: { calls: number; concurrency: number }): Promise<TRow[]> {
  const kms = await startFleetKms();
  const endpoint = kms.url;
  const httpAgent = new Agent(keepAliveOptions());
  const sts = new STSClient({ region: REGION, endpoint, maxAttempts: 2, requestHandler: { httpAgent }, credentials: FLEET_VENDOR });
  const credentials = assumeRoleCredentials(sts, ROLE, 5_000);
  const client = (cacheMiddleware: boolean) => new KMSClient({ region: REGION, endpoint, maxAttempts: 2, cacheMiddleware, credentials, requestHandler: { httpAgent, connectionTimeout: 5_000, requestTimeout: 5_000, throwOnRequestTimeout: true } });
  const plain = client(false);
  const cached = client(true);
  const readWhole = new KMSClient({ region: REGION, endpoint, maxAttempts: 2, credentials, requestHandler: new BufferedBodyHttpHandler({ httpAgent, connectionTimeout: 5_000, requestTimeout: 5_000, throwOnRequestTimeout: true }) });
  const driverOptions = { aws: { endpoints: { kms: endpoint, sts: endpoint }, vendorCredentials: FLEET_VENDOR, roleSessionName: ROLE.roleSessionName } };
  const driver = createKmsDriver('aws-kms', { region: REGION, keyArn: KEY_ARN, authMethod: 'assume-role', roleArn: ROLE.roleArn, externalId: ROLE.externalId }, driverOptions);
  const encrypt = () => new EncryptCommand({ KeyId: KEY_ARN, Plaintext: randomBytes(32), EncryptionContext: { tenantId: 'bench-tenant' } });
  try {
    const rows: TRow[] = [];
    // Twice each, interleaved, so that a row is not favoured by where it falls in the run.
    for (let round = 1; round <= 2; round++) {
      rows.push(await measure(`SDK, no per-call options (${round})`, () => plain.send(encrypt()), calls, concurrency));
      rows.push(await measure(`SDK, a per-call abortSignal (${round})`, () => plain.send(encrypt(), { abortSignal: new AbortController().signal }), calls, concurrency));
      rows.push(await measure(`SDK, cacheMiddleware (${round})`, () => cached.send(encrypt()), calls, concurrency));
      rows.push(await measure(`SDK, answers read whole (${round})`, () => readWhole.send(encrypt(), { abortSignal: new AbortController().signal }), calls, concurrency));
      rows.push(await measure(`the driver, lib/kms/aws-kms (${round})`, () => driver.wrap(randomBytes(32), { tenantId: 'bench-tenant' }), calls, concurrency));
    }
    return rows;
  } finally {
    driver.close();
    closeSharedResources(driverOptions);
    plain.destroy();
    cached.destroy();
    readWhole.destroy();
    sts.destroy();
    httpAgent.destroy();
    kms.child.kill();
  }
}

if (process.env.KMS_CALL_GARBAGE_CHILD) {
  const rows = await measureRows(JSON.parse(process.env.KMS_CALL_GARBAGE_CHILD) as { calls: number; concurrency: number });
  process.send?.({ rows });
  process.disconnect?.();
}
