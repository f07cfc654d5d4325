// A concurrency limit for one KMS driver: at most `maxInFlight` calls at once,
// at most `maxWaiting` more waiting their turn (in order), and a waiter whose
// signal fires (its deadline) leaves the line at once. A KMS that slows down
// then holds a bounded number of sockets and requests, instead of collecting
// every call the proxy receives. Nothing here is Google-specific.
import { KmsError } from './types';

export type TConcurrencyLimit = {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly inFlight: number;
  readonly waiting: number;
};

type TWaiter = { start: () => void };

export function createConcurrencyLimit(label: string, maxInFlight: number, maxWaiting = maxInFlight * 16): TConcurrencyLimit {
  let inFlight = 0;
  const line: TWaiter[] = [];

  /** A finished call hands its slot straight to the first waiter, so no newcomer can take it in between. */
  function release() {
    const waiter = line.shift();
    if (waiter) waiter.start();
    else inFlight -= 1;
  }

  /** Resolves once the caller holds a slot (counted in inFlight). */
  function acquire(signal: AbortSignal | undefined): Promise<void> {
    if (inFlight < maxInFlight && line.length === 0) {
      inFlight += 1;
      return Promise.resolve();
    }
    if (line.length >= maxWaiting) {
      return Promise.reject(new KmsError('kms_throttled', `Too many calls to ${label} are already waiting; retry later.`));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = line.indexOf(waiter);
        if (index >= 0) line.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: TWaiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      line.push(waiter);
    });
  }

  return {
    async run(task, signal) {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return line.length;
    },
  };
}
