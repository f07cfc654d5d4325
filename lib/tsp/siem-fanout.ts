// Every key use and security event, to every active SIEM configuration of
// the tenant (TSP.md "SIEM"): one bounded delivery queue per configuration
// version, fed here and drained by lib/siem. A tenant whose signed SIEM
// settings say `onQueueFull: 'refuse'` has its key use refused while a queue
// is full (admit), so nothing is done with its key that its SIEM cannot see.
// health() is each configuration's delivery as the status report carries it
// to the broker, where the tenant's admins see it.
import { randomUUID } from 'node:crypto';
import { createSiemQueue, createSiemSink, type TSiemQueue, type TSiemQueueHealth } from '@/lib/siem';
import { SiemError, type TSiemEvent, type TSiemSinkOptions } from '@/lib/siem/types';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
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
  /** The SIEM providers this proxy may deliver to (TSP_SIEM_PROVIDERS); default every one it supports. */
  providers?: readonly string[];
  /** Whether the tenant still has this SIEM configuration active: health() forgets the others once their queue is empty. */
  isActive?: (tenantId: string, configId: string) => boolean;
  /** How long a replaced version's queue may go on delivering what it holds. Default 10 000 ms. */
  retireDrainMs?: number;
};

type TCounts = { sent: number; retried: number; dropped: number };
type Held = {
  tenantId: string;
  configId: string;
  version: number;
  onFull: 'drop' | 'refuse';
  queue: TSiemQueue | null;
  provider: string;
  /** Why there is no queue: an unsupported or not enabled provider, or settings this proxy cannot use. */
  unservable: string | null;
  lost: number;
  lostAt: number | null;
  /** Earlier versions' queues still delivering what they hold. */
  retiring: Set<TSiemQueue>;
  /** Earlier versions' final counts: a configuration's totals never go back. */
  carried: TCounts;
};

/** How long a loss of events stays in the status report after the last one. */
export const LOSS_REPORT_MS = 10 * 60_000;

export type TSiemFanout = {
  /** Throws 208 (HTTP 503) when a 'refuse' queue of the tenant has no room for `events` more: the key use must not happen. */
  admit(tenant: TProxyTenant, events?: number): void;
  /** One event into each active SIEM configuration of the tenant; the number of configurations it went to. */
  emit(tenant: TProxyTenant | undefined, tenantId: string, event: TEventInput): number;
  stats(): { depth: number; dropped: number; delivered: number; failures: number; queues: number };
  /** Each SIEM configuration's delivery, for the status report; forgets inactive configurations whose queues are empty. Still answers after close(). */
  health(): TSiemHealth[];
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

  /** The old version's events still go out with the settings they were queued for; then its counts are carried. */
  function retire(queue: TSiemQueue | null, into: Held): void {
    if (!queue) return;
    into.retiring.add(queue);
    void queue.drain(options.retireDrainMs ?? 10_000).finally(() => {
      queue.close();
      const final = queue.health();
      into.carried.sent += final.sent;
      into.carried.retried += final.retried;
      into.carried.dropped += final.dropped;
      retired.dropped += final.dropped;
      retired.delivered += queue.delivered();
      retired.failures += queue.failures();
      into.retiring.delete(queue);
    });
  }

  function queueFor(tenantId: string, config: TProxyConfig): Held {
    const key = `${tenantId}\u0000${config.configId}`;
    const entry = held.get(key);
    if (entry && entry.version === config.version) return entry;
    const onFull = config.settings.onQueueFull === 'refuse' ? 'refuse' : 'drop';
    let queue: TSiemQueue | null = null;
    let unservable: string | null = null;
    try {
      if (options.providers !== undefined && !options.providers.includes(config.provider)) {
        throw new SiemError(`This proxy is set to deliver only to ${options.providers.join(', ') || 'no SIEM'} (TSP_SIEM_PROVIDERS), not to ${config.provider}.`, { code: 'config', retryable: false });
      }
      const sink = createSiemSink(config.provider, config.settings, options.sink);
      queue = createSiemQueue({ sink, maxEvents: options.maxQueueEvents, onFull, logger: queueLogger(tenantId, config), ...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }) });
    } catch (error) {
      // SiemError messages name the provider and field, never a value.
      unservable = error instanceof SiemError ? error.message : `This proxy cannot deliver events to ${config.provider}.`;
      options.logger.warn({ tenantId, configId: config.configId, provider: config.provider, err: (error as Error).message }, 'SIEM configuration cannot be served by this proxy; its events are dropped and counted');
    }
    const next: Held = {
      tenantId,
      configId: config.configId,
      version: config.version,
      onFull,
      queue,
      provider: config.provider,
      unservable,
      lost: 0,
      lostAt: null,
      retiring: entry?.retiring ?? new Set(),
      carried: entry ? { ...entry.carried, dropped: entry.carried.dropped + (entry.queue ? 0 : entry.lost) } : { sent: 0, retried: 0, dropped: 0 },
    };
    held.set(key, next);
    if (entry) retire(entry.queue, next);
    return next;
  }

  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  /** One configuration's delivery: its queue, the earlier versions' queues still delivering, and their carried counts. */
  function healthOf(entry: Held): TSiemHealth {
    const parts: TSiemQueueHealth[] = [...entry.retiring].map((queue) => queue.health());
    if (entry.queue) parts.push(entry.queue.health());
    const sum = (pick: 'sent' | 'retried' | 'dropped' | 'backlog') => parts.reduce((total, part) => total + part[pick], 0);
    const latest = (pick: 'lastSuccessAt') => parts.reduce<number | null>((max, part) => (part[pick] !== null && (max === null || part[pick] > max) ? part[pick] : max), null);
    const current = entry.queue?.health();
    return {
      tenantId: entry.tenantId,
      configId: entry.configId,
      version: entry.version,
      sent: entry.carried.sent + sum('sent'),
      retried: entry.carried.retried + sum('retried'),
      dropped: entry.carried.dropped + sum('dropped') + (entry.queue ? 0 : entry.lost),
      backlog: sum('backlog'),
      lastSuccessAt: iso(latest('lastSuccessAt')),
      // A provider this proxy cannot serve fails every event: a configuration problem, reported as one.
      lastErrorCode: entry.queue ? (current?.lastErrorCode ?? null) : 'config',
      failingSince: iso(current?.failingSince ?? null),
      onFull: entry.onFull,
    };
  }

  return {
    admit(tenant, events = 1) {
      for (const config of siemConfigs(tenant)) {
        const entry = queueFor(tenant.tenantId, config);
        if (entry.onFull === 'refuse' && entry.queue && entry.queue.room() < events) {
          throw new TspError('siem_backlog', `Tenant ${JSON.stringify(tenant.tenantId)}'s SIEM is not keeping up, and the tenant chose to refuse key use until it does.`, { retryAfterSeconds: 5 });
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
    health() {
      const out: TSiemHealth[] = [];
      for (const [key, entry] of held) {
        const report = healthOf(entry);
        const gone = options.isActive !== undefined && !options.isActive(entry.tenantId, entry.configId);
        if (gone && report.backlog === 0) {
          // Disabled or deleted, and nothing left to deliver: the next full report leaves it out, and the broker forgets it.
          if (entry.queue) {
            entry.queue.close();
            retired.dropped += entry.queue.dropped() + entry.queue.refused();
            retired.delivered += entry.queue.delivered();
            retired.failures += entry.queue.failures();
          }
          held.delete(key);
          continue;
        }
        out.push(report);
      }
      return out;
    },
    problems(now = Date.now()) {
      const out: TProxyError[] = [];
      for (const entry of held.values()) {
        const base = { tenantId: entry.tenantId, configId: entry.configId };
        if (!entry.queue) {
          out.push({ ...base, code: 'siem_unsupported', message: `${entry.unservable ?? `This proxy cannot deliver events to ${entry.provider}.`} ${entry.lost} events dropped.`.slice(0, 500) });
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
      // Entries stay: the last status report tells what each configuration delivered and lost (closing counts what was held).
      for (const entry of held.values()) {
        entry.queue?.close();
        entry.retiring.forEach((queue) => queue.close());
      }
    },
  };
}
