// Words the operator console repeats. Dates are formatted in one place for
// every page: lib/client/dates.ts and components/ui/date-time.tsx.

/** "sent once", "sent 3 times". */
export function sentTimes(count: number): string {
  return count === 1 ? 'sent once' : `sent ${count} times`;
}
