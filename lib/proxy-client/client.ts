// createProxyClient: the long-running side of the proxy client — the
// long-poll loop (ETag / If-None-Match, backoff with full jitter, bad_cursor →
// full sync, 401 → keep serving and retry slowly), status reports after every
// change and at least once a minute, a full sync every hour (the one way to
// see a tenant left out of the bundle), and read access to the last good
// configuration. See lib/proxy-client/index.ts for the API overview.
import { randomUUID } from 'node:crypto';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import type { TReportSource } from './report-source';
import { createSiemReporter, type TSiemReporter } from './siem-report';
import { createUsageReporter, type TUsageSource } from './usage-report';
import type { TProxyCredentials } from '@/lib/schemas/deployments';

import { backoffDelay, DEFAULT_RETRY, sleep, type TRetryOptions } from './backoff';
import { runConfigTestLoop, type TConfigTestHandler } from './config-tests';
import { BrokerHttpError, createBrokerApi, type TFetch, type TStoredSecretInput } from './http';
import { storeSecretWithRetries } from './store-secret';
import { BundleRefusedError, createSyncCore, type TStoppedListener } from './sync-core';
import type { TProxyError, TProxyLogger, TProxySummary, TProxyTenant, TStoredSecret } from './types';

export type TProxyClientOptions = {
  credentials: TProxyCredentials;
  /** Where pins are kept (defaultPinsFile(credentialsPath) is the convention). */
  pinsFile: string;
  fetch?: TFetch;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  logger?: TProxyLogger;
  retry?: Partial<TRetryOptions>;
  /** In [0, 1); injectable for tests. */
  random?: () => number;
  /** How often run() starts over with a full sync (default 1 hour): a tenant the broker leaves out shows only in one. */
  fullSyncEveryMs?: number;
  /** This proxy process in results and reports (default: setSiemHealthSource's, else a random UUID). */
  instanceId?: string;
};

export type TProxyClient = {
  /** Fetches until complete: a full sync the first time (or after bad_cursor), a delta afterwards. Throws on failure. */
  syncOnce(): Promise<void>;
  /** Sends the status report (applied states since the last accepted report, every current error). */
  reportStatus(): Promise<void>;
  /** Long-polls until stop() or `signal`; never throws for broker or network failures. */
  run(options?: { wait?: number; signal?: AbortSignal }): Promise<void>;
  getTenant(tenantId: string): TProxyTenant | undefined;
  listTenants(): TProxyTenant[];
  summary(): TProxySummary;
  /** When the last pull completed (ms since the epoch), or null before the first: cheap, for per-request staleness checks. */
  lastSyncAt(): number | null;
  /** Adds failures of the embedding proxy's own work (a TSP's SIEM delivery) to every status report and the summary. */
  addErrorSource(source: () => TProxyError[]): void;
  /** A TSP's SIEM delivery health per configuration, added to status reports as `instanceId` names it (docs/proxy-api.md). */
  setSiemHealthSource(instanceId: string, source: () => TSiemHealth[]): void;
  /** A TSP's key-use counters, added to status reports as `instanceId` names it (docs/proxy-api.md "Usage counters"). */
  setUsageSource(instanceId: string, source: TUsageSource): void;
  /** Called once per pinned tenant the broker stops handing over (tenant_withheld / tenant_suspended), with what was last served of it. */
  onTenantStopped(listener: TStoppedListener): void;
  /** Called after every pull that applied a page, with the tenants it listed (and, after a full sync, those it dropped): their configurations may have changed. */
  onApplied(listener: (tenantIds: string[]) => void): void;
  /** Stores a tenant secret this proxy made (POST /api/v1/proxy/secrets); resolves to the stored one: ours, or the first writer's. */
  storeSecret(input: TStoredSecretInput): Promise<TStoredSecret>;
  /** Runs configuration tests: with a handler, run() also long-polls GET /api/v1/proxy/tests and posts each result (./config-tests.ts). */
  onConfigTest(handler: TConfigTestHandler): void;
  stop(): void;
};

const REPORT_INTERVAL_MS = 60_000;
/**
 * Between pulls (a long poll may hold for its whole wait), how often the
 * client checks for news of its own work — a SIEM failing or recovering — and
 * the least time between two such reports, so a flapping destination cannot
 * flood the broker.
 */
const NEWS_CHECK_MS = 1_000;
const NEWS_MIN_GAP_MS = 5_000;
export const FULL_SYNC_EVERY_MS = 3_600_000;
const SILENT: TProxyLogger = { info: () => {}, warn: () => {}, error: () => {} };

export function createProxyClient(options: TProxyClientOptions): TProxyClient {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? SILENT;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  const { credentials } = options;
  const api = createBrokerApi(credentials.brokerUrl, credentials.apiKey, options.fetch);
  const errorSources: (() => TProxyError[])[] = [];
  let siemReporter: TSiemReporter | null = null;
  let instanceId = options.instanceId ?? randomUUID();
  let configTestHandler: TConfigTestHandler | null = null;
  let usageReporter: TReportSource | null = null;
  const core = createSyncCore({
    credentials,
    pinsFile: options.pinsFile,
    api,
    now,
    logger,
    extraErrors: () => errorSources.flatMap((source) => source()),
    sources: () => [siemReporter, usageReporter].filter((source) => source !== null),
  });
  const stopper = new AbortController();
  let transportError: TProxyError | null = null;

  let reporting: Promise<void> | null = null;
  let lastReport = -Infinity;
  /** One report at a time: a caller during a report waits for it (the next check sends what changed meanwhile). */
  function report(signal: AbortSignal): Promise<void> {
    reporting ??= (async () => {
      try {
        await core.reportStatus(signal);
      } catch (e) {
        if (!signal.aborted) logger.warn(`Status report failed: ${(e as Error).message}`);
      } finally {
        lastReport = now();
        reporting = null;
      }
    })();
    return reporting;
  }

  // One failure of a loop iteration: how long to wait before the next.
  function onFailure(e: unknown, attempt: number): number {
    if (e instanceof BrokerHttpError && e.status === 400 && e.code === 'bad_cursor') {
      logger.warn('The broker no longer knows our cursor; starting a full sync.');
      core.resetCursor();
      return 0;
    }
    if (e instanceof BrokerHttpError && e.status === 401) {
      transportError = { tenantId: '*', configId: null, code: 'transport', message: e.message };
      logger.error('The broker refused the API key (revoked, expired or deployment disabled). Serving the last good configuration; retrying slowly.');
      return backoffDelay(1, { ...retry, baseMs: retry.unauthorizedMs, capMs: retry.unauthorizedMs }, () => 0.5 + random() / 2);
    }
    if (e instanceof BundleRefusedError) {
      logger.error(`Bundle refused (${e.error.code}): ${e.error.message} Serving the last good configuration.`);
    } else {
      transportError = { tenantId: '*', configId: null, code: 'transport', message: (e as Error).message.slice(0, 500) };
      logger.warn(`Sync failed (${transportError.message}); serving the last good configuration.`);
    }
    const delay = backoffDelay(attempt, retry, random);
    // A broker that says when to come back (429 too many wrong keys from here, 503 database unavailable) is not asked sooner.
    return e instanceof BrokerHttpError && e.retryAfterMs !== null ? Math.max(delay, e.retryAfterMs) : delay;
  }

  async function run({ wait = 30, signal }: { wait?: number; signal?: AbortSignal } = {}): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, stopper.signal]) : stopper.signal;
    let attempt = 0;
    const fullEvery = options.fullSyncEveryMs ?? FULL_SYNC_EVERY_MS;
    // A sync made before run() (syncOnce, as a TSP does to become ready) is reported now, not after the first long-poll.
    if (core.cursor() !== null && core.needsReport()) await report(stop);
    // News of the proxy's own work is told while a long poll waits, not when it returns.
    const newsCheck = setInterval(() => {
      if (reporting === null && core.cursor() !== null && now() - lastReport >= NEWS_MIN_GAP_MS && core.needsReport()) void report(stop);
    }, NEWS_CHECK_MS);
    newsCheck.unref();
    stop.addEventListener('abort', () => clearInterval(newsCheck), { once: true });
    const handler = configTestHandler;
    const tests = handler
      ? runConfigTestLoop({ api, handler, instanceId, getTenant: core.getTenant, draftKeys: core.draftKeys, logger, retry, random, now, signal: stop })
      : Promise.resolve();
    while (!stop.aborted) {
      const started = now();
      const lastFull = core.lastFullSyncAt();
      if (lastFull !== null && started - lastFull >= fullEvery) core.startFullSync();
      try {
        const changed = await core.pull(wait, stop);
        attempt = 0;
        transportError = null;
        if (changed || core.needsReport() || now() - lastReport >= REPORT_INTERVAL_MS) await report(stop);
        if (!changed && now() - started < retry.minPollMs) await sleep(retry.minPollMs, stop);
      } catch (e) {
        if (stop.aborted) break;
        attempt += 1;
        const delay = onFailure(e, attempt);
        // A refused bundle is news for the broker's operators even though nothing was applied.
        if (e instanceof BundleRefusedError) await report(stop);
        if (delay > 0) await sleep(delay, stop);
      }
    }
    await tests;
  }

  function summary(): TProxySummary {
    const tenants = core.tenants();
    const errors = [...(transportError ? [transportError] : []), ...core.errors()];
    const configurations = tenants.flatMap((t) => t.configs.map(({ settings: _secret, ...c }) => ({ tenantId: t.tenantId, ...c })));
    const lastSync = core.lastSyncAt();
    return {
      deploymentId: credentials.deploymentId,
      counts: {
        tenants: tenants.length,
        approved: tenants.filter((t) => t.approved).length,
        suspended: tenants.filter((t) => t.status === 'suspended').length,
        configurations: configurations.length,
        errors: errors.length,
        stopped: core.stopped().length,
      },
      tenants: tenants.map(({ tenantId, status, seq, approved }) => ({ tenantId, status, seq, approved })),
      configurations,
      errors,
      staleness: lastSync === null ? null : Math.max(0, Math.round((now() - lastSync) / 1000)),
      cursor: core.cursor(),
    };
  }

  return {
    async syncOnce() {
      await core.pull(0, stopper.signal);
      transportError = null;
    },
    reportStatus: () => core.reportStatus(stopper.signal),
    run,
    getTenant: core.getTenant,
    listTenants: core.tenants,
    summary,
    lastSyncAt: () => core.lastSyncAt(),
    addErrorSource: (source) => void errorSources.push(source),
    setSiemHealthSource(id, source) {
      instanceId = id;
      siemReporter = createSiemReporter(id, source, now);
    },
    setUsageSource(instanceId, source) {
      usageReporter = createUsageReporter(instanceId, source);
    },
    onTenantStopped: core.onStopped,
    onApplied: core.onApplied,
    // Bounded (the application's request waits on it), and tried again after a failure that may pass.
    storeSecret: (input) => storeSecretWithRetries(api, input, { stop: stopper.signal, random, sleep, warn: (message) => logger.warn(message) }),
    onConfigTest(handler) {
      configTestHandler = handler;
    },
    stop: () => stopper.abort(),
  };
}
