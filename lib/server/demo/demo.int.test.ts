// `npm start` on an empty embedded database loads the demo through the real
// code paths: the broker prints how to sign in and where the proxy
// credentials are; the printed accounts sign in; the credentials file is a
// valid one whose private key matches the approved deployment; the demo TSP
// wraps and unwraps through each of the five KMS doubles (one tenant's
// primary each), delivers the events to the Splunk, Datadog and Elastic
// doubles and exits 0 with nothing left queued; the fake provider credentials and the doubles' secrets are
// nowhere in clear in the database or the logs; and a second start loads
// nothing twice. With PostgreSQL no demo is ever loaded.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTenantStateUnverified } from '@/lib/crypto/tenant-state';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { ZProxyCredentials } from '@/lib/schemas/deployments';
import { findProvider } from '@/lib/schemas/providers/registry';
import { openDatabase } from '@/lib/server/db';
import { BrokerClient } from '@/lib/testing/api-client';
import { formatFindings, readStoredValues, scanForSecrets, type Canary } from '@/lib/testing/secret-scan';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { freePort } from '@/scripts/lib/pg-cluster';
import type { TDemoDoublesSpec, TDemoSiemLine } from './doubles';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
const DEMO_PROVIDERS = ['aws-kms', 'hashicorp-vault-transit', 'splunk-hec', 'datadog', 'google-cloud-kms', 'azure-key-vault', 'elastic', 'thales-ciphertrust'];
/** Each demo tenant's KMS primary (kmsConfigId 1), each on its local double, and how many KMS configurations it has. */
const DEMO_TENANTS = { acme: ['aws-kms', 2], globex: ['google-cloud-kms', 2], initech: ['azure-key-vault', 1], hooli: ['hashicorp-vault-transit', 1], umbrella: ['thales-ciphertrust', 1] } as const;

/** tsp:try's SIEM events per SIEM ("In Splunk HEC (the demo's double):" then the events), as the event names. */
function siemSections(stdout: string): Record<string, string[]> {
  const parts = stdout.split(/^In (.+) \(the demo's double\):$/m);
  const sections: Record<string, string[]> = {};
  for (let i = 1; i < parts.length; i += 2) sections[parts[i] as string] = [...(parts[i + 1] ?? '').matchAll(/^ {2}"event": "(\w+)"/gm)].map((m) => m[1] as string);
  return sections;
}

let testDb: TestDatabase;
let server: ServerProcess | undefined;
const env = () => ({ ...SECRETS, DEMO_DATA: 'true', DATA_DIR: path.join(testDb.dir, 'data'), PGLITE_DIR: testDb.env.PGLITE_DIR, DATABASE_URL: testDb.env.DATABASE_URL ?? '' });

async function start(): Promise<ServerProcess> {
  const started = await startBroker(env());
  if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
  return started.server;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  server = await start();
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe.runIf(backend === 'postgresql')('demo data with PostgreSQL', () => {
  it('is never loaded: the first start asks for the setup token instead', () => {
    expect(server?.output()).not.toMatch(/Demo data loaded/);
    expect(server?.output()).toMatch(/one-time setup token/);
  });
});

describe.runIf(backend === 'pglite')('demo data on the embedded database', () => {
  let accounts: { email: string; passphrase: string }[] = [];
  let cliOutput = '';
  let tspOutput = '';

  it('prints how to sign in, then to start the TSP, with the proxy client as the read-only alternative', () => {
    const output = (server as ServerProcess).output();
    expect(output).toMatch(/Demo data loaded/);
    expect(output).not.toMatch(/one-time setup token/);
    expect(output).toMatch(/npm run proxy -- --credentials .*demo\/proxy-credentials\.json/);
    // The TSP leads, so the demo shows a healthy chain; the proxy client alone is the read-only alternative.
    const tsp = output.search(/npm run tsp -- --credentials .*demo\/proxy-credentials\.json --env-file .*demo\/tsp\.env/);
    expect(tsp).toBeGreaterThan(output.indexOf('passphrase:'));
    expect(tsp).toBeLessThan(output.indexOf('npm run proxy -- --credentials'));
    accounts = [...output.matchAll(/(\S+@\S+\.example)\s+passphrase: (\S+)/g)].map((m) => ({ email: m[1] as string, passphrase: m[2] as string }));
    expect(accounts.map((a) => a.email)).toEqual(['operator@vendor.example', ...Object.keys(DEMO_TENANTS).map((t) => `admin@${t}.example`)]);
  });

  it('the printed accounts sign in, and each tenant lists its configurations', async () => {
    for (const account of accounts) {
      const client = new BrokerClient((server as ServerProcess).url);
      expect((await client.signIn(account.email, account.passphrase)).ok).toBe(true);
      if (account.email.startsWith('admin@')) {
        const tenant = account.email.slice('admin@'.length).split('.')[0] as keyof typeof DEMO_TENANTS;
        const listing = await client.get<{ seq: number; kmsConfigIdMax: number; state: { jws: string }; configs: { provider: string; status: string; isPrimary: boolean }[] }>(`/api/v1/tenants/${tenant}/configs`);
        expect(listing.status).toBe(200);
        expect(listing.body.configs.length).toBeGreaterThanOrEqual(2);
        expect(listing.body.seq).toBe(listing.body.configs.length + 1);
        // The demo carries kmsConfigIds from the start: each KMS configuration got the next one when it was created.
        const signed = decodeTenantStateUnverified(listing.body.state.jws).state.configs;
        const [primary, kmsCount] = DEMO_TENANTS[tenant];
        expect(signed.filter((c) => c.kind === 'kms').map((c) => c.kmsConfigId)).toEqual(kmsCount === 2 ? [1, 2] : [1]);
        expect(listing.body.kmsConfigIdMax).toBe(kmsCount);
        expect(listing.body.configs.find((c) => c.isPrimary && c.provider === primary)).toBeDefined();
      }
    }
  });

  it('writes a valid credentials file (mode 0600) for the approved deployment', async () => {
    const file = path.join(testDb.dir, 'data', 'demo', 'proxy-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = ZProxyCredentials.parse(JSON.parse(readFileSync(file, 'utf8')));
    const { x, y } = credentials.privateJwk;
    const kid = await jwkThumbprint({ kty: 'EC', crv: 'P-256', x, y });
    const jwks = (await (await fetch(`${(server as ServerProcess).url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(credentials.brokerJwks.keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));
    const response = await fetch(`${(server as ServerProcess).url}/api/v1/proxy/configs`, { headers: { authorization: `Bearer ${credentials.apiKey}` } });
    expect(response.status).toBe(200);
    const operator = new BrokerClient((server as ServerProcess).url);
    const first = accounts[0] as { email: string; passphrase: string };
    expect((await operator.signIn(first.email, first.passphrase)).ok).toBe(true);
    const list = await operator.get<{ deployments: { kid: string; tenantsApproved: number }[] }>('/api/v1/operator/deployments');
    expect(list.body.deployments).toEqual([expect.objectContaining({ kid, tenantsApproved: Object.keys(DEMO_TENANTS).length })]);
  });

  it('the proxy client CLI syncs against it with the credentials file, verifies everything and prints no secret', () => {
    const file = path.join(testDb.dir, 'data', 'demo', 'proxy-credentials.json');
    const run = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/proxy.ts', '--credentials', file, '--once'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/acme/);
    for (const tenant of Object.keys(DEMO_TENANTS)) expect(run.stdout).toMatch(new RegExp(`\\b${tenant}\\s+c_`));
    // The broker's names for the configurations come along (display only), beside the signed kmsConfigId.
    expect(run.stdout).toMatch(/acme\s+c_\S+\s+Production KMS \(eu-west-1, local double\)\s+kms\s+1\s+aws-kms/);
    cliOutput = run.stdout + run.stderr;
    const credentials = ZProxyCredentials.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(cliOutput).not.toContain(credentials.apiKey);
    expect(cliOutput).not.toContain(credentials.privateJwk.d);
  });

  it('runs the documented TSP commands: the TSP with the demo env file, then tsp:try encrypts and decrypts as acme (AWS) and as the tenants on Google, Azure, Vault and CipherTrust, each through its double', async () => {
    const demo = path.join(testDb.dir, 'data', 'demo');
    expect(statSync(path.join(demo, 'tsp.env')).mode & 0o777).toBe(0o600);
    expect((server as ServerProcess).output()).toMatch(/Demo doubles \(local PROTOCOL DOUBLES, NOT the clouds: not AWS, not Splunk, Datadog or Elastic, not Google, Azure, HashiCorp or Thales\)/);
    const env = readFileSync(path.join(demo, 'tsp.env'), 'utf8');
    for (const name of ['TSP_GOOGLE_KMS_ENDPOINT', 'TSP_GOOGLE_TOKEN_URL', 'TSP_GOOGLE_CA_FILE', 'TSP_AZURE_AUTHORITY_HOST', 'TSP_AZURE_AUTHORITY_CA_FILE', 'TSP_AZURE_VAULT_CONNECT_TO']) expect(env).toMatch(new RegExp(`^${name}=\\S+$`, 'm'));
    // Splunk and Elastic by made-up names resolved to this machine; Datadog's fixed intake host by connect-to.
    expect(env).toMatch(/^TSP_RESOLVE=splunk\.demo\.test=127\.0\.0\.1,elastic\.demo\.test=127\.0\.0\.1$/m);
    expect(env).toMatch(/^TSP_SIEM_CONNECT_TO=http-intake\.logs\.datadoghq\.eu:443=127\.0\.0\.1:\d+$/m);
    expect((server as ServerProcess).output()).toMatch(/npm run tsp -- --credentials .*demo\/proxy-credentials\.json --env-file .*demo\/tsp\.env/);
    // The env file names ports 7777 and 9000; the environment's own values win, so the test takes free ones.
    const ports = { TSP_PORT: String(await freePort()), TSP_HEALTH_PORT: String(await freePort()) };
    const tsp = spawn(process.execPath, ['scripts/node.mjs', 'scripts/tsp.ts', '--credentials', path.join(demo, 'proxy-credentials.json'), '--env-file', path.join(demo, 'tsp.env')], { env: { ...process.env, ...ports, LOG_LEVEL: 'info' } });
    const exited = new Promise<number | null>((resolve) => tsp.once('exit', resolve));
    tsp.stdout.on('data', (chunk: Buffer) => (tspOutput += chunk.toString()));
    tsp.stderr.on('data', (chunk: Buffer) => (tspOutput += chunk.toString()));
    try {
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${ports.TSP_HEALTH_PORT}/ready`).catch(() => null))?.status, { timeout: 60_000, interval: 250 }).toBe(200);
      const run = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/tsp-try.ts', '--env-file', path.join(demo, 'tsp.env')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...ports } });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Decrypted: "Quarterly numbers: strictly confidential."');
      // Acme has two SIEMs: Splunk's double shows the two key uses (Datadog's may still be on its way; checked below).
      expect(siemSections(run.stdout)['Splunk HEC']).toEqual(['wrap', 'unwrap']);
      for (const events of Object.values(siemSections(run.stdout))) expect(events).toEqual(['wrap', 'unwrap']);
      expect(run.stdout).toMatch(/"tenantId": "acme"[\s\S]*"kmsConfigId": 1/);
      cliOutput += run.stdout;

      // Every other KMS, through the tenant whose primary it is: the TSP's real driver against the broker's double.
      for (const tenant of ['globex', 'initech', 'hooli', 'umbrella']) {
        const other = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/tsp-try.ts', '--env-file', path.join(demo, 'tsp.env'), '--tenant', tenant, '--text', `for ${tenant}`], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...ports } });
        expect(other.stderr, tenant).toBe('');
        expect(other.status, tenant).toBe(0);
        expect(other.stdout, tenant).toContain(`Decrypted: "for ${tenant}"`);
        // Globex's SIEM is the Elasticsearch double, the others' the Splunk HEC double.
        expect(siemSections(other.stdout), tenant).toEqual({ [tenant === 'globex' ? 'Elasticsearch' : 'Splunk HEC']: ['wrap', 'unwrap'] });
        expect(other.stdout).toMatch(new RegExp(`"tenantId": "${tenant}"[\\s\\S]*"kmsConfigId": 1`));
        cliOutput += other.stdout;
      }

      // The README's example with our client (lib/tsc) runs as written, from the repository's root as it says (only the port is the test's).
      const readme = readFileSync('README.md', 'utf8');
      const snippet = /```ts\n(\/\/ app\.ts[\s\S]*?)```/.exec(readme)?.[1];
      expect(snippet).toContain("createTenantSecurityClient({ url: 'http://localhost:7777'");
      const app = path.resolve(`readme-app-${process.pid}.ts`);
      writeFileSync(app, (snippet as string).replace('http://localhost:7777', `http://localhost:${ports.TSP_PORT}`));
      try {
        const example = spawnSync(process.execPath, [`--env-file=${path.join(demo, 'tsp.env')}`, 'scripts/node.mjs', app], { encoding: 'utf8', timeout: 60_000 });
        expect(example.stderr).toBe('');
        expect(example.stdout.trim()).toBe('for acme only');
      } finally {
        rmSync(app, { force: true });
      }
    } finally {
      tsp.kill('SIGTERM');
    }
    // A graceful stop: the SIEM queues drained (Datadog's and Elastic's too), nothing left.
    expect(await exited).toBe(0);
    expect(tspOutput).toMatch(/first full sync verified; serving/);
    expect(tspOutput).toMatch(/stopping: finishing in-flight requests/);
    // Every SIEM double's events are in the demo's events file: acme's reached Datadog, globex's Elastic.
    const received = (siem: string, tenant: string) =>
      readFileSync(path.join(demo, 'siem-events.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as TDemoSiemLine)
        .filter((line) => line.siem === siem && line.event.tenantId === tenant && line.event.category === 'key_use')
        .map((line) => `${line.event.event} ${line.event.iclFields.requestId}`);
    // The file is written every 250 ms: the last events may still be on their way to it. Each SIEM gets its own event ids; the request ids tie them.
    await expect.poll(() => received('datadog', 'acme').length, { timeout: 5_000 }).toBe(received('splunk-hec', 'acme').length);
    expect(received('splunk-hec', 'acme').length).toBeGreaterThanOrEqual(2);
    expect(received('datadog', 'acme')).toEqual(received('splunk-hec', 'acme'));
    await expect.poll(() => received('elastic', 'globex').map((e) => e.split(' ')[0]), { timeout: 5_000 }).toEqual(['wrap', 'unwrap']);
    expect(received('splunk-hec', 'globex')).toEqual([]);
    expect(received('datadog', 'initech')).toEqual([]);
  }, 120_000);

  it('keeps the fake provider credentials and the doubles’ secrets out of the database, the logs and the proxy output, and loads nothing on a second start', async () => {
    await server?.stop();
    // The demo doubles' credentials and the TSP's API key are secrets of the demo too.
    const doubles = JSON.parse(readFileSync(path.join(testDb.dir, 'data', 'demo', 'doubles.json'), 'utf8')) as TDemoDoublesSpec;
    const other = doubles.otherKms;
    expect(other).toBeTruthy();
    expect(doubles.datadog).toBeTruthy();
    expect(doubles.elastic).toBeTruthy();
    const bytes = (base64: string) => Buffer.from(base64, 'base64');
    // A line from the middle of a PEM private key: the whole block would be found as PEM anyway.
    const pemLine = (pem: string) => pem.split('\n')[5] ?? '';
    const canaries: Canary[] = [
      { label: 'demo KMS double secret', value: doubles.kms.secretAccessKey },
      { label: 'demo AWS KMS key material', value: bytes(doubles.kms.material) },
      { label: 'TSP API key', value: doubles.tspApiKey },
      ...(doubles.splunk ? [{ label: 'demo Splunk token', value: doubles.splunk.token }] : []),
      ...(doubles.datadog ? [{ label: 'demo Datadog API key', value: doubles.datadog.apiKey }] : []),
      ...(doubles.elastic
        ? [
            { label: 'demo Elastic API key', value: doubles.elastic.apiKey },
            { label: 'demo Elastic API key (encoded)', value: Buffer.from(`${doubles.elastic.apiKeyId}:${doubles.elastic.apiKey}`).toString('base64') },
          ]
        : []),
      ...(other
        ? [
            { label: 'demo Google service-account key', value: pemLine(other.google.keyFile.private_key ?? '') },
            { label: 'demo Google key material', value: bytes(other.google.material) },
            { label: 'demo Azure client secret', value: other.azure.clientSecret },
            { label: 'demo Azure RSA key', value: pemLine(other.azure.privateKeyPem) },
            { label: 'demo Vault token', value: other.vault.token },
            { label: 'demo Vault AppRole secret_id', value: other.vault.secretId },
            { label: 'demo Vault key material (acme)', value: bytes(other.vault.drKey) },
            { label: 'demo Vault key material (hooli)', value: bytes(other.vault.key) },
            { label: 'demo CipherTrust password', value: other.ciphertrust.password },
            { label: 'demo CipherTrust key material', value: bytes(other.ciphertrust.material) },
          ]
        : []),
    ];
    expect(formatFindings(scanForSecrets([{ where: 'TSP output', value: tspOutput }], canaries).findings)).toBe('');
    for (const id of DEMO_PROVIDERS) {
      const provider = findProvider(id);
      const example = provider?.example as Record<string, unknown>;
      for (const field of provider?.fields ?? []) {
        const value = example[field.name];
        if (field.secret && typeof value === 'string' && value.length >= 8) canaries.push({ label: `${id}.${field.name}`, value });
      }
    }
    expect(canaries.length).toBeGreaterThanOrEqual(15);
    expect(formatFindings(scanForSecrets([{ where: 'broker output', value: (server as ServerProcess).output() }, { where: 'proxy client output', value: cliOutput }], canaries).findings)).toBe('');
    const db = await openDatabase({ env: testDb.env });
    try {
      const stored = await db.withSession((session) => readStoredValues(session));
      expect(formatFindings(scanForSecrets(stored.records, canaries).findings)).toBe('');
    } finally {
      await db.close();
    }
    server = await start();
    expect(server.output()).not.toMatch(/Demo data loaded/);
  }, 120_000);
});
