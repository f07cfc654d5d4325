// Prometheus metrics of one TSP instance, on its own registry (no global
// state: two instances can live in one process, as tests do). Labels are
// bounded sets — route, outcome code, provider, operation — never a tenant id.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type TTspMetrics = {
  registry: Registry;
  requests: Counter<'route' | 'code'>;
  kmsSeconds: Histogram<'provider' | 'operation' | 'outcome'>;
  /** One API request, counted by route and outcome code: a number added to, read into `requests` when scraped. */
  countRequest(route: string, code: number): void;
};

export type TMetricSources = {
  /** Seconds since the last verified sync with the broker, or null before the first. */
  staleness(): number | null;
  siem(): { depth: number; dropped: number; delivered: number; failures: number };
  ready(): boolean;
  /** Leased keys (lib/tsp/lease.ts): opened keys held, cache hits and misses, KMS calls for leased keys. */
  leases?(): { entries: number; hits: number; misses: number; kmsWraps: number; kmsUnwraps: number };
};

export function createTspMetrics(sources: TMetricSources): TTspMetrics {
  const registry = new Registry();
  // Counted here, not with requests.inc(labels) per request: prom-client hashes the labels and copies its values on every inc.
  const counts = new Map<string, Map<number, number>>();
  const requests = new Counter({
    name: 'tsp_requests_total',
    help: 'API requests by route and outcome code (0 = success).',
    labelNames: ['route', 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, byCode] of counts) for (const [code, n] of byCode) this.inc({ route, code: String(code) }, n);
    },
  });
  const kmsSeconds = new Histogram({
    name: 'tsp_kms_request_seconds',
    help: 'KMS call latency by provider, operation and outcome.',
    labelNames: ['provider', 'operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'tsp_config_staleness_seconds',
    help: 'Seconds since the configuration was last verified from the broker (-1 before the first sync).',
    registers: [registry],
    collect() {
      this.set(sources.staleness() ?? -1);
    },
  });
  new Gauge({ name: 'tsp_ready', help: '1 when the instance serves key requests.', registers: [registry], collect() { this.set(sources.ready() ? 1 : 0); } });
  new Gauge({ name: 'tsp_siem_queue_events', help: 'Events waiting in SIEM delivery queues.', registers: [registry], collect() { this.set(sources.siem().depth); } });
  // Totals read from the queues at scrape time: monotonic, so exposed as counters.
  for (const [name, help, pick] of [
    ['tsp_siem_dropped_events_total', 'SIEM events dropped (queue full with the drop policy, or a destination this proxy cannot serve).', 'dropped'],
    ['tsp_siem_delivered_events_total', 'SIEM events delivered.', 'delivered'],
    ['tsp_siem_failed_batches_total', 'SIEM delivery attempts that failed (and were retried).', 'failures'],
  ] as const) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sources.siem()[pick]);
      },
    });
  }
  const leases = sources.leases;
  if (leases) {
    new Gauge({ name: 'tsp_lease_cache_entries', help: 'Opened leased keys held in memory.', registers: [registry], collect() { this.set(leases().entries); } });
    new Counter({
      name: 'tsp_lease_cache_total',
      help: 'Leased-key lookups by unwrap: hit (opened from memory) or miss (asked the KMS).',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        const s = leases();
        this.reset();
        this.inc({ result: 'hit' }, s.hits);
        this.inc({ result: 'miss' }, s.misses);
      },
    });
    new Counter({
      name: 'tsp_lease_kms_calls_total',
      help: 'KMS calls for leased keys: wrap (a new leased key) and unwrap (opening one).',
      labelNames: ['operation'],
      registers: [registry],
      collect() {
        const s = leases();
        this.reset();
        this.inc({ operation: 'wrap' }, s.kmsWraps);
        this.inc({ operation: 'unwrap' }, s.kmsUnwraps);
      },
    });
  }
  const countRequest = (route: string, code: number) => {
    let byCode = counts.get(route);
    if (!byCode) counts.set(route, (byCode = new Map()));
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  };
  return { registry, requests, kmsSeconds, countRequest };
}
