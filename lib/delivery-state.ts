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
//
// Per tenant there is one more: "stopped", when the deployment's proxies
// themselves report that the broker no longer hands the tenant over (left
// out of a full sync, or marked suspended), naming the last change they
// applied. That is their word, not an inference from seqs.

export const DELIVERY_STATES = ['never', 'offline', 'ahead', 'current', 'behind', 'withheld', 'stopped'] as const;
export type TDeliveryState = (typeof DELIVERY_STATES)[number];

/** The proxy error codes (lib/schemas/deployments.ts) that say the broker stopped handing a tenant over; each carries the last seq applied. */
export const STOPPED_CODES = ['tenant_withheld', 'tenant_suspended'] as const;
export type TStoppedCode = (typeof STOPPED_CODES)[number];
export type TStopped = { code: TStoppedCode; seq: number | null };

/** What a deployment's errors for one tenant (as stored: any JSON) say about it being handed over: the first stopped code, or null. */
export function stoppedOf(errors: unknown): TStopped | null {
  if (!Array.isArray(errors)) return null;
  for (const e of errors as unknown[]) {
    const { code, seq } = (e ?? {}) as { code?: unknown; seq?: unknown };
    if ((STOPPED_CODES as readonly unknown[]).includes(code)) return { code: code as TStoppedCode, seq: typeof seq === 'number' ? seq : null };
  }
  return null;
}

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
  /** For one tenant: what the deployment's errors for it say (stoppedOf). */
  stopped?: TStopped | null;
};

export function deliveryState(input: TDeliveryInput, now: number): TDeliveryState {
  if (input.lastReportAt === null) return 'never';
  // The proxies' own report, while it is current (an offline proxy's last word may be old news).
  if (input.stopped && now - Date.parse(input.lastReportAt) <= OFFLINE_AFTER_MS) return 'stopped';
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
  stopped: {
    label: 'Stopped receiving',
    explanation:
      'Its proxies report that the broker no longer hands this tenant over (left out of what they receive, or marked suspended), so they serve none of its configurations. They name the last change they applied.',
    tone: 'danger',
  },
};

/** Why, in words for the tenant's own admins ("your") or for operators. */
export function stoppedReason(code: TStoppedCode, audience: 'tenant' | 'operator'): string {
  const whose = audience === 'tenant' ? 'your tenant' : 'the tenant';
  return code === 'tenant_withheld' ? `the broker left ${whose} out of what it sends` : `the broker marks ${whose} suspended, a flag ${audience === 'tenant' ? 'you do not sign' : 'the tenant does not sign'}`;
}

/** "This deployment stopped receiving your configuration at change 12: the broker …". */
export function stoppedSentence(stopped: TStopped, audience: 'tenant' | 'operator'): string {
  const at = stopped.seq === null ? '' : ` at change ${stopped.seq}`;
  return `This deployment stopped receiving ${audience === 'tenant' ? 'your' : 'the tenant’s'} configuration${at}: ${stoppedReason(stopped.code, audience)}. Its proxies serve none of ${audience === 'tenant' ? 'your' : 'its'} configurations.`;
}

/** "Offline since <time>" carries its time; every other label stands alone. `formatTime` is the page's own date format. */
export function deliveryLabel(state: TDeliveryState, lastReportAt: string | null, formatTime: (iso: string) => string, stopped?: TStopped | null): string {
  if (state === 'offline' && lastReportAt) return `Offline since ${formatTime(lastReportAt)}`;
  if (state === 'stopped' && stopped && stopped.seq !== null) return `Stopped at change ${stopped.seq}`;
  return DELIVERY_TEXT[state].label;
}
