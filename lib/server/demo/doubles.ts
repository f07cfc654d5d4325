import 'server-only';
// The demo's stand-ins for the cloud: an AWS KMS double and Splunk HEC,
// Datadog Logs and Elasticsearch doubles on localhost — PROTOCOL DOUBLES, NOT
// AWS, SPLUNK, DATADOG OR ELASTIC — and the doubles of the other four KMS
// (kms-doubles.ts). They speak the real wire protocols (SigV4-checked AWS
// JSON; HEC, the Datadog intake and the bulk API over TLS from a demo CA) so
// that the demo's Tenant Security Proxy runs its real drivers and sinks
// unchanged, and the demo needs no cloud account. Acme's demo AWS KMS, the
// demo tenants' Splunk configurations, acme's Datadog and globex's Elastic
// point at them: Splunk and Elastic through made-up host names the TSP
// resolves to 127.0.0.1 (TSP_RESOLVE), Datadog, whose intake host is fixed by
// its site, through TSP_SIEM_CONNECT_TO. Their keys, credentials, ports and
// TLS certificate are made once, at seeding, and kept in DATA_DIR/demo/ so
// that documents encrypted in one run still decrypt in the next; every event a
// SIEM double accepts is appended to DATA_DIR/demo/siem-events.jsonl as
// {"siem":<provider>,"event":<the event>}.
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import type { TSiemEvent } from '@/lib/siem/types';
import { startDatadogDouble, type TDatadogDouble } from '@/lib/testing/siem/datadog-double';
import { startElasticDouble, type TElasticDouble } from '@/lib/testing/siem/elastic-double';
import { startSplunkHecDouble, type TSplunkHecDouble } from '@/lib/testing/siem/splunk-hec-double';
import { makeTestTls } from '@/lib/testing/tls';
import { createDemoKmsDoublesSpec, demoKmsDoubleSettings, demoKmsTspEnv, KMS_DOUBLE_DNS_NAMES, startDemoKmsDoubles, type TDemoKmsDoubles, type TDemoKmsDoublesSpec } from './kms-doubles';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
export const DEMO_SPLUNK_HOST = 'splunk.demo.test';
export const DEMO_ELASTIC_HOST = 'elastic.demo.test';
/** Datadog's site is one of a fixed list, so the double answers as that site's real intake host (through connect-to). */
export const DEMO_DATADOG_SITE = 'datadoghq.eu';
export const DEMO_DATADOG_HOST = `http-intake.logs.${DEMO_DATADOG_SITE}`;
const DEMO_ELASTIC_INDEX = 'logs-cmk.audit-default';
const DEMO_TLS_DAYS = 825;

export type TDemoDoublesSpec = {
  kms: { port: number; keyId: string; material: string; accessKeyId: string; secretAccessKey: string };
  /** Null where no `openssl` made the demo CA: acme's Splunk configuration then keeps the example. */
  splunk: { port: number; token: string; caPem: string; certPem: string; keyPem: string } | null;
  /** The other four KMS doubles; null without `openssl`, absent in a demo seeded before they existed. */
  otherKms?: TDemoKmsDoublesSpec | null;
  /** Acme's Datadog and globex's Elastic doubles (TLS: Splunk's); null without `openssl`, absent in a demo seeded before them (both then keep the examples). */
  datadog?: { port: number; apiKey: string } | null;
  elastic?: { port: number; apiKeyId: string; apiKey: string } | null;
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
    tls = makeTestTls([DEMO_SPLUNK_HOST, DEMO_ELASTIC_HOST, DEMO_DATADOG_HOST, ...KMS_DOUBLE_DNS_NAMES], { days: DEMO_TLS_DAYS });
  } catch (error) {
    console.warn(`The demo runs without its Splunk, Datadog, Elastic, Google, Azure, Vault and CipherTrust doubles: ${(error as Error).message}`);
  }
  const spec: TDemoDoublesSpec = {
    kms: { port: await freePort(), keyId: randomUUID(), material: randomBytes(32).toString('base64'), accessKeyId: `AKIA${upperDigits(16)}`, secretAccessKey: randomBytes(30).toString('base64') },
    splunk: tls ? { port: await freePort(), token: randomUUID(), ...tls } : null,
    otherKms: tls ? await createDemoKmsDoublesSpec(tls, freePort) : null,
    datadog: tls ? { port: await freePort(), apiKey: randomBytes(16).toString('hex') } : null,
    elastic: tls ? { port: await freePort(), apiKeyId: randomBytes(15).toString('base64url'), apiKey: randomBytes(16).toString('base64url') } : null,
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
      ? [
          `# Splunk HEC${spec.elastic ? ', Elasticsearch' : ''}${spec.datadog ? ' and Datadog Logs' : ''} of the demo: local PROTOCOL DOUBLES with a demo CA, not ${spec.datadog ? 'those services' : 'Splunk'}.`,
          `TSP_EXTRA_CA_FILE=${path.join(demoDir, 'demo-ca.pem')}`,
          `TSP_RESOLVE=${[DEMO_SPLUNK_HOST, ...(spec.elastic ? [DEMO_ELASTIC_HOST] : [])].map((host) => `${host}=127.0.0.1`).join(',')}`,
          ...(spec.datadog ? [`TSP_SIEM_CONNECT_TO=${DEMO_DATADOG_HOST}:443=127.0.0.1:${spec.datadog.port}`] : []),
        ]
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
  // A demo seeded before these doubles (no entries in its spec) keeps the examples' settings for them, as one without openssl does.
  const datadog: Record<string, Record<string, unknown>> = spec.datadog ? { datadog: { site: DEMO_DATADOG_SITE, apiKey: spec.datadog.apiKey, onQueueFull: 'drop' } } : {};
  const elastic: Record<string, Record<string, unknown>> = spec.elastic
    ? { elastic: { url: `https://${DEMO_ELASTIC_HOST}:${spec.elastic.port}`, apiKey: Buffer.from(`${spec.elastic.apiKeyId}:${spec.elastic.apiKey}`).toString('base64'), index: DEMO_ELASTIC_INDEX, onQueueFull: 'drop' } }
    : {};
  return (tenant) => ({ ...(tenant === 'acme' ? { 'aws-kms': aws, ...datadog } : {}), ...(tenant === 'globex' ? elastic : {}), ...splunk, ...others[tenant] });
}

export type TDemoDoubles = {
  kmsUrl: string;
  otherKmsUrls: TDemoKmsDoubles['urls'] | null;
  splunkUrl: string | null;
  /** Null in a demo without them (no openssl, or seeded before they existed). */
  datadogUrl: string | null;
  elasticUrl: string | null;
  eventsFile: string;
  stop(): Promise<void>;
};

/** A line of DATA_DIR/demo/siem-events.jsonl: the SIEM configuration's provider and the event its double accepted. */
export type TDemoSiemLine = { siem: string; event: TSiemEvent };

/** Starts the doubles of a seeded demo (nothing when DATA_DIR holds no demo). */
export async function startDemoDoubles(dataDir: string): Promise<TDemoDoubles | null> {
  if (!existsSync(specFile(dataDir))) return null;
  const spec = JSON.parse(readFileSync(specFile(dataDir), 'utf8')) as TDemoDoublesSpec;
  let kms: TAwsKmsDouble | undefined;
  let splunk: TSplunkHecDouble | undefined;
  let datadog: TDatadogDouble | undefined;
  let elastic: TElasticDouble | undefined;
  let others: TDemoKmsDoubles | undefined;
  const stopSiem = () => Promise.all([splunk?.close(), datadog?.close(), elastic?.close()]);
  try {
    kms = await startAwsKmsDouble({ region: REGION, accountId: ACCOUNT, port: spec.kms.port, users: [{ accessKeyId: spec.kms.accessKeyId, secretAccessKey: spec.kms.secretAccessKey, name: 'demo' }], keys: [{ keyId: spec.kms.keyId, material: Buffer.from(spec.kms.material, 'base64') }] });
    if (spec.splunk) splunk = await startSplunkHecDouble({ token: spec.splunk.token, hostname: DEMO_SPLUNK_HOST, port: spec.splunk.port, tls: spec.splunk });
    // Datadog's and Elastic's entries exist only beside Splunk's, whose certificate names their hosts too.
    if (spec.splunk && spec.datadog) datadog = await startDatadogDouble({ apiKey: spec.datadog.apiKey, site: DEMO_DATADOG_SITE, port: spec.datadog.port, tls: spec.splunk });
    if (spec.splunk && spec.elastic) elastic = await startElasticDouble({ apiKey: { id: spec.elastic.apiKeyId, key: spec.elastic.apiKey }, hostname: DEMO_ELASTIC_HOST, port: spec.elastic.port, tls: spec.splunk });
  } catch (error) {
    await Promise.all([kms?.stop(), stopSiem()]);
    const ports = [spec.kms.port, spec.splunk?.port, spec.datadog?.port, spec.elastic?.port].filter((port) => port !== undefined).join(', ');
    throw new Error(`The demo's KMS and SIEM doubles cannot listen on ports ${ports} (${(error as Error).message}); free them or start with a new DATA_DIR.`);
  }
  try {
    if (spec.otherKms) others = await startDemoKmsDoubles(spec.otherKms);
  } catch (error) {
    await Promise.all([kms.stop(), stopSiem()]);
    throw error;
  }
  const eventsFile = demoEventsFile(dataDir);
  // What each SIEM double accepted, as the events the TSP sent; how many of each are in the file already.
  const sources: [string, () => TSiemEvent[]][] = [
    ['splunk-hec', () => splunk?.events ?? []],
    ['datadog', () => (datadog?.logs ?? []).map((log) => log.cmk as TSiemEvent)],
    ['elastic', () => (elastic?.documents ?? []).map(({ source: { '@timestamp': _timestamp, ...event } }) => event as TSiemEvent)],
  ];
  const written = new Map<string, number>();
  const timer = setInterval(() => {
    const lines: TDemoSiemLine[] = [];
    for (const [siem, accepted] of sources) {
      const events = accepted();
      lines.push(...events.slice(written.get(siem) ?? 0).map((event) => ({ siem, event })));
      written.set(siem, events.length);
    }
    if (lines.length > 0) appendFileSync(eventsFile, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  }, 250);
  timer.unref();
  return {
    kmsUrl: kms.url,
    otherKmsUrls: others?.urls ?? null,
    splunkUrl: splunk?.origin ?? null,
    datadogUrl: datadog?.origin ?? null,
    elasticUrl: elastic?.origin ?? null,
    eventsFile,
    async stop() {
      clearInterval(timer);
      await Promise.all([kms?.stop(), stopSiem(), others?.stop()]);
    },
  };
}
