// Bounds a KMS call in time for every driver: one AbortSignal that fires at
// the per-call limit or when the caller's own signal fires, and a race so the
// call settles then even if a library ignores the signal somewhere (backoff
// sleeps, credential refreshes). Either way the answer is kms_unreachable.
import { KmsError } from './types';

export const DEFAULT_TIMEOUT_MS = 5000;

export async function withDeadline<T>(
  label: string,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // Made only when needed: an error (and its stack) per call would cost every call that succeeds.
  const timedOut = () => new KmsError('kms_unreachable', `${label} did not answer within ${timeoutMs} ms.`);
  const cancelled = () => new KmsError('kms_unreachable', `The call to ${label} was cancelled before it answered.`);
  if (callerSignal?.aborted) throw cancelled();

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timedOut()), timeoutMs);
  const onCallerAbort = () => controller.abort(cancelled());
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    const work = run(controller.signal);
    // Whichever side loses the race must not surface as an unhandled rejection.
    work.catch(() => undefined);
    aborted.catch(() => undefined);
    return await Promise.race([work, aborted]);
  } catch (error) {
    // The library's own AbortError says less than why we aborted.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
