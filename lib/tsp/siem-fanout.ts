// Every key use and security event, to every active SIEM configuration of
// the tenant (TSP.md "SIEM"): one bounded delivery queue per configuration
// version, fed here and drained by lib/siem. A tenant whose signed SIEM
// settings say `onQueueFull: 'refuse'` has its key use refused while a queue
// is full (admit), so nothing is done with its key that its SIEM cannot see.
import { randomUUID } from 'node:crypto';
import { createSiemQueue, createSiemSink, type TSiemQueue } from '@/lib/siem';
import type { TSiemEvent, TSiemSinkOptions } from '@/lib/siem/types';
import type { TProxyConfig, TProxyError, TProxyTenant } from '@/lib/proxy-client';
import { TspError } from './errors';
import type { TTspLogger } from './log';

export type TEventInput = Omit<TSiemEvent, 'id' | 'time' | 'source' | 'tenantId' | 'deploymentId' | 'instanceId'>;

export type TSiemFanoutOptions = {
  deploymentId: string;
  instanceId: string;
  sink: TSiemSinkOptions;
  /** Events one configuration's queue holds before its overflow policy applies. */
  maxQueueEvents: number;
  logger: TTspLogger;
  /** For tests: how long a queue waits to fill a batch. */
  flushMs?: number;
};

type Held = { tenantId: string; configId: string; version: number; onFull: 'drop' | 'refuse'; queue: TSiemQueue | null; provider: string; lost: number; lostAt: number | null };

/** How long a loss of events stays in the status report after the last one. */
export const LOSS_REPORT_MS = 10 * 60_000;

export type TSiemFanout = {
  /** Throws 503 when a 'refuse' queue of the tenant has no room for `events` more: the key use must not happen. */
  admit(tenant: TProxyTenant, events?: number): void;
  /** One event into each active SIEM configuration of the tenant; the number of configurations it went to. */
  emit(tenant: TProxyTenant | undefined, tenantId: string, event: TEventInput): number;
  stats(): { depth: number; dropped: number; delivered: number; failures: number; queues: number };
  /** What the broker is told, per SIEM configuration: failing delivery, recent losses, providers this proxy cannot serve. */
  problems(now?: number): TProxyError[];
  drain(timeoutMs: number): Promise<{ delivered: number; left: number }>;
  close(): void;
};

const siemConfigs = (tenant: TProxyTenant) => tenant.configs.filter((c) => c.kind === 'siem' && c.status === 'active');

export function createSiemFanout(options: TSiemFanoutOptions): TSiemFanout {
  const held = new Map<string, Held>();
  // Counts of queues already closed (replaced by a newer version), so totals never go backwards.
  const retired = { dropped: 0, delivered: 0, failures: 0 };
  let unsupportedDrops = 0;

  // The queue logs plain sentences; ours are structured, with the tenant and configuration they concern.
  const queueLogger = (tenantId: string, config: TProxyConfig) => ({
    warn: (message: string) => options.logger.warn({ tenantId, configId: config.configId, provider: config.provider }, message),
    error: (message: string) => options.logger.error({ tenantId, configId: config.configId, provider: config.provider }, message),
  });

  function retire(entry: Held): void {
    const queue = entry.queue;
    if (!queue) return;
    // The old version's events still go out with the settings they were queued for.
    void queue.drain(10_000).finally(() => {
      retired.dropped += queue.dropped() + queue.refused();
      retired.delivered += queue.delivered();
      retired.failures += queue.failures();
      queue.close();
    });
  }

  function queueFor(tenantId: string, config: TProxyConfig): Held {
    const key = `${tenantId}\u0000${config.configId}`;
    const entry = held.get(key);
    if (entry && entry.version === config.version) return entry;
    if (entry) retire(entry);
    const onFull = config.settings.onQueueFull === 'refuse' ? 'refuse' : 'drop';
    let queue: TSiemQueue | null = null;
    try {
      const sink = createSiemSink(config.provider, config.settings, options.sink);
      queue = createSiemQueue({ sink, maxEvents: options.maxQueueEvents, onFull, logger: queueLogger(tenantId, config), ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }) });
    } catch (error) {
      options.logger.warn({ tenantId, configId: config.configId, provider: config.provider, err: (error as Error).message }, 'SIEM configuration cannot be served by this proxy; its events are dropped and counted');
    }
    const next: Held = { tenantId, configId: config.configId, version: config.version, onFull, queue, provider: config.provider, lost: 0, lostAt: null };
    held.set(key, next);
    return next;
  }

  return {
    admit(tenant, events = 1) {
      for (const config of siemConfigs(tenant)) {
        const entry = queueFor(tenant.tenantId, config);
        if (entry.onFull === 'refuse' && entry.queue && entry.queue.room() < events) {
          throw new TspError('unavailable', `Tenant ${JSON.stringify(tenant.tenantId)}'s SIEM is not keeping up, and the tenant chose to refuse key use until it does.`, { retryAfterSeconds: 5 });
        }
      }
    },
    emit(tenant, tenantId, input) {
      if (!tenant) return 0;
      const configs = siemConfigs(tenant);
      for (const config of configs) {
        const entry = queueFor(tenantId, config);
        const event: TSiemEvent = {
          id: randomUUID(),
          time: new Date().toISOString(),
          source: 'cmk-tsp',
          tenantId,
          deploymentId: options.deploymentId,
          instanceId: options.instanceId,
          ...input,
        };
        if (entry.queue) entry.queue.enqueue(event);
        else {
          unsupportedDrops += 1;
          entry.lost += 1;
        }
      }
      return configs.length;
    },
    stats() {
      let depth = 0;
      let dropped = retired.dropped + unsupportedDrops;
      let delivered = retired.delivered;
      let failures = retired.failures;
      for (const entry of held.values()) {
        if (!entry.queue) continue;
        depth += entry.queue.depth();
        // A refused enqueue (the event of a refusal, while the queue is full) is an event the SIEM never gets.
        dropped += entry.queue.dropped() + entry.queue.refused();
        delivered += entry.queue.delivered();
        failures += entry.queue.failures();
      }
      return { depth, dropped, delivered, failures, queues: held.size };
    },
    problems(now = Date.now()) {
      const out: TProxyError[] = [];
      for (const entry of held.values()) {
        const base = { tenantId: entry.tenantId, configId: entry.configId };
        if (!entry.queue) {
          out.push({ ...base, code: 'siem_unsupported', message: `This proxy cannot deliver events to ${entry.provider} yet; ${entry.lost} dropped.` });
          continue;
        }
        const lost = entry.queue.dropped() + entry.queue.refused();
        if (lost > entry.lost) {
          entry.lost = lost;
          entry.lostAt = now;
        }
        const failing = entry.queue.lastError();
        const recentLoss = entry.lostAt !== null && now - entry.lostAt < LOSS_REPORT_MS;
        if (failing || recentLoss) {
          const parts = [failing ? `Delivery failing: ${failing}` : null, recentLoss ? `${lost} events lost since this proxy started (queue full, policy ${entry.onFull}).` : null];
          out.push({ ...base, code: 'siem_delivery', message: parts.filter(Boolean).join(' ').slice(0, 500) });
        }
      }
      return out;
    },
    async drain(timeoutMs) {
      const results = await Promise.all([...held.values()].map((e) => (e.queue ? e.queue.drain(timeoutMs) : { delivered: 0, left: 0 })));
      return results.reduce((a, b) => ({ delivered: a.delivered + b.delivered, left: a.left + b.left }), { delivered: 0, left: 0 });
    },
    close() {
      for (const entry of held.values()) entry.queue?.close();
      held.clear();
    },
  };
}
