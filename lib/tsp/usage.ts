// Key-use counters of one TSP instance (issue 23 "Usage", docs/tsp.md
// "Usage counters"): per (tenant, configuration) and whole minute, the
// successful wraps, unwraps and rekeys (each batch item counts), failures by
// TSP error code, leased-key hits, and for SIEM configurations the events
// sent and dropped (deltas of the fanout's totals). The proxy client sends
// the minutes that are over in its status reports and forgets them once the
// broker accepted them; a report that fails is sent again whole, and the
// broker stores by (instance, configuration, minute), so a repeat replaces.
//
// Memory is bounded: at most `maxEntries` (configuration, minute) entries wait
// for the broker; past that the oldest are cut, and counted (cut()).
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import { MAX_STATUS_USAGE, type TUsageMinute } from '@/lib/schemas/usage';

export const USAGE_MINUTE_MS = 60_000;
/** 10 000 tenants × a few configurations × the minutes a broker outage of a few minutes leaves unreported. */
export const MAX_USAGE_ENTRIES = 200_000;
const MAX_FAILURE_CODES = 32;

export type TKeyUse = 'wrap' | 'unwrap' | 'rekey';

type TEntry = Omit<TUsageMinute, 'minute'> & { at: number };

export type TUsageCounter = {
  /** One key use by a configuration of a tenant: `errorCode` null for a success. */
  keyUse(tenantId: string, configId: string, use: TKeyUse, errorCode: number | null): void;
  /** A key use refused before a configuration was known (unknown tenant, no primary): counted here only, never reported per configuration. */
  unattributed(): void;
  /** Adds what the SIEM queues sent and dropped since the last sample to the current minute. */
  sampleSiem(): void;
  /**
   * The entries a report carries: every minute that is over (the current one
   * too once `closeAll()` was called, as at shutdown, or with `reportOpenMinute`),
   * at most MAX_STATUS_USAGE, oldest first; accepted() forgets the closed ones.
   */
  take(): { usage: TUsageMinute[]; accepted(): void };
  /** The current minute is reported too from now on (the last report at shutdown). */
  closeAll(): void;
  /** Whether the open minute changed since it was last taken (only with reportOpenMinute or after closeAll). */
  openChanged(): boolean;
  stats(): { waiting: number; cut: number; unattributed: number };
};

export type TUsageOptions = {
  now: () => number;
  /** The SIEM configurations' delivery totals (lib/tsp/siem-fanout.ts health()). */
  siem?: () => TSiemHealth[];
  maxEntries?: number;
  /**
   * For tests: reports carry the minute still open as well (the broker's SET
   * semantics replace it when it is sent again, complete), so a test sees its
   * key use within seconds instead of waiting for the minute to end.
   */
  reportOpenMinute?: boolean;
};

const keyOf = (tenantId: string, configId: string, minute: number) => `${minute}\u0000${tenantId}\u0000${configId}`;
const floorMinute = (ms: number) => ms - (ms % USAGE_MINUTE_MS);

export function createUsageCounter(options: TUsageOptions): TUsageCounter {
  const maxEntries = options.maxEntries ?? MAX_USAGE_ENTRIES;
  // Insertion order is time order (minutes only move forward), so the first entry is the oldest.
  const entries = new Map<string, TEntry>();
  const siemTotals = new Map<string, { sent: number; dropped: number }>();
  let cut = 0;
  let unattributed = 0;
  let closing = options.reportOpenMinute === true;
  let openTaken = '';

  function entry(tenantId: string, configId: string): TEntry {
    const at = floorMinute(options.now());
    const key = keyOf(tenantId, configId, at);
    let found = entries.get(key);
    if (!found) {
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
        cut += 1;
      }
      found = { tenantId, configId, at, wraps: 0, unwraps: 0, rekeys: 0, failures: {}, leasedHits: 0, siemSent: 0, siemDropped: 0 };
      entries.set(key, found);
    }
    return found;
  }

  const openKeys = () => {
    const open = floorMinute(options.now());
    return JSON.stringify([...entries.values()].filter((e) => e.at === open));
  };

  return {
    keyUse(tenantId, configId, use, errorCode) {
      const e = entry(tenantId, configId);
      if (errorCode === null) {
        if (use === 'wrap') e.wraps += 1;
        else if (use === 'unwrap') e.unwraps += 1;
        else e.rekeys += 1;
        return;
      }
      const code = String(errorCode);
      // More distinct codes than a report may carry for one minute: the extra ones join the last code seen.
      if (Object.hasOwn(e.failures, code) || Object.keys(e.failures).length < MAX_FAILURE_CODES) e.failures[code] = (e.failures[code] ?? 0) + 1;
      else cut += 1;
    },
    unattributed() {
      unattributed += 1;
    },
    sampleSiem() {
      if (!options.siem) return;
      for (const h of options.siem()) {
        const key = `${h.tenantId}\u0000${h.configId}`;
        const last = siemTotals.get(key) ?? { sent: 0, dropped: 0 };
        // Totals only grow while a queue lives; a smaller one is a new count from zero.
        const sent = h.sent >= last.sent ? h.sent - last.sent : h.sent;
        const dropped = h.dropped >= last.dropped ? h.dropped - last.dropped : h.dropped;
        siemTotals.set(key, { sent: h.sent, dropped: h.dropped });
        if (sent === 0 && dropped === 0) continue;
        const e = entry(h.tenantId, h.configId);
        e.siemSent += sent;
        e.siemDropped += dropped;
      }
    },
    take() {
      const open = floorMinute(options.now());
      const picked = [...entries.entries()].filter(([, e]) => closing || e.at < open).slice(0, MAX_STATUS_USAGE);
      const usage = picked.map(([, { at, failures, ...e }]) => ({ ...e, failures: { ...failures }, minute: new Date(at).toISOString() }));
      const openSnapshot = closing ? openKeys() : '';
      return {
        usage,
        accepted() {
          // The open minute stays: it goes again once over (the broker replaces what it was told).
          for (const [key, e] of picked) if (e.at < open) entries.delete(key);
          openTaken = openSnapshot;
        },
      };
    },
    closeAll() {
      closing = true;
    },
    openChanged: () => closing && openKeys() !== openTaken,
    stats: () => ({ waiting: entries.size, cut, unattributed }),
  };
}
