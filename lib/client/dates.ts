// The one place the browser turns a time into words. Every date on every page
// reads the same: day, month, year and time in the viewer's own locale and
// time zone, with the zone named ("7 Dec 2026, 14:30 UTC", "Dec 7, 2026,
// 9:30 AM EST"), so a screenshot or a support ticket says which 14:30 it was.
// Relative ages ("3 min ago") and chart clocks ("14:30") come from here too;
// wherever they are shown, the exact time or the zone is said once beside them
// (components/ui/date-time.tsx). A lint rule (eslint.config.mjs) keeps
// toLocaleString and Intl.DateTimeFormat out of every other browser module.
// Mails and the CLI write their own fixed UTC stamps (lib/server/notifications).

export type TInstant = string | number | Date;
/** For tests and the server render: a fixed locale and zone instead of the viewer's. */
export type TDateOptions = { locale?: string; timeZone?: string };

const DATE_TIME: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const ZONE: Intl.DateTimeFormatOptions = { timeZoneName: 'short' };

// Building a DateTimeFormat is far dearer than using one; a table of 500 rows asks for the same few.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: string, base: Intl.DateTimeFormatOptions, { locale, timeZone }: TDateOptions): Intl.DateTimeFormat {
  const key = `${kind}|${locale ?? ''}|${timeZone ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, timeZone ? { ...base, timeZone } : base);
    formatters.set(key, f);
  }
  return f;
}

function toDate(at: TInstant): Date | null {
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The machine-readable form for `<time dateTime>`; '' for a value that is no time. */
export function toIsoString(at: TInstant): string {
  return toDate(at)?.toISOString() ?? '';
}

/** "7 Dec 2026, 14:30 UTC": the one format of a date and time on every page. */
export function formatDateTime(at: TInstant, options: TDateOptions = {}): string {
  const d = toDate(at);
  return d ? formatter('date-time', DATE_TIME, options).format(d) : 'unknown time';
}

/** "14:30", for chart axes only: the chart says the zone once (timeZoneLabel). */
export function formatClock(at: TInstant, options: TDateOptions = {}): string {
  const d = toDate(at);
  return d ? formatter('clock', CLOCK, options).format(d) : '';
}

/** "UTC", "CET", "GMT+2": the short name of the viewer's zone at that moment (summer time has its own). */
export function timeZoneLabel(at: TInstant = Date.now(), options: TDateOptions = {}): string {
  const d = toDate(at) ?? new Date();
  return formatter('zone', ZONE, options).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'local time';
}

/** "3 min ago"; always shown with the exact time beside it or in its title (components/ui/date-time.tsx). */
export function formatAge(at: TInstant, now = Date.now()): string {
  const d = toDate(at);
  if (!d) return 'unknown time';
  const seconds = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** What the server render shows before the browser has taken over: the same shape, in UTC, the same on both sides. */
export const SERVER_RENDER: TDateOptions = { locale: 'en-GB', timeZone: 'UTC' };
