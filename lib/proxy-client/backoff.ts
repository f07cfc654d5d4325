// Retry timing for the run loop: exponential backoff with full jitter (a
// fleet of proxies must not retry in step after a broker restart), and a sleep
// that a stop() ends at once.

export type TRetryOptions = {
  /** First retry ceiling in ms (doubles per failure). */
  baseMs: number;
  /** Largest ceiling in ms. */
  capMs: number;
  /** Ceiling after a 401 (credentials revoked or deployment disabled): retry slowly. */
  unauthorizedMs: number;
  /** Least time between two polls when the broker answers 304 at once (no long-poll): no spinning. */
  minPollMs: number;
};

export const DEFAULT_RETRY: TRetryOptions = { baseMs: 500, capMs: 30_000, unauthorizedMs: 60_000, minPollMs: 1_000 };

/** Full jitter: uniform in [0, min(cap, base · 2^(attempt-1))]. */
export function backoffDelay(attempt: number, retry: TRetryOptions, random: () => number): number {
  const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
