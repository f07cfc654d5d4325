// Checks every SIEM sink test makes (tests only): a failure must be a
// SiemError, whose words are kept for the canary scan at the end; events
// carry a canary mark; log lines are kept for the scan too; a queue over the
// sink delivers a batch exactly once and in order across the faults the test
// injected; and a queue does not retry a refusal hot.
import { expect } from 'vitest';
import { createSiemQueue, type TSiemLogger } from '@/lib/siem/queue';
import { SiemError, type TSiemEvent, type TSiemSink } from '@/lib/siem/types';
import { makeSiemEvents, seqOf } from './events';

/** Every text a test saw (error words, log lines), and the canaries none of them may contain. */
export type TCanaryLog = { seen: string[]; canaries: readonly string[] };

/** Numbered events, each with `mark` in a custom field (a canary that must never reach an error). */
export function markedEvents(mark: string, count: number, from = 0): TSiemEvent[] {
  return makeSiemEvents(count, from).map((event) => ({ ...event, customFields: { ...event.customFields, mark } }));
}

/** A queue logger whose lines go to `log.seen`. */
export function recordingLogger(log: TCanaryLog): TSiemLogger {
  return { warn: (message) => void log.seen.push(message), error: (message) => void log.seen.push(message) };
}

/** JSON of `value`, with a repeated object (a TLS error's peer certificate chain points back at itself) written once. */
function jsonOf(value: unknown): string {
  const written = new WeakSet<object>();
  return JSON.stringify(value ?? null, (_key, member: unknown) => {
    if (typeof member !== 'object' || member === null) return member;
    if (written.has(member)) return '[repeated]';
    written.add(member);
    return member;
  });
}

/** The SiemError `promise` rejects with; its message, cause and JSON (its own and its cause's) go to `log.seen`. */
export async function siemFailure(log: TCanaryLog, promise: Promise<unknown>): Promise<SiemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SiemError);
  const siem = error as SiemError;
  log.seen.push(siem.message, String(siem.cause ?? ''), JSON.stringify(siem), jsonOf(siem.cause));
  return siem;
}

/** No canary (nor any of `also`, secrets known only at the end) in anything seen; and something was seen, so the scan is not empty. */
export function expectNoCanaries(log: TCanaryLog, also: readonly string[] = []): void {
  expect(log.seen.length).toBeGreaterThan(5);
  const canaries = [...log.canaries, ...also];
  for (const text of log.seen) for (const canary of canaries) expect(text).not.toContain(canary);
}

/**
 * Sends `batch` through a queue over `sink` (faults already injected): all of it arrives, in order, after
 * exactly `failures` failed attempts. `received()` reads what arrived since the start.
 */
export async function expectQueuedInOrder(log: TCanaryLog, sink: TSiemSink, batch: TSiemEvent[], received: () => TSiemEvent[], failures: number): Promise<void> {
  const queue = createSiemQueue({ sink, batch: { maxEvents: 4, maxBytes: 1_000_000 }, flushMs: 5, retry: { baseMs: 5, capMs: 20 }, logger: recordingLogger(log) });
  batch.forEach((event) => queue.enqueue(event));
  expect(await queue.drain(5_000)).toEqual({ delivered: batch.length, left: 0 });
  expect(seqOf(received())).toEqual(seqOf(batch));
  expect(queue.failures()).toBe(failures);
  queue.close();
}

/**
 * Sends `batch` through a queue over `sink`, which the destination refuses (not retryable): one attempt
 * (`requestsPerAttempt` requests, read by `requests()`), one log line, nothing delivered, nothing dropped,
 * and no second attempt within the drain (the queue waits minutes before it tries a refusal again).
 */
export async function expectRefusedNotRetriedHot(log: TCanaryLog, sink: TSiemSink, batch: TSiemEvent[], requests: () => number, requestsPerAttempt = 1): Promise<void> {
  const before = requests();
  const lines: string[] = [];
  const queue = createSiemQueue({
    sink,
    batch: { maxEvents: 10, maxBytes: 1_000_000 },
    flushMs: 0,
    retry: { slowMs: 60_000 },
    logger: { warn: (message) => void lines.push(message), error: (message) => void lines.push(message) },
  });
  batch.forEach((event) => queue.enqueue(event));
  expect(await queue.drain(400)).toEqual({ delivered: 0, left: batch.length });
  expect(requests() - before).toBe(requestsPerAttempt);
  expect(queue.failures()).toBe(1);
  expect(lines).toHaveLength(1);
  log.seen.push(...lines, queue.lastError() ?? '');
  queue.close();
}
