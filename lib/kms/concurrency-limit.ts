// What every KMS driver uses to keep a slow KMS from piling up requests, and
// to retry politely: a concurrency limit — at most `maxInFlight` calls at
// once, at most `maxWaiting` more waiting their turn (in order), a waiter
// whose signal fires (its deadline) leaving the line at once — shared per
// KMS endpoint by one proxy's drivers (endpointLimit), and the full-jitter
// backoff between retries (AWS Architecture Blog, "Exponential Backoff And
// Jitter": uniform in [0, min(cap, base·2^n))).
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

// Keyed by the options object a TSP hands every driver it creates: one TSP's drivers share their
// endpoint's limit, two TSPs in one process (tests) do not, and nothing outlives the TSP.
const limitsByOwner = new WeakMap<object, Map<string, TConcurrencyLimit>>();

/** The limit of one KMS endpoint (an origin, or any key naming it) for every driver made with `owner` (the driver options). */
export function endpointLimit(owner: object, endpoint: string, label: string, maxInFlight: number): TConcurrencyLimit {
  let byEndpoint = limitsByOwner.get(owner);
  if (!byEndpoint) limitsByOwner.set(owner, (byEndpoint = new Map()));
  let limit = byEndpoint.get(endpoint);
  if (!limit) byEndpoint.set(endpoint, (limit = createConcurrencyLimit(label, maxInFlight)));
  return limit;
}

/** Full jitter before retry `n` (0 for the first retry): uniform in [0, min(cap, base·2^n)). */
export function fullJitterMs(n: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** n);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
