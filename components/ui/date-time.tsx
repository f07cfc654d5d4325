'use client';
// A time on a page: <time dateTime="ISO"> with the one format of
// lib/client/dates.ts ("7 Dec 2026, 14:30 UTC"), in the viewer's locale and
// zone. `relative` shows "3 min ago" instead, with the exact time in the
// title and, for screen readers, after it. The server render (and hydration)
// use UTC in the same shape, so the two sides agree; the browser's own zone
// follows at once.
import { formatAge, formatDateTime, SERVER_RENDER, timeZoneLabel, toIsoString, type TInstant } from '@/lib/client/dates';
import { useHydrated } from '@/lib/client/use-hydrated';

export function DateTime({ at, relative = false, className }: { at: TInstant; relative?: boolean; className?: string }) {
  const hydrated = useHydrated();
  const exact = formatDateTime(at, hydrated ? {} : SERVER_RENDER);
  if (!relative) {
    return (
      <time dateTime={toIsoString(at)} className={className}>
        {exact}
      </time>
    );
  }
  return (
    <time dateTime={toIsoString(at)} title={exact} className={className}>
      {hydrated ? formatAge(at) : exact}
      {hydrated ? <span className="sr-only"> ({exact})</span> : null}
    </time>
  );
}

/** " (CET)": the viewer's zone, for labels of time inputs and bare clocks; nothing until the browser has taken over. */
export function TimeZoneName() {
  const hydrated = useHydrated();
  return hydrated ? <> ({timeZoneLabel()})</> : null;
}
