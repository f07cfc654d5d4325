// createTsp: one Tenant Security Proxy instance — the API server (port 7777
// by default), the health server (9000), the proxy client's long-poll that
// keeps the tenants' configurations live, the KMS drivers and the SIEM
// queues. No module-level state: tests start several in one process.
// scripts/tsp.ts only parses flags and environment and calls this.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import { BrokerHttpError, type TProxyClient } from '@/lib/proxy-client';
import type { TSiemSinkOptions } from '@/lib/siem/types';
import { createApiHandler, sendError } from './api';
import { createConfigTestHandler } from './config-test';
import { createDriverCache } from './configs';
import { TspError } from './errors';
import { createHealthHandler, type THealthState } from './health';
import { createLeases } from './lease';
import { createTspLogger, type TTspLogger } from './log';
import { createTspMetrics } from './metrics';
import { createTenantSecrets } from './secrets';
import { createSiemFanout } from './siem-fanout';
import { createUsageCounter } from './usage';

export type TTspOptions = {
  /** The proxy client (lib/proxy-client) of this deployment; createTsp runs its long-poll. */
  client: TProxyClient;
  deploymentId: string;
  /** One key, or two while rotating. */
  apiKeys: string[];
  host?: string;
  /** 7777 by default; 0 picks a free port. */
  port?: number;
  /** 9000 by default; 0 picks a free port. */
  healthPort?: number;
  healthHost?: string;
  tls?: { certFile: string; keyFile: string };
  kms?: TKmsDriverOptions;
  siem?: TSiemSinkOptions & { maxQueueEvents?: number; flushMs?: number; providers?: readonly string[] };
  /** Refuse key requests (503) once the configuration is older than this; unset: serve the last verified one. */
  maxStalenessSeconds?: number;
  /** Long-poll wait per request to the broker, seconds. */
  wait?: number;
  logger?: TTspLogger;
  instanceId?: string;
  /** How long stop() lets in-flight requests finish, and then the SIEM queues drain (each). */
  shutdownTimeoutMs?: number;
  /** Request headers must arrive within this (default 10 s), a whole request within requestMs (default 30 s). */
  timeouts?: { headersMs?: number; requestMs?: number };
  now?: () => number;
  /** Leased keys (docs/tsp.md "Leased keys"): opened leased keys held at most (TSP_LEASE_CACHE_ENTRIES, default 50 000). */
  leases?: { maxEntries?: number };
  /** KMS drivers held at most (TSP_KMS_DRIVER_CACHE, default 2 000); the least recently used is closed and made again on its next request. */
  kmsDrivers?: { maxDrivers?: number };
  /** Key-use counters (docs/tsp.md "Usage counters"); reportOpenMinute is for tests: usage shows within seconds, not after the minute. */
  usage?: { reportOpenMinute?: boolean };
};

export type TTsp = {
  start(): Promise<{ url: string; healthUrl: string }>;
  stop(): Promise<{ siemLeft: number }>;
  /** Reads the TLS certificate and key files again (certificate renewal without a restart). */
  reloadTls(): void;
  /** Resolves once the first full sync has been verified. */
  ready(): Promise<void>;
  health(): THealthState;
};

const listen = (server: http.Server, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

export function createTsp(options: TTspOptions): TTsp {
  if (options.apiKeys.length < 1 || options.apiKeys.length > 2) throw new Error('createTsp needs one or two API keys.');
  const logger = options.logger ?? createTspLogger();
  const now = options.now ?? Date.now;
  const instanceId = options.instanceId ?? randomUUID();
  const { client } = options;
  const drivers = createDriverCache(
    { ...options.kms, aws: { roleSessionName: `cmk-tsp-${options.deploymentId}`, ...options.kms?.aws } },
    undefined,
    options.kmsDrivers?.maxDrivers === undefined ? {} : { maxDrivers: options.kmsDrivers.maxDrivers },
  );
  const siem = createSiemFanout({
    deploymentId: options.deploymentId,
    instanceId,
    sink: options.siem ?? {},
    maxQueueEvents: options.siem?.maxQueueEvents ?? 10_000,
    logger,
    ...(options.siem?.flushMs === undefined ? {} : { flushMs: options.siem.flushMs }),
    ...(options.siem?.providers === undefined ? {} : { providers: options.siem.providers }),
    isActive: (tenantId, configId) => client.getTenant(tenantId)?.configs.some((c) => c.configId === configId && c.kind === 'siem' && c.status === 'active') === true,
  });
  // The tenants' admins and the vendor's operators see SIEM trouble in the broker, with the proxy's other errors,
  // and each SIEM configuration's delivery health (last success, backlog, counts, last error code).
  client.addErrorSource(() => siem.problems());
  client.setSiemHealthSource(instanceId, () => siem.health());
  // Key use per configuration and minute, for the tenants' admins and the vendor's operators (reported, not proven).
  const usage = createUsageCounter({ now, siem: () => siem.health(), ...(options.usage?.reportOpenMinute ? { reportOpenMinute: true } : {}) });
  client.setUsageSource(instanceId, usage);
  const usageSampler = setInterval(() => usage.sampleSiem(), 5_000);
  usageSampler.unref();
  // A broker that stops handing a tenant over is told to the tenant through a channel the broker does not control:
  // its own SIEM, as last verified (this process must have served the tenant; settings are never kept on disk).
  client.onTenantStopped((notice, lastServed) => {
    const sent = siem.emit(lastServed, notice.tenantId, {
      category: 'delivery',
      event: notice.code,
      outcome: 'failure',
      errorCode: null,
      kmsConfigId: null,
      iclFields: { requestingId: 'cmk-tsp' },
      customFields: {},
      details: { code: notice.code, lastAppliedSeq: notice.seq ?? null, message: notice.message },
    });
    logger.warn({ tenantId: notice.tenantId, code: notice.code, lastAppliedSeq: notice.seq ?? null, siemConfigurations: sent }, 'the broker stopped handing this tenant over; serving none of its configurations');
  });
  // A tenant admin's "Test" (docs/tsp.md "Configuration tests"): picked up by the proxy client's second long-poll.
  client.onConfigTest(createConfigTestHandler({ drivers, sink: options.siem ?? {}, siemProviders: options.siem?.providers, deploymentId: options.deploymentId, instanceId, logger }));
  let synced = false;
  let stopping = false;
  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve));
  const loop = new AbortController();

  const staleness = () => {
    const last = client.lastSyncAt();
    return last === null ? null : Math.max(0, Math.round((now() - last) / 1000));
  };
  function notServingReason(): string | null {
    if (stopping) return 'shutting down';
    if (!synced) return 'the first full sync with the broker is not verified yet';
    const stale = staleness();
    if (options.maxStalenessSeconds !== undefined && stale !== null && stale > options.maxStalenessSeconds) {
      return `the configuration is ${stale} s old, more than the allowed ${options.maxStalenessSeconds} s (broker unreachable?)`;
    }
    return null;
  }
  const health = (): THealthState => {
    const reason = notServingReason();
    const s = siem.stats();
    return { live: true, ready: reason === null, reason, stalenessSeconds: staleness(), tenants: client.listTenants().length, deploymentId: options.deploymentId, instanceId, siem: { depth: s.depth, dropped: s.dropped } };
  };
  // Leased keys of a configuration disabled or changed are wiped as soon as the change is applied.
  const leases = createLeases({ now, ...(options.leases?.maxEntries === undefined ? {} : { maxEntries: options.leases.maxEntries }) });
  client.onApplied((tenantIds) => leases.sweep((id) => client.getTenant(id), tenantIds));
  // Deterministic keys (docs/tsp.md "Deterministic keys"): secrets made here are stored at the broker.
  const secrets = createTenantSecrets({
    drivers,
    leases,
    logger,
    async storeSecret(input) {
      try {
        return await client.storeSecret(input);
      } catch (error) {
        // Refused (the tenant's state there is not the one applied here yet, say) or unreachable: the application retries.
        const refused = error instanceof BrokerHttpError && error.status >= 400 && error.status < 500 && error.status !== 429;
        // The application hears "try again"; the operator reads why (the broker's errors carry no secret).
        logger.warn({ tenantId: input.tenantId, err: (error as Error)?.message }, refused ? 'the broker refused a new tenant secret' : 'a new tenant secret could not be stored at the broker');
        throw new TspError(refused ? 'unknown' : 'unavailable', refused ? `The broker refused the new secret: ${error.message}` : 'The broker could not be reached to store a new secret; try again.', { retryAfterSeconds: 1, cause: error });
      }
    },
    onProblem(tenant, problem) {
      siem.emit(tenant, tenant.tenantId, { category: 'delivery', event: problem.code, outcome: 'failure', errorCode: null, kmsConfigId: null, iclFields: { requestingId: 'cmk-tsp' }, customFields: {}, details: { code: problem.code, message: problem.message } });
    },
  });
  client.addErrorSource(() => secrets.problems());
  // Opened secrets go with their configuration's change, and at the end of their lifetime.
  client.onApplied((tenantIds) => secrets.sweep((id) => client.getTenant(id), tenantIds));
  const secretSweeper = setInterval(() => secrets.sweep((id) => client.getTenant(id)), 5_000);
  secretSweeper.unref();
  const metrics = createTspMetrics({ staleness, siem: () => siem.stats(), ready: () => notServingReason() === null, leases: () => leases.stats() });
  const ctx = { source: client, drivers, siem, metrics, usage, leases, secrets };
  const handler = createApiHandler({
    ctx,
    apiKeys: options.apiKeys,
    logger,
    checkServing() {
      const reason = notServingReason();
      if (reason) throw new TspError('unavailable', `This proxy is not serving: ${reason}.`, { retryAfterSeconds: 1 });
    },
  });

  const readTls = () => (options.tls ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } : null);
  const tlsMaterial = readTls();
  // Node checks those time limits only this often (30 s by default): a slow client is cut within a second of its limit.
  const serverOptions = { connectionsCheckingInterval: 1_000, headersTimeout: options.timeouts?.headersMs ?? 10_000, requestTimeout: options.timeouts?.requestMs ?? 30_000 };
  const api: http.Server = tlsMaterial ? https.createServer({ ...serverOptions, ...tlsMaterial, minVersion: 'TLSv1.2' }) : http.createServer(serverOptions);
  let inFlight = 0;
  let idle: (() => void) | null = null;
  api.on('request', (req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
    void handler(req, res);
  });
  // Slow or malformed requests (headers that never finish, bad framing) still get { code, message }.
  api.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const failure =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new TspError('request_timeout', 'The request took too long to arrive.') : error.code === 'HPE_HEADER_OVERFLOW' ? new TspError('invalid_request', 'The request headers are too large.') : new TspError('invalid_request', 'The request is not valid HTTP.');
    const body = JSON.stringify(failure.toBody());
    socket.end(`HTTP/1.1 ${failure.status} ${http.STATUS_CODES[failure.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // Longer than a load balancer's idle timeout (60 s on the common ones), so the balancer closes first.
  api.keepAliveTimeout = 65_000;
  const healthServer = http.createServer((req, res) => void createHealthHandler(health, metrics)(req, res));
  const sweeper = setInterval(() => drivers.sweep(client), 60_000);
  sweeper.unref();

  async function syncLoop(): Promise<void> {
    // The first full sync, retried until it verifies; the proxy is not ready before.
    for (let attempt = 1; !loop.signal.aborted && !synced; attempt++) {
      try {
        await client.syncOnce();
        synced = true;
        markReady();
        logger.info({ tenants: client.listTenants().length }, 'first full sync verified; serving');
      } catch (error) {
        logger.warn({ attempt, err: (error as Error).message }, 'first sync with the broker failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))).unref());
      }
    }
    if (!loop.signal.aborted) await client.run({ wait: options.wait ?? 30, signal: loop.signal });
  }

  return {
    async start() {
      const host = options.host ?? '127.0.0.1';
      const port = await listen(api, options.port ?? 7777, host);
      const healthPort = await listen(healthServer, options.healthPort ?? 9000, options.healthHost ?? host);
      void syncLoop();
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      return { url: `${tlsMaterial ? 'https' : 'http'}://${shown}:${port}`, healthUrl: `http://${shown}:${healthPort}` };
    },
    async stop() {
      stopping = true;
      const bound = options.shutdownTimeoutMs ?? 10_000;
      const closed = new Promise<void>((resolve) => api.close(() => resolve()));
      api.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, bound).unref())]);
      }
      api.closeAllConnections();
      await closed;
      loop.abort();
      clearInterval(sweeper);
      const drained = await siem.drain(bound);
      if (drained.left > 0) logger.warn({ left: drained.left }, 'SIEM events not delivered before shutdown; counted as dropped and reported to the broker');
      siem.close();
      clearInterval(usageSampler);
      // The minute still open goes in the last report too.
      usage.sampleSiem();
      usage.closeAll();
      // The last report tells the broker (and the tenants' admins) what was delivered and what was lost; bounded, best effort.
      await Promise.race([client.reportStatus().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, Math.min(bound, 2_000)).unref())]);
      client.stop();
      leases.close();
      clearInterval(secretSweeper);
      secrets.close();
      drivers.close();
      await new Promise<void>((resolve) => healthServer.close(() => resolve()));
      healthServer.closeAllConnections();
      // The log is written asynchronously: what this instance logged reaches stdout before stop() resolves.
      logger.flush?.();
      return { siemLeft: drained.left };
    },
    reloadTls() {
      const material = readTls();
      if (material && api instanceof https.Server) api.setSecureContext({ ...material, minVersion: 'TLSv1.2' });
    },
    ready: () => readyPromise,
    health,
  };
}

export { sendError };
