// Where a proxy deployment stands in receiving changes — one function and one
// set of words for every page that shows it (the tenant's deployments page,
// the operators' overview, deployments list, tenant list and tenant detail),
// for the browser and the server alike.
//
// A broker that withholds updates is the one thing proxies cannot prevent
// (PROTOCOL.md), so "the broker may be withholding updates" is a strong
// claim, made only on evidence: a proxy that is connected and reporting, and
// whose reports still say it is behind well after the change. A deployment
// whose proxies never connected, or stopped reporting, is told apart from
// that: nothing was withheld from a proxy that was not there to ask.

export const DELIVERY_STATES = ['never', 'offline', 'ahead', 'current', 'behind', 'withheld'] as const;
export type TDeliveryState = (typeof DELIVERY_STATES)[number];

/** The proxy client reports at least once a minute (lib/proxy-client/client.ts): five missed reports mean it is offline. */
export const OFFLINE_AFTER_MS = 5 * 60_000;
/**
 * A connected proxy receives a change within a second (long-poll) and reports right after applying it. A report made
 * this long after a change that still does not include it means the broker did not hand it over.
 */
export const WITHHELD_AFTER_MS = 5 * 60_000;

export type TDeliveryInput = {
  /** The deployment's last status report (ISO), or null: it never sent one. */
  lastReportAt: string | null;
  /** What it reported applied (a tenant state seq, or its environment's delivery seq), or null: nothing yet. */
  appliedSeq: number | null;
  /** The seq it should have applied. */
  currentSeq: number;
  /**
   * When the change it has not applied was made (ISO). The latest change is a safe stand-in: it is never older
   * than the oldest missing one, so it errs towards "catching up". Null: unknown (never "withheld").
   */
  changedAt: string | null;
};

export function deliveryState(input: TDeliveryInput, now: number): TDeliveryState {
  if (input.lastReportAt === null) return 'never';
  const applied = input.appliedSeq ?? 0;
  // Before "offline": proxies keep what they applied, so a broker that lost changes stays news while they are away.
  if (applied > input.currentSeq) return 'ahead';
  const reportAt = Date.parse(input.lastReportAt);
  if (now - reportAt > OFFLINE_AFTER_MS) return 'offline';
  if (applied === input.currentSeq) return 'current';
  // A proxy reports only after a completed sync, so a report this late still without the change is evidence.
  if (input.changedAt !== null && reportAt - Date.parse(input.changedAt) > WITHHELD_AFTER_MS) return 'withheld';
  return 'behind';
}

export type TDeliveryTone = 'neutral' | 'success' | 'warning' | 'danger';

/** The words for each state: a short label and a sentence that explains it. No colour carries meaning alone. */
export const DELIVERY_TEXT: Record<TDeliveryState, { label: string; explanation: string; tone: TDeliveryTone }> = {
  never: {
    label: 'Not connected yet',
    explanation: 'No proxy of this deployment has connected yet, so nothing has been delivered to it. This is expected until the vendor starts it.',
    tone: 'neutral',
  },
  offline: {
    label: 'Offline',
    explanation: 'No status report for more than 5 minutes (a running proxy reports at least once a minute). Its proxies keep the configurations they last applied.',
    tone: 'warning',
  },
  ahead: {
    label: 'Ahead of the broker',
    explanation: 'It has applied a later change than the broker now has: the broker has lost changes (an older backup restored?). Proxies keep the newer one.',
    tone: 'warning',
  },
  current: { label: 'Up to date', explanation: 'Connected, and has applied the latest change.', tone: 'success' },
  behind: { label: 'Catching up', explanation: 'Connected; the latest change is on its way (this normally takes seconds).', tone: 'neutral' },
  withheld: {
    label: 'Not receiving updates',
    explanation: 'Connected and reporting, but still behind more than 5 minutes after the change: the broker may be withholding updates.',
    tone: 'danger',
  },
};

/** "Offline since <time>" carries its time; every other label stands alone. `formatTime` is the page's own date format. */
export function deliveryLabel(state: TDeliveryState, lastReportAt: string | null, formatTime: (iso: string) => string): string {
  return state === 'offline' && lastReportAt ? `Offline since ${formatTime(lastReportAt)}` : DELIVERY_TEXT[state].label;
}
