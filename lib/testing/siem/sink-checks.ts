// Checks every SIEM sink test makes (tests only): a failure must be a
// SiemError, whose words are kept for the canary scan at the end; events
// carry a canary mark; and a queue over the sink delivers a batch exactly
// once and in order across the faults the test injected.
import { expect } from 'vitest';
import { createSiemQueue } from '@/lib/siem/queue';
import { SiemError, type TSiemEvent, type TSiemSink } from '@/lib/siem/types';
import { makeSiemEvents, seqOf } from './events';

export type TCanaryLog = { seen: string[]; canaries: readonly string[] };

/** Numbered events, each with `mark` in a custom field (a canary that must never reach an error). */
export function markedEvents(mark: string, count: number, from = 0): TSiemEvent[] {
  return makeSiemEvents(count, from).map((event) => ({ ...event, customFields: { ...event.customFields, mark } }));
}

/** The SiemError `promise` rejects with; its message, cause and JSON go to `log.seen`. */
export async function siemFailure(log: TCanaryLog, promise: Promise<unknown>): Promise<SiemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SiemError);
  const siem = error as SiemError;
  log.seen.push(siem.message, String(siem.cause ?? ''), JSON.stringify(siem), JSON.stringify(siem.cause ?? null));
  return siem;
}

/** No canary in anything seen; and something was seen, so the scan is not empty. */
export function expectNoCanaries(log: TCanaryLog): void {
  expect(log.seen.length).toBeGreaterThan(5);
  for (const text of log.seen) for (const canary of log.canaries) expect(text).not.toContain(canary);
}

/** Sends `batch` through a queue over `sink` (faults already injected); `received()` reads what arrived since the start. */
export async function expectQueuedInOrder(log: TCanaryLog, sink: TSiemSink, batch: TSiemEvent[], received: () => TSiemEvent[]): Promise<void> {
  const lines: string[] = [];
  const queue = createSiemQueue({
    sink,
    batch: { maxEvents: 4, maxBytes: 1_000_000 },
    flushMs: 5,
    retry: { baseMs: 5, capMs: 20 },
    logger: { warn: (m) => void lines.push(m), error: (m) => void lines.push(m) },
  });
  batch.forEach((event) => queue.enqueue(event));
  expect(await queue.drain(5_000)).toEqual({ delivered: batch.length, left: 0 });
  expect(seqOf(received())).toEqual(seqOf(batch));
  log.seen.push(...lines);
  queue.close();
}
