// Where a deployment stands in delivering a tenant's events to one SIEM
// configuration, from what its proxy instances report (lib/schemas/siem-health.ts)
// — one function and one set of words for the tenant admin's configuration page
// and the operators' tenant page, in the browser and on the server.
//
// Counts run from an instance's start, so "losing events" cannot be read from
// `dropped` alone: the broker stamps when it last went up (`droppedAt`).
import type { TSiemErrorCode } from '@/lib/schemas/siem-health';

export const SIEM_DELIVERY_STATES = ['delivering', 'failing', 'backlogged', 'losing', 'stale', 'no_events_yet'] as const;
export type TSiemDeliveryState = (typeof SIEM_DELIVERY_STATES)[number];

/** A TSP reports at least once a minute; an instance silent this long says nothing about now. */
export const SIEM_STALE_AFTER_MS = 15 * 60_000;
/** Events dropped within this long make the configuration "losing events". */
export const SIEM_LOSING_FOR_MS = 60 * 60_000;
/** Events waiting with no success for this long (or this many at all) make it "backlogged". */
export const SIEM_BACKLOG_AFTER_MS = 2 * 60_000;
export const SIEM_BACKLOG_LARGE = 10_000;

export type TSiemInstanceInput = {
  sent: number;
  dropped: number;
  backlog: number;
  lastSuccessAt: string | null;
  lastErrorCode: TSiemErrorCode | null;
  failingSince: string | null;
  /** When `dropped` last went up (broker clock), or null. */
  droppedAt: string | null;
  /** The instance's last report that named this configuration (broker clock). */
  reportedAt: string;
};

const age = (iso: string, now: number) => now - Date.parse(iso);

export function siemInstanceState(i: TSiemInstanceInput, now: number): TSiemDeliveryState {
  if (age(i.reportedAt, now) > SIEM_STALE_AFTER_MS) return 'stale';
  if (i.droppedAt !== null && age(i.droppedAt, now) <= SIEM_LOSING_FOR_MS) return 'losing';
  if (i.failingSince !== null || i.lastErrorCode !== null) return 'failing';
  if (i.backlog >= SIEM_BACKLOG_LARGE) return 'backlogged';
  if (i.backlog > 0 && (i.lastSuccessAt === null || age(i.lastSuccessAt, now) > SIEM_BACKLOG_AFTER_MS)) return 'backlogged';
  if (i.sent === 0 && i.lastSuccessAt === null && i.backlog === 0 && i.dropped === 0) return 'no_events_yet';
  return 'delivering';
}

/** Worst first: a deployment is as healthy as its least healthy current instance. */
const SEVERITY: TSiemDeliveryState[] = ['losing', 'failing', 'backlogged', 'delivering', 'no_events_yet', 'stale'];

/** One deployment's state from its instances: the worst of those reporting now; "stale" only when none is. */
export function siemDeploymentState(instances: TSiemInstanceInput[], now: number): TSiemDeliveryState {
  const states = instances.map((i) => siemInstanceState(i, now));
  const current: TSiemDeliveryState[] = states.filter((s) => s !== 'stale');
  if (current.length === 0) return 'stale';
  return SEVERITY.find((s) => current.includes(s)) ?? 'delivering';
}

export type TSiemDeliveryTone = 'neutral' | 'success' | 'warning' | 'danger';

/** The words for each state: a short label and a sentence. No colour carries meaning alone. */
export const SIEM_DELIVERY_TEXT: Record<TSiemDeliveryState, { label: string; explanation: string; tone: TSiemDeliveryTone }> = {
  delivering: { label: 'Delivering', explanation: 'Events reach the SIEM as they happen.', tone: 'success' },
  failing: {
    label: 'Failing',
    explanation: 'The last attempts to deliver failed. Events wait in the proxy’s queue and are sent again; the queue holds a limited number.',
    tone: 'danger',
  },
  backlogged: { label: 'Falling behind', explanation: 'Events are waiting to be delivered: the SIEM accepts them more slowly than they arrive.', tone: 'warning' },
  losing: {
    label: 'Losing events',
    explanation: 'Events were dropped in the last hour: the queue was full (or the configuration refuses new events when full) or they could not be sent.',
    tone: 'danger',
  },
  stale: { label: 'No recent report', explanation: 'No proxy of this deployment has reported on this configuration for more than 15 minutes, so its state now is unknown.', tone: 'warning' },
  no_events_yet: { label: 'No events yet', explanation: 'The proxy is ready to deliver, but no event has been sent to this SIEM yet.', tone: 'neutral' },
};

/** Why delivery failed, in words for people (the proxy keeps the receiver's own message in its logs). */
export const SIEM_ERROR_TEXT: Record<TSiemErrorCode, string> = {
  auth: 'The SIEM refused the credentials',
  tls: 'The SIEM’s TLS certificate is not trusted',
  network: 'The SIEM could not be reached (DNS, connection refused or reset)',
  timeout: 'The SIEM did not answer in time',
  throttled: 'The SIEM asked the proxy to slow down',
  unavailable: 'The SIEM is up but failing (server errors)',
  not_found: 'Nothing receives events at the configured place (wrong index, stream or path)',
  rejected: 'The SIEM refused the events themselves (format or size)',
  config: 'The settings cannot be used by this proxy',
  cancelled: 'The proxy stopped while sending (shutting down)',
  internal: 'The proxy failed unexpectedly while sending',
};

export function siemErrorText(code: string | null): string | null {
  if (code === null) return null;
  return (SIEM_ERROR_TEXT as Record<string, string>)[code] ?? `Unknown error (${code})`;
}
