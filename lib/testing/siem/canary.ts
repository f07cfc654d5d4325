// Canary helpers for the SIEM sink tests (tests only): events with a marker
// planted in a custom field, and the SiemError a failed send rejects with,
// kept (message, cause, JSON) so a test's afterAll can prove that no marker,
// credential or token reached any of them.
import { expect } from 'vitest';
import { SiemError, type TSiemEvent } from '@/lib/siem/types';
import { makeSiemEvents } from './events';

/** `count` numbered events from `from`, each carrying `mark` in customFields.mark. */
export function markedSiemEvents(count: number, from: number, mark: string): TSiemEvent[] {
  return makeSiemEvents(count, from).map((event) => ({ ...event, customFields: { ...event.customFields, mark } }));
}

/** The SiemError `promise` rejects with; its message, cause and JSON are pushed onto `seen` for the canary scan. */
export async function siemFailure(promise: Promise<unknown>, seen: string[]): Promise<SiemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SiemError);
  const siem = error as SiemError;
  seen.push(siem.message, String(siem.cause ?? ''), JSON.stringify(siem));
  return siem;
}
