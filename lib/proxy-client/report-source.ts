// A part of the status report that the embedding proxy owns (docs/proxy-api.md
// "Status"): a TSP's SIEM delivery health (siem-report.ts), its key-use
// counters (usage-report.ts). Each source says what the next report carries,
// learns when the broker accepted it (a failed report is sent again whole),
// may ask for a report before the periodic one, and starts over when the
// broker may have lost what it was told (bad_cursor).
import type { TProxyStatus } from '@/lib/schemas/deployments';

export type TReportPart = Partial<Pick<TProxyStatus, 'instanceId' | 'siem' | 'siemFull' | 'usage'>>;

export type TReportSource<P extends TReportPart = TReportPart> = {
  /** What the next report carries, and what to remember once the broker accepted it. */
  next(): { part: P; accepted(): void };
  /** Something the broker should hear now, not at the next periodic report. */
  urgent(): boolean;
  /** The broker may have lost what it was told (bad_cursor): the next report tells everything again. */
  reset(): void;
};

/** One report's parts from every source, and the one acknowledgement for all of them. */
export function collectParts(sources: readonly TReportSource[]): { part: TReportPart; accepted(): void } {
  const taken = sources.map((source) => source.next());
  return { part: Object.assign({}, ...taken.map((t) => t.part)) as TReportPart, accepted: () => taken.forEach((t) => t.accepted()) };
}
