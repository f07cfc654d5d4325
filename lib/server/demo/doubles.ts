import 'server-only';
// The demo's stand-ins for the cloud: an AWS KMS double and a Splunk HEC
// double on localhost — PROTOCOL DOUBLES, NOT AWS AND NOT SPLUNK — and the
// doubles of the other four KMS (kms-doubles.ts). They speak the real wire
// protocols (SigV4-checked AWS JSON, HEC over TLS from a demo CA) so that the
// demo's Tenant Security Proxy runs its real drivers and sinks unchanged, and
// the demo needs no cloud account. Acme's demo AWS KMS and the demo tenants'
// Splunk configurations point at them. Their keys, credentials, ports and TLS
// certificate are made once, at seeding, and kept in DATA_DIR/demo/ so that
// documents encrypted in one run still decrypt in the next; every event the
// Splunk double accepts is appended to DATA_DIR/demo/siem-events.jsonl.
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import { startSplunkHecDouble, type TSplunkHecDouble } from '@/lib/testing/siem/splunk-hec-double';
import { makeTestTls } from '@/lib/testing/tls';
import { createDemoKmsDoublesSpec, demoKmsDoubleSettings, demoKmsTspEnv, KMS_DOUBLE_DNS_NAMES, startDemoKmsDoubles, type TDemoKmsDoubles, type TDemoKmsDoublesSpec } from './kms-doubles';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
export const DEMO_SPLUNK_HOST = 'splunk.demo.test';
const DEMO_TLS_DAYS = 825;

export type TDemoDoublesSpec = {
  kms: { port: number; keyId: string; material: string; accessKeyId: string; secretAccessKey: string };
  /** Null where no `openssl` made the demo CA: acme's Splunk configuration then keeps the example. */
  splunk: { port: number; token: string; caPem: string; certPem: string; keyPem: string } | null;
  /** The other four KMS doubles; null without `openssl`, absent in a demo seeded before they existed. */
  otherKms?: TDemoKmsDoublesSpec | null;
  tspApiKey: string;
};

const specFile = (dataDir: string) => path.join(path.resolve(dataDir), 'demo', 'doubles.json');
export const demoEventsFile = (dataDir: string) => path.join(path.resolve(dataDir), 'demo', 'siem-events.jsonl');
export const demoTspEnvFile = (dataDir: string) => path.join(path.resolve(dataDir), 'demo', 'tsp.env');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const upperDigits = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

/** Makes the doubles' key, credentials, ports and certificate (once, at seeding; the folder exists). */
export async function createDemoDoublesSpec(dataDir: string): Promise<TDemoDoublesSpec> {
  let tls: ReturnType<typeof makeTestTls> | null = null;
  try {
    // Kept across restarts with the keys it protects, so valid longer than the tests' week.
    tls = makeTestTls([DEMO_SPLUNK_HOST, ...KMS_DOUBLE_DNS_NAMES], { days: DEMO_TLS_DAYS });
  } catch (error) {
    console.warn(`The demo runs without its Splunk, Google, Azure, Vault and CipherTrust doubles: ${(error as Error).message}`);
  }
  const spec: TDemoDoublesSpec = {
    kms: { port: await freePort(), keyId: randomUUID(), material: randomBytes(32).toString('base64'), accessKeyId: `AKIA${upperDigits(16)}`, secretAccessKey: randomBytes(30).toString('base64') },
    splunk: tls ? { port: await freePort(), token: randomUUID(), ...tls } : null,
    otherKms: tls ? await createDemoKmsDoublesSpec(tls, freePort) : null,
    tspApiKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(specFile(dataDir), `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600 });
  if (tls) writeFileSync(path.join(path.dirname(specFile(dataDir)), 'demo-ca.pem'), tls.caPem);
  writeTspEnv(dataDir, spec);
  return spec;
}

function writeTspEnv(dataDir: string, spec: TDemoDoublesSpec): void {
  const demoDir = path.dirname(specFile(dataDir));
  const lines = [
    '# The demo Tenant Security Proxy: npm run tsp -- --credentials data/demo/proxy-credentials.json --env-file data/demo/tsp.env',
    `TSP_API_KEY=${spec.tspApiKey}`,
    'TSP_PORT=7777',
    'TSP_HEALTH_PORT=9000',
    '# AWS KMS of the demo: a local PROTOCOL DOUBLE started by the demo broker, not AWS.',
    `AWS_ENDPOINT_URL_KMS=http://127.0.0.1:${spec.kms.port}`,
    `AWS_ENDPOINT_URL_STS=http://127.0.0.1:${spec.kms.port}`,
    ...(spec.splunk
      ? ['# Splunk HEC of the demo: a local PROTOCOL DOUBLE with a demo CA, not Splunk.', `TSP_EXTRA_CA_FILE=${path.join(demoDir, 'demo-ca.pem')}`, `TSP_RESOLVE=${DEMO_SPLUNK_HOST}=127.0.0.1`]
      : []),
    ...(spec.otherKms ? demoKmsTspEnv(spec.otherKms, path.join(demoDir, 'demo-ca.pem')) : []),
    '',
  ];
  writeFileSync(demoTspEnvFile(dataDir), lines.join('\n'), { mode: 0o600 });
}

/** The demo tenants' settings that point at the doubles, per tenant and provider (the rest of the demo uses the providers' examples). */
export function demoDoubleSettings(spec: TDemoDoublesSpec): (tenant: string) => Record<string, Record<string, unknown>> {
  const others = spec.otherKms ? demoKmsDoubleSettings(spec.otherKms) : {};
  const splunk: Record<string, Record<string, unknown>> = spec.splunk ? { 'splunk-hec': { url: `https://${DEMO_SPLUNK_HOST}:${spec.splunk.port}`, token: spec.splunk.token, index: 'main', sourcetype: 'cmk:tsp', onQueueFull: 'drop' } } : {};
  const aws: Record<string, unknown> = { keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${spec.kms.keyId}`, region: REGION, authMethod: 'access-keys', accessKeyId: spec.kms.accessKeyId, secretAccessKey: spec.kms.secretAccessKey };
  return (tenant) => ({ ...(tenant === 'acme' ? { 'aws-kms': aws } : {}), ...splunk, ...others[tenant] });
}

export type TDemoDoubles = { kmsUrl: string; otherKmsUrls: TDemoKmsDoubles['urls'] | null; splunkUrl: string | null; eventsFile: string; stop(): Promise<void> };

/** Starts the doubles of a seeded demo (nothing when DATA_DIR holds no demo). */
export async function startDemoDoubles(dataDir: string): Promise<TDemoDoubles | null> {
  if (!existsSync(specFile(dataDir))) return null;
  const spec = JSON.parse(readFileSync(specFile(dataDir), 'utf8')) as TDemoDoublesSpec;
  let kms: TAwsKmsDouble | undefined;
  let splunk: TSplunkHecDouble | undefined;
  let others: TDemoKmsDoubles | undefined;
  try {
    kms = await startAwsKmsDouble({ region: REGION, accountId: ACCOUNT, port: spec.kms.port, users: [{ accessKeyId: spec.kms.accessKeyId, secretAccessKey: spec.kms.secretAccessKey, name: 'demo' }], keys: [{ keyId: spec.kms.keyId, material: Buffer.from(spec.kms.material, 'base64') }] });
    if (spec.splunk) splunk = await startSplunkHecDouble({ token: spec.splunk.token, hostname: DEMO_SPLUNK_HOST, port: spec.splunk.port, tls: spec.splunk });
  } catch (error) {
    await Promise.all([kms?.stop(), splunk?.close()]);
    throw new Error(`The demo's KMS and SIEM doubles cannot listen on ports ${spec.kms.port} and ${spec.splunk?.port} (${(error as Error).message}); free them or start with a new DATA_DIR.`);
  }
  try {
    if (spec.otherKms) others = await startDemoKmsDoubles(spec.otherKms);
  } catch (error) {
    await Promise.all([kms.stop(), splunk?.close()]);
    throw error;
  }
  const eventsFile = demoEventsFile(dataDir);
  let written = 0;
  const timer = setInterval(() => {
    const events = splunk?.events ?? [];
    if (events.length === written) return;
    appendFileSync(eventsFile, events.slice(written).map((e) => `${JSON.stringify(e)}\n`).join(''));
    written = events.length;
  }, 250);
  timer.unref();
  return {
    kmsUrl: kms.url,
    otherKmsUrls: others?.urls ?? null,
    splunkUrl: splunk?.origin ?? null,
    eventsFile,
    async stop() {
      clearInterval(timer);
      await Promise.all([kms?.stop(), splunk?.close(), others?.stop()]);
    },
  };
}
