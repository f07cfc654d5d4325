// A whole Tenant Security Proxy world in one process, for tests and bench:
// the AWS KMS/STS double, a webhook and a Splunk HEC double (protocol
// doubles: no cloud or SIEM is reachable here), tenants sealed and signed
// with the real crypto (bundle-factory), an in-memory broker serving them,
// the real proxy client verifying every bundle, and createTsp on free ports.
//   acme      AWS KMS (access keys), primary; webhook + Splunk SIEM
//   globex    AWS KMS (assume-role with an external id), primary; webhook SIEM
//   initech   suspended by the vendor          umbrella  has not approved this deployment
//   hooli     only a disabled KMS configuration  nopri   an active KMS configuration, none primary;
//                                                        also a Datadog SIEM, which this proxy cannot serve yet
//   quiet     AWS KMS primary, no SIEM
// Fleet faults (lib/tsp/faults): the broker can be made unreachable and come
// back (brokerDown), the TSP restarted on the same credentials and pins
// (restartTsp), and more replicas started on the same deployment
// (startReplica); change() waits until every running instance applied it.
import { SUPPORTED_SIEM_PROVIDERS } from '@/lib/siem/registry';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxyClient, type TProxyClient, type TProxyClientOptions } from '@/lib/proxy-client';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import type { TConfigTestResult, TProxyConfigTest } from '@/lib/schemas/config-tests';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import { createTsp, SILENT_LOGGER, type TTsp, type TTspOptions } from '@/lib/tsp';
import type { TBundleSecret } from '@/lib/crypto/bundle';
import { bundleTenant, createBroker, createDeployment, createTenant, publishState, sealTestConfig, signTestBundle, type TTestConfig, type TTestDeployment, type TTestTenant } from './bundle-factory';
import { startAwsKmsDouble, type TAwsKmsDouble } from './kms/aws-kms-double';
import { startSplunkHecDouble, type TSplunkHecDouble } from './siem/splunk-hec-double';
import { startWebhookDouble, type TWebhookDouble } from './siem/webhook-double';

export const WEBHOOK_SECRET = 'whsec-7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e';
export const HEC_TOKEN = '5c1f2a7e-9b3d-4e6f-8a0c-2d4e6f8a0b1c';
export const TSP_API_KEY = Buffer.from('tsp-world-api-key-0123456789abcdef').toString('base64');

const NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'nopri', 'quiet'] as const;
type TName = (typeof NAMES)[number];

export type TTspWorld = {
  kms: TAwsKmsDouble;
  webhook: TWebhookDouble;
  splunk: TSplunkHecDouble;
  deployment: TTestDeployment;
  tenants: Record<TName, TTestTenant>;
  /** The tenants `extraTenants` made, by tenant id (served in the same bundle). */
  extra: Record<string, TTestTenant>;
  /** The primary (or only) KMS configuration of each tenant that has one. */
  kmsConfig: Partial<Record<TName, TTestConfig>>;
  /** The world's own TSP instance (restartTsp replaces these four). */
  client: TProxyClient;
  /** Every wrapped secret a proxy posted to the in-memory broker (POST /api/v1/proxy/secrets), winners and losers. */
  secretPosts: (TBundleSecret & { tenantId: string })[];
  /** Every status report the proxy clients sent to the in-memory broker. */
  statuses: TProxyStatus[];
  tsp: TTsp;
  url: string;
  healthUrl: string;
  apiKey: string;
  /**
   * Signs the tenant's (a world tenant's, or an extra one's by id) next state after `edit` and waits until every
   * running TSP instance applied it; `{ wait: false }` only publishes it (the broker is down, say).
   */
  change(name: TName | (string & {}), edit: (tenant: TTestTenant) => void | Promise<void>, options?: { wait?: boolean }): Promise<void>;
  /** Re-seals a configuration's next version with `patch` merged into its settings (undefined removes a field), then change(). */
  resealConfig(name: TName | (string & {}), configId: string, patch: Record<string, unknown>): Promise<TTestConfig>;
  /** Leasing on (a lifetime in seconds, e.g. '3600') or off (null) for the tenant's primary KMS configuration. */
  setLeasing(name: TName, lifetime: string | null): Promise<void>;
  /** While on, every request to the broker fails as a refused connection (held long-polls too); off: it answers again. */
  brokerDown(on: boolean): void;
  /** Stops the world's TSP (gracefully) and starts a new one with the same credentials and pins file, as a process restart does. */
  restartTsp(): Promise<void>;
  /** Another TSP of the same deployment (its own proxy client and pins file) on the same broker, doubles and API key; stopped by stop(). */
  startReplica(overrides?: Partial<TTspOptions>): Promise<TTspInstance>;
  /** From now on the broker leaves the tenant out of every bundle (a proxy sees it at its next full sync). */
  withhold(name: TName): void;
  /** Hands the TSP a configuration test at its next (or its held) GET /api/v1/proxy/tests; returns the testId. */
  startConfigTest(test: TWorldConfigTest): string;
  /** Every result the TSP posted, in arrival order. */
  testResults: { testId: string; result: TConfigTestResult }[];
  /** The first result posted for `testId` (waits up to 10 s). */
  configTestResult(testId: string): Promise<TConfigTestResult>;
  stop(): Promise<void>;
};

/** One running TSP instance of the world's deployment. */
export type TTspInstance = { tsp: TTsp; client: TProxyClient; url: string; healthUrl: string; apiKey: string; stop(): Promise<void> };

/** A test as the broker's pick-up hands it over; testId and resultBy are filled in when absent. */
export type TWorldConfigTest = Omit<TProxyConfigTest, 'testId' | 'resultBy'> & { testId?: string; resultBy?: string };

export type TTspWorldOptions = {
  tsp?: Partial<TTspOptions>;
  client?: Pick<TProxyClientOptions, 'fullSyncEveryMs' | 'retry'>;
  flushMs?: number;
  siemQueue?: number;
  onQueueFull?: 'drop' | 'refuse';
  /** A tenant's KMS key with fixed id and material instead of a random one, so that EDEKs recorded once open again (lib/tsc/golden). */
  kmsKeys?: Partial<Record<TName, { keyId: string; material: Uint8Array }>>;
  /**
   * More tenants for the world's deployment, made by the test (created with createTenant(id, [deployment]),
   * configurations sealed and the state published): a KMS driver's test adds tenants on its own KMS double.
   */
  extraTenants?: (deployment: TTestDeployment) => Promise<TTestTenant[]>;
  /** Merged into the TSP's KMS driver options, beside the AWS double's (e.g. another driver's endpoint or CA). */
  kms?: Omit<TKmsDriverOptions, 'aws'>;
};

export async function startTspWorld(options: TTspWorldOptions = {}): Promise<TTspWorld> {
  const kms = await startAwsKmsDouble({});
  const webhook = await startWebhookDouble({ secret: WEBHOOK_SECRET, hostname: 'siem.test' });
  const splunk = await startSplunkHecDouble({ token: HEC_TOKEN, hostname: 'splunk.test' });
  const broker = await createBroker();
  const deployment = await createDeployment([broker], 'https://broker.test');
  const tenants = {} as Record<TName, TTestTenant>;
  for (const name of NAMES) tenants[name] = await createTenant(name, name === 'umbrella' ? [] : [deployment]);
  tenants.initech.status = 'suspended';

  const user = kms.addUser();
  const vendor = kms.addUser({ name: 'vendor' });
  const kmsConfig: Partial<Record<TName, TTestConfig>> = {};
  const awsConfig = async (name: TName, extra: { primary?: boolean; status?: 'active' | 'disabled' } = {}) => {
    const key = kms.createKey({ allow: [user.accessKeyId], ...options.kmsKeys?.[name] });
    kmsConfig[name] = await sealTestConfig(tenants[name], { provider: 'aws-kms', settings: kms.accessKeySettings(key, user), primary: extra.primary ?? true, status: extra.status ?? 'active' });
  };
  await awsConfig('acme');
  await awsConfig('initech');
  await awsConfig('umbrella');
  await awsConfig('hooli', { primary: false, status: 'disabled' });
  await awsConfig('nopri', { primary: false });
  await awsConfig('quiet');
  // globex signs in by assuming a role with an external id, through the vendor's own identity.
  const role = kms.addRole({ externalId: 'globex-external-id-42', trusted: [vendor.accessKeyId] });
  const globexKey = kms.createKey({ allow: [role.roleArn] });
  kmsConfig.globex = await sealTestConfig(tenants.globex, { provider: 'aws-kms', settings: kms.assumeRoleSettings(globexKey, role), primary: true });

  const webhookSettings = { url: webhook.url('/cmk/events'), hmacSecret: WEBHOOK_SECRET, headers: {}, onQueueFull: options.onQueueFull ?? 'drop' };
  const splunkSettings = { url: splunk.url(), token: HEC_TOKEN, index: 'main', sourcetype: 'cmk:tsp' };
  for (const name of ['acme', 'globex', 'hooli', 'nopri', 'initech', 'umbrella'] as const) await sealTestConfig(tenants[name], { provider: 'webhook', settings: webhookSettings, primary: true });
  await sealTestConfig(tenants.acme, { provider: 'splunk-hec', settings: splunkSettings });
  // A destination this proxy cannot serve yet: its events are dropped, counted and reported.
  await sealTestConfig(tenants.nopri, { provider: 'datadog' });
  for (const name of NAMES) await publishState(tenants[name]);
  const extra: Record<string, TTestTenant> = {};
  for (const tenant of (await options.extraTenants?.(deployment)) ?? []) extra[tenant.tenantId] = tenant;

  const statuses: TProxyStatus[] = [];
  const secretPosts: (TBundleSecret & { tenantId: string })[] = [];
  const withheld = new Set<TName>();
  // An in-memory broker that long-polls like the real one: a poll naming the current version (ETag) is
  // held until a change or the wait runs out (then 304), so an idle world costs no CPU.
  let version = 0;
  const wake: (() => void)[] = [];
  const changed = () => {
    version += 1;
    for (const resolve of wake.splice(0)) resolve();
  };
  // Configuration tests: handed over once (claimed), a pick-up held like the configs long-poll until one is started.
  const pendingTests: TProxyConfigTest[] = [];
  const testResults: TTspWorld['testResults'] = [];
  const testWaiters: (() => void)[] = [];
  const held = (waitMs: number, waiters: (() => void)[], signal: AbortSignal | null | undefined) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  // brokerDown: what fetch throws when nothing listens (undici's TypeError with the ECONNREFUSED cause).
  let down = false;
  const refuseIfDown = () => {
    if (down) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443 (broker down)'), { code: 'ECONNREFUSED' }) });
  };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    refuseIfDown();
    const url = new URL(String(input));
    if (url.pathname === '/api/v1/proxy/tests') {
      if (pendingTests.length === 0) await held(Number(url.searchParams.get('wait') ?? 0) * 1000, testWaiters, init?.signal);
      refuseIfDown();
      return Response.json({ tests: pendingTests.splice(0) });
    }
    const posted = /^\/api\/v1\/proxy\/tests\/([^/]+)\/result$/.exec(url.pathname);
    if (posted && init?.method === 'POST') {
      testResults.push({ testId: decodeURIComponent(posted[1] as string), result: JSON.parse(String(init.body)) as TConfigTestResult });
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/api/v1/proxy/status') {
      statuses.push(JSON.parse(String(init?.body)) as TProxyStatus);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/.well-known/cmk-key-rotations.json') return Response.json({ rotations: [] });
    // Tenant secrets, as POST /api/v1/proxy/secrets keeps them: the first writer's row, answered to everyone.
    if (url.pathname === '/api/v1/proxy/secrets' && init?.method === 'POST') {
      const body = JSON.parse(String(init.body)) as TBundleSecret & { tenantId: string };
      const tenant = (tenants as Record<string, TTestTenant>)[body.tenantId] ?? extra[body.tenantId];
      if (!tenant) return Response.json({ type: 'about:blank', title: 'Not found', status: 404, code: 'not_found' }, { status: 404 });
      secretPosts.push(body);
      const rows = (tenant.secretRows ??= []);
      const held = rows.find((r) => r.secretPath === body.secretPath && r.tenantSecretId === body.tenantSecretId);
      if (held) return Response.json({ created: false, secret: held });
      const secret = { secretPath: body.secretPath, tenantSecretId: body.tenantSecretId, kmsConfigId: body.kmsConfigId, wrapped: body.wrapped, createdAt: new Date().toISOString() };
      rows.push(secret);
      changed();
      return Response.json({ created: true, secret }, { status: 201 });
    }
    const asked = new Headers(init?.headers).get('if-none-match');
    if (asked === `"v${version}"`) {
      await held(Number(url.searchParams.get('wait') ?? 0) * 1000, wake, init?.signal);
      refuseIfDown();
      if (asked === `"v${version}"`) return new Response(null, { status: 304, headers: { etag: asked } });
    }
    // The version the bundle's content is read at: a change during the signing must not be named by this bundle's ETag.
    const served = version;
    const list = [...NAMES.filter((name) => !withheld.has(name)).map((name) => tenants[name]), ...Object.values(extra)].map((tenant) => bundleTenant(tenant, deployment));
    const jws = await signTestBundle(broker, deployment, list, { cursor: url.searchParams.get('cursor'), next: `v${served}` });
    return new Response(jws, { status: 200, headers: { 'content-type': 'application/jose', etag: `"v${served}"` } });
  };
  const dir = await mkdtemp(join(tmpdir(), 'cmk-tsp-world-'));
  const siemSink = { ca: [webhook.caPem, splunk.caPem], resolve: { 'siem.test': '127.0.0.1', 'splunk.test': '127.0.0.1' } };
  const running = new Set<TTspInstance>();
  /** A proxy client and a TSP on it, as one process of the deployment would run them (its pins file is its only state). */
  async function startInstance(pinsFile: string, overrides: Partial<TTspOptions> = {}): Promise<TTspInstance> {
    const client = createProxyClient({ credentials: deployment.credentials, pinsFile, fetch, retry: { minPollMs: 100 }, ...options.client });
    const tsp = createTsp({
      client,
      deploymentId: deployment.id,
      apiKeys: [TSP_API_KEY],
      port: 0,
      healthPort: 0,
      logger: SILENT_LOGGER,
      wait: 1,
      // A test that leaves a SIEM failing should not wait the production bound to stop.
      shutdownTimeoutMs: 2_000,
      kms: { ...kms.driverOptions(vendor, 2_000), ...options.kms },
      // Datadog is left out of the providers this TSP delivers to (TSP_SIEM_PROVIDERS): nopri's Datadog configuration is one it cannot serve.
      siem: { ...siemSink, providers: SUPPORTED_SIEM_PROVIDERS.filter((p) => p !== 'datadog'), ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }), ...(options.siemQueue === undefined ? {} : { maxQueueEvents: options.siemQueue }) },
      ...options.tsp,
      ...overrides,
    });
    const { url, healthUrl } = await tsp.start();
    await tsp.ready();
    const instance: TTspInstance = {
      tsp,
      client,
      url,
      healthUrl,
      apiKey: TSP_API_KEY,
      async stop() {
        if (!running.delete(instance)) return;
        await tsp.stop();
      },
    };
    running.add(instance);
    return instance;
  }
  const pinsFile = join(dir, 'pins.json');
  let own = await startInstance(pinsFile);
  let replicas = 0;

  const world: TTspWorld = {
    kms,
    webhook,
    splunk,
    deployment,
    tenants,
    extra,
    kmsConfig,
    client: own.client,
    statuses,
    secretPosts,
    tsp: own.tsp,
    url: own.url,
    healthUrl: own.healthUrl,
    apiKey: TSP_API_KEY,
    async change(name, edit, changeOptions = {}) {
      const tenant = (tenants as Record<string, TTestTenant>)[name] ?? extra[name];
      if (!tenant) throw new Error(`no tenant ${name} in this world`);
      await edit(tenant);
      await publishState(tenant);
      changed();
      if (changeOptions.wait === false) return;
      const deadline = Date.now() + 10_000;
      while ([...running].some((instance) => instance.client.getTenant(name)?.seq !== tenant.seq)) {
        if (Date.now() > deadline) throw new Error(`the TSP did not apply ${name}'s state ${tenant.seq}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async resealConfig(name, configId, patch) {
      let sealed: TTestConfig | undefined;
      await world.change(name, async (tenant) => {
        const current = tenant.configs.get(configId);
        if (!current) throw new Error(`${name} has no configuration ${configId}`);
        const settings = Object.fromEntries(Object.entries({ ...current.settings, ...patch }).filter(([, value]) => value !== undefined));
        sealed = await sealTestConfig(tenant, { provider: current.provider, configId, settings });
        if (kmsConfig[name as TName]?.configId === configId) kmsConfig[name as TName] = sealed;
      });
      return sealed as TTestConfig;
    },
    async setLeasing(name, lifetime) {
      const primary = kmsConfig[name];
      if (!primary) throw new Error(`${name} has no KMS configuration`);
      await world.resealConfig(name, primary.configId, { leasedKeyLifetime: lifetime ?? undefined });
    },
    brokerDown(on) {
      down = on;
      // Polls held now fail at once, as their connections would.
      if (on) [...wake.splice(0), ...testWaiters.splice(0)].forEach((resolve) => resolve());
    },
    async restartTsp() {
      await own.stop();
      own = await startInstance(pinsFile);
      Object.assign(world, { client: own.client, tsp: own.tsp, url: own.url, healthUrl: own.healthUrl });
    },
    async startReplica(overrides) {
      replicas += 1;
      return startInstance(join(dir, `pins-replica-${replicas}.json`), overrides);
    },
    withhold(name) {
      withheld.add(name);
      changed();
    },
    testResults,
    startConfigTest(test) {
      const testId = test.testId ?? `ct_${randomBytes(16).toString('base64url')}`;
      pendingTests.push({ ...test, testId, resultBy: test.resultBy ?? new Date(Date.now() + 60_000).toISOString() });
      for (const resolve of testWaiters.splice(0)) resolve();
      return testId;
    },
    async configTestResult(testId) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = testResults.find((r) => r.testId === testId);
        if (found) return found.result;
        if (Date.now() > deadline) throw new Error(`no result for configuration test ${testId}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      [...wake.splice(0), ...testWaiters.splice(0)].forEach((resolve) => resolve());
      await Promise.all([...running].map((instance) => instance.stop()));
      await Promise.all([kms.stop(), webhook.close(), splunk.close()]);
    },
  };
  return world;
}
