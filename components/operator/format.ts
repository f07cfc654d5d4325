// Display helpers for the operator console. Dates come from the API as ISO
// strings and are only rendered in the browser (the lists load client-side),
// so the visitor's own locale and time zone are used without hydration drift.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso: string): string {
  return DATE_TIME.format(new Date(iso));
}

export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** "sent once", "sent 3 times". */
export function sentTimes(count: number): string {
  return count === 1 ? 'sent once' : `sent ${count} times`;
}
