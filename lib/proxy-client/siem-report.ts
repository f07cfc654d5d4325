// The SIEM delivery health a Tenant Security Proxy adds to its status
// reports (docs/proxy-api.md "SIEM delivery health"). Counters change with
// every event, so a report carries only the configurations whose health
// changed since the last accepted report, and every one (`siemFull`) in the
// instance's first report and every ten minutes after, so the broker can
// forget what the instance no longer serves. A report is due early only for
// what a tenant admin should see at once: a configuration that starts or
// stops failing, delivers for the first time, or appears or goes.
import type { TProxyStatus } from '@/lib/schemas/deployments';
import { MAX_STATUS_SIEM, type TSiemHealth } from '@/lib/schemas/siem-health';
import type { TReportSource } from './report-source';

export const SIEM_FULL_REPORT_MS = 10 * 60_000;

export type TSiemReportPart = Pick<TProxyStatus, 'instanceId' | 'siem' | 'siemFull'>;

export type TSiemReporter = TReportSource<TSiemReportPart>;

const keyOf = (h: TSiemHealth) => `${h.tenantId}\u0000${h.configId}`;
/** The part of a configuration's health that warrants a report on its own. */
const signal = (h: TSiemHealth) => `${h.version}|${h.lastErrorCode ?? ''}|${h.lastSuccessAt === null ? 0 : 1}|${h.onFull}`;

export function createSiemReporter(instanceId: string, source: () => TSiemHealth[], now: () => number, fullEveryMs = SIEM_FULL_REPORT_MS): TSiemReporter {
  let reported = new Map<string, string>();
  let reportedSignals = new Map<string, string>();
  let lastFullAt: number | null = null;

  return {
    next() {
      const health = source();
      const full = lastFullAt === null || now() - lastFullAt >= fullEveryMs;
      const changed = full ? health : health.filter((h) => reported.get(keyOf(h)) !== JSON.stringify(h));
      const siem = changed.slice(0, MAX_STATUS_SIEM);
      // A list cut short is not complete: the broker must not forget what it leaves out.
      const complete = full && siem.length === health.length;
      return {
        part: { instanceId, siem, ...(complete ? { siemFull: true } : {}) },
        accepted() {
          const sent = new Map(siem.map((h) => [keyOf(h), JSON.stringify(h)]));
          reported = complete ? sent : new Map([...reported, ...sent]);
          reportedSignals = new Map(health.map((h) => [keyOf(h), signal(h)]));
          if (complete) lastFullAt = now();
        },
      };
    },
    urgent() {
      const health = source();
      if (health.length !== reportedSignals.size) return true;
      return health.some((h) => reportedSignals.get(keyOf(h)) !== signal(h));
    },
    reset() {
      reported = new Map();
      reportedSignals = new Map();
      lastFullAt = null;
    },
  };
}
