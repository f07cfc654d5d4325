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
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent } from 'node:http';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { bindingRecord } from '@/lib/kms/binding';
import { keepAliveOptions } from '@/lib/kms/keep-alive';
import { TSP_API_KEY } from '@/lib/testing/tsp-world';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { freePort } from '@/scripts/lib/pg-cluster';
import { startBenchBroker, stopChild } from './broker';
import { askChild, startIpcChild } from './ipc-child';

/** The vendor's own AWS identity, which the example role trusts (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the TSP). */
export const FLEET_VENDOR = { accessKeyId: 'AKIABENCHVENDOR00001', secretAccessKey: 'benchVendorSecretAccessKey0000000000000A', name: 'vendor' };
const FLEET_ROLE = { roleArn: 'arn:aws:iam::111122223333:role/cmk-key-proxy', externalId: 'cmk-example-external-id', trusted: [FLEET_VENDOR.accessKeyId] };
const FLEET_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const FLEET_KEY_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${FLEET_KEY_ID}`;

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

/** A process's event loop over a stretch of time (bench/lib/memory-probe.mjs): its longest delay, and garbage collection's longest pause (and its kind), total and pauses of 5 ms or more, in ms. */
export type TPauses = { loopMaxMs: number; gcMaxMs: number; gcMaxKind: string; gcTotalMs: number; gcLong: number };

/** Encrypt / Decrypt of a fleet tenant's data keys straight to the fleet's double, with no TSP. */
export type TFleetDirect = { wrap(): Promise<Uint8Array>; unwrap(blob: Uint8Array): Promise<unknown>; close(): void };

/**
 * The calls the TSP's AWS driver makes for `tenantId`, made directly (lib/kms/aws-kms.ts): the vendor's
 * credentials assume the example role once (the driver keeps its role session), then @aws-sdk/client-kms
 * Encrypt/Decrypt with the tenant's encryption context, on a keep-alive agent as the driver's, one attempt
 * (a retry would hide an error) and a 10 s bound per call.
 */
export async function fleetDirect(kmsUrl: string, tenantId: string): Promise<TFleetDirect> {
  const common = { region: 'eu-west-1', endpoint: kmsUrl, maxAttempts: 1, requestHandler: { httpAgent: new Agent(keepAliveOptions()), connectionTimeout: 10_000, requestTimeout: 10_000 } };
  const sts = new STSClient({ ...common, credentials: { accessKeyId: FLEET_VENDOR.accessKeyId, secretAccessKey: FLEET_VENDOR.secretAccessKey } });
  const { Credentials: session } = await sts.send(new AssumeRoleCommand({ RoleArn: FLEET_ROLE.roleArn, ExternalId: FLEET_ROLE.externalId, RoleSessionName: 'cmk-bench-direct' }));
  sts.destroy();
  if (!session?.AccessKeyId || !session.SecretAccessKey) throw new Error('AssumeRole answered without credentials');
  const kms = new KMSClient({ ...common, credentials: { accessKeyId: session.AccessKeyId, secretAccessKey: session.SecretAccessKey, sessionToken: session.SessionToken } });
  const context = bindingRecord({ tenantId }, 'kms_wrap_failed');
  return {
    wrap: async () => (await kms.send(new EncryptCommand({ KeyId: FLEET_KEY_ARN, Plaintext: randomBytes(32), EncryptionContext: context }))).CiphertextBlob as Uint8Array,
    unwrap: (blob) => kms.send(new DecryptCommand({ KeyId: FLEET_KEY_ARN, CiphertextBlob: blob, EncryptionContext: context })),
    close: () => kms.destroy(),
  };
}

/**
 * What a fleet TSP needs around it, for a world seeded into `base`/pglite (seedBenchWorld): the production
 * broker on that database, the fleet's KMS double, and the deployment's credentials file (mode 0600) naming
 * the broker. Each one's stop is added to `stops`.
 */
export async function startFleetServices(base: string, credentials: TProxyCredentials, stops: (() => Promise<void>)[]): Promise<{ kms: TFleetKms; credentialsFile: string; pinsFile: string; brokerPid: number }> {
  const broker = await startBenchBroker(path.join(base, 'pglite'), path.join(base, 'data'));
  stops.push(() => stopChild(broker.child));
  const kms = await startFleetKms();
  stops.push(() => stopChild(kms.child));
  const credentialsFile = path.join(base, 'credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ ...credentials, brokerUrl: broker.origin }));
  chmodSync(credentialsFile, 0o600);
  return { kms, credentialsFile, pinsFile: path.join(base, 'pins.json'), brokerPid: broker.child.pid as number };
}

export type TMemory = { rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number; residentMb: { brk: number; anon: number; file: number } | null };

/** The Node flags in package.json's "tsp" script: `node <flags…> scripts/node.mjs scripts/tsp.ts`. */
export function tspNodeFlags(): string[] {
  const script = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.tsp ?? '';
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('scripts/node.mjs')).filter((w) => w.startsWith('--'));
}

/** The Node flags a benchmark's TSP runs with: BENCH_TSP_NODE_FLAGS (empty for none), else `npm run tsp`'s. */
export function benchTspNodeFlags(): string[] {
  return (process.env.BENCH_TSP_NODE_FLAGS ?? tspNodeFlags().join(' ')).split(' ').filter(Boolean);
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
  /** What held the TSP's event loop since the last reset (the first call starts watching); `reset` starts the count again. */
  pauses(reset: boolean): Promise<TPauses>;
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
  /** The TSP's Node flags instead of BENCH_TSP_NODE_FLAGS (or, unset, `npm run tsp`'s). */
  nodeFlags?: readonly string[];
}): Promise<TTspProcess> {
  const [port, healthPort] = [await freePort(), await freePort()];
  let tail = '';
  const probe = path.join(import.meta.dirname, options.liveHeap ? 'memory-probe-gc.mjs' : 'memory-probe.mjs');
  const started = performance.now();
  // BENCH_TSP_NODE_FLAGS: Node flags for the TSP's process only (e.g. --max-semi-space-size=2; empty for none), not for the
  // bench, broker or double. Unset: those `npm run tsp` starts it with, so the bench measures the process operators run.
  const nodeFlags = options.nodeFlags ?? benchTspNodeFlags();
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
  const pauses = (reset: boolean) =>
    new Promise<TPauses>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the TSP exited (${code}):\n${tail}`));
      if (child.exitCode !== null) return exited(child.exitCode);
      child.once('exit', exited);
      child.once('message', (answer: TPauses) => {
        child.off('exit', exited);
        resolve(answer);
      });
      child.send({ pauses: reset ? 'reset' : 'keep' });
    });
  return { child, url: `http://127.0.0.1:${port}`, healthUrl, apiKey: TSP_API_KEY, readyMs, memory, heapSnapshot, pauses, log: () => tail };
}

if (process.env.FLEET_KMS_CHILD === '1') await serveFleetKms();
