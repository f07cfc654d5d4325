// Key-use counters in status reports (docs/proxy-api.md "Usage counters"):
// the minutes that are over and not yet accepted by the broker, from the
// embedding TSP's counter (lib/tsp/usage.ts). Sent whole again after a failed
// report; the broker stores by (instance, configuration, minute) and a repeat
// replaces. Minutes are reported with the periodic report (at least once a
// minute); only a counter that reports its open minute (tests, shutdown) asks
// for an early one.
import type { TUsageMinute } from '@/lib/schemas/usage';
import type { TReportSource } from './report-source';

export type TUsageSource = {
  take(): { usage: TUsageMinute[]; accepted(): void };
  openChanged(): boolean;
};

export function createUsageReporter(instanceId: string, source: TUsageSource): TReportSource<{ instanceId: string; usage?: TUsageMinute[] }> {
  return {
    next() {
      const { usage, accepted } = source.take();
      return { part: usage.length ? { instanceId, usage } : { instanceId }, accepted };
    },
    urgent: () => source.openChanged(),
    // Nothing to repeat: what the broker accepted it stored; what it did not is still waiting here.
    reset() {},
  };
}
