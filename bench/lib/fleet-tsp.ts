// The real Tenant Security Proxy process (scripts/tsp.ts, exactly as
// operators run it) for a fleet seeded by bench/lib/broker.ts, and the AWS
// KMS double its configurations reach, each in its own process. The fleet's
// KMS configurations (lib/testing/fleet.ts) carry the aws-kms provider's
// example settings: key 1234abcd-… in eu-west-1 of account 111122223333,
// reached by assuming role cmk-key-proxy with external id
// cmk-example-external-id. The double (a protocol double: no cloud KMS is
// reachable here) is started with exactly that key, role and external id, and
// with the vendor's identity the role trusts, so every tenant's wrap is real:
// STS AssumeRole, then KMS Encrypt with the tenant in the encryption context.
// The TSP process starts with bench/lib/memory-probe.mjs preloaded, which
// answers its memory (RSS, V8 heap) over the IPC channel.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TSP_API_KEY } from '@/lib/testing/tsp-world';
import { freePort } from '@/scripts/lib/pg-cluster';
import { askChild, startIpcChild } from './ipc-child';

/** The vendor's own AWS identity, which the example role trusts (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the TSP). */
export const FLEET_VENDOR = { accessKeyId: 'AKIABENCHVENDOR00001', secretAccessKey: 'benchVendorSecretAccessKey0000000000000A', name: 'vendor' };
const FLEET_ROLE = { roleArn: 'arn:aws:iam::111122223333:role/cmk-key-proxy', externalId: 'cmk-example-external-id', trusted: [FLEET_VENDOR.accessKeyId] };
const FLEET_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

export type TFleetKms = { child: ChildProcess; url: string; delay(ms: number): Promise<void>; /** STS calls (AssumeRole) so far. */
  stsCalls(): Promise<number> };

type TKmsAsk = { type: 'delay'; ms: number } | { type: 'calls' };

/** The AWS KMS double the fleet's configurations name, in a child process (this file with FLEET_KMS_CHILD=1). */
export async function startFleetKms(delayMs = 0): Promise<TFleetKms> {
  const { child, ready } = await startIpcChild<{ url: string }>('bench/lib/fleet-tsp.ts', { FLEET_KMS_CHILD: '1', FLEET_KMS_DELAY_MS: String(delayMs) }, 'the KMS double');
  const ask = async (message: TKmsAsk) => (await askChild<{ value: number }>(child, message)).value;
  return { child, url: ready.url, delay: async (ms) => void (await ask({ type: 'delay', ms })), stsCalls: () => ask({ type: 'calls' }) };
}

async function serveFleetKms(): Promise<void> {
  const { startAwsKmsDouble } = await import('@/lib/testing/kms/aws-kms-double');
  const kms = await startAwsKmsDouble({ users: [FLEET_VENDOR], roles: [FLEET_ROLE], keys: [{ keyId: FLEET_KEY_ID, allow: [FLEET_ROLE.roleArn] }] });
  kms.delay(Number(process.env.FLEET_KMS_DELAY_MS ?? 0));
  process.on('message', (ask: TKmsAsk) => {
    if (ask.type === 'delay') kms.delay(ask.ms);
    process.send?.({ value: ask.type === 'calls' ? kms.count({ service: 'sts' }) : 0 });
  });
  process.once('SIGTERM', () => void kms.stop().then(() => process.exit(0)));
  process.once('disconnect', () => void kms.stop().then(() => process.exit(0)));
  process.send?.({ url: kms.url });
}

export type TMemory = { rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number; residentMb: { brk: number; anon: number; file: number } | null };

/** The Node flags in package.json's "tsp" script: `node <flags…> scripts/node.mjs scripts/tsp.ts`. */
export function tspNodeFlags(): string[] {
  const script = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.tsp ?? '';
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('scripts/node.mjs')).filter((w) => w.startsWith('--'));
}

export type TTspProcess = {
  child: ChildProcess;
  url: string;
  healthUrl: string;
  apiKey: string;
  /** From spawning the process until /ready first answered 200. */
  readyMs: number;
  memory(): Promise<TMemory>;
  /** Writes a V8 heap snapshot of the TSP to `file`. */
  heapSnapshot(file: string): Promise<void>;
  log(): string;
};

/** scripts/tsp.ts for the deployment in `credentialsFile`, its AWS calls to the fleet's double; resolves once /ready answers 200. */
export async function startTspProcess(options: {
  credentialsFile: string;
  pinsFile: string;
  kmsUrl: string;
  env?: Record<string, string>;
  /** Each line of the TSP's log (pino JSON on stdout); without it the log is not read. */
  onLogLine?: (line: string) => void;
  /** Collect garbage before each memory reading (memory-probe-gc.mjs). */
  liveHeap?: boolean;
}): Promise<TTspProcess> {
  const [port, healthPort] = [await freePort(), await freePort()];
  let tail = '';
  const probe = path.join(import.meta.dirname, options.liveHeap ? 'memory-probe-gc.mjs' : 'memory-probe.mjs');
  const started = performance.now();
  // BENCH_TSP_NODE_FLAGS: Node flags for the TSP's process only (e.g. --max-semi-space-size=2; empty for none), not for the
  // bench, broker or double. Unset: those `npm run tsp` starts it with, so the bench measures the process operators run.
  const nodeFlags = (process.env.BENCH_TSP_NODE_FLAGS ?? tspNodeFlags().join(' ')).split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, '--import', probe, 'scripts/node.mjs', 'scripts/tsp.ts', '--credentials', options.credentialsFile, '--pins', options.pinsFile, '--host', '127.0.0.1', '--port', String(port), '--health-port', String(healthPort)], {
    env: {
      ...process.env,
      TSP_API_KEY,
      AWS_ACCESS_KEY_ID: FLEET_VENDOR.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FLEET_VENDOR.secretAccessKey,
      AWS_ENDPOINT_URL_KMS: options.kmsUrl,
      AWS_ENDPOINT_URL_STS: options.kmsUrl,
      // The fleet's Splunk configurations name splunk.example.com; leaving the provider out makes their events dropped and counted, not retried.
      TSP_SIEM_PROVIDERS: 'webhook',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', options.onLogLine ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const onLogLine = options.onLogLine;
  if (onLogLine && child.stdout) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLogLine);
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the TSP exited (${child.exitCode}):\n${tail}`);
    if (Date.now() > deadline) throw new Error(`the TSP was not ready within 180 s:\n${tail}`);
    if (await fetch(`${healthUrl}/ready`).then((r) => r.status === 200, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const readyMs = performance.now() - started;
  const memory = () =>
    new Promise<TMemory>((resolve) => {
      child.once('message', (answer: TMemory) => resolve(answer));
      child.send('memory');
    });
  const heapSnapshot = (file: string) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ snapshot: file });
    });
  return { child, url: `http://127.0.0.1:${port}`, healthUrl, apiKey: TSP_API_KEY, readyMs, memory, heapSnapshot, log: () => tail };
}

if (process.env.FLEET_KMS_CHILD === '1') await serveFleetKms();
