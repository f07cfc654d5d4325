// How the Azure Key Vault driver spends a call's time: a concurrency limit per
// driver (each configuration names one vault, so one endpoint) that queues
// calls beyond it, and bounded retries with full jitter for throttling (429)
// and transient unavailability (502/503/504, a dropped socket) only. The SDK's
// own retry policy is off (maxRetries: 0), so nothing retries twice.
import type { KmsError } from './types';

export type TLimit = <T>(run: () => Promise<T>) => Promise<T>;

export function createLimit(max: number): TLimit {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await run();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

export type TRetryPolicy = { attempts: number; baseMs: number; capMs: number; random?: () => number };

const isRetryable = (error: KmsError) => error.code === 'kms_throttled' || (error.code === 'kms_unreachable' && !/TLS|did not answer|cancelled|closed/.test(error.message));

/** Retry-After from a 429, in ms, if Azure sent one (seconds or an HTTP date). */
export function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } } | undefined)?.response?.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Runs `attempt` up to policy.attempts times. Between attempts it sleeps a
 * full-jitter delay, random(0, min(cap, base·2^n)), but never less than
 * Retry-After; if that sleep would pass the deadline it gives up at once.
 */
export async function withRetries<T>(
  policy: TRetryPolicy,
  deadlineAt: number,
  signal: AbortSignal,
  attempt: () => Promise<T>,
  map: (error: unknown) => KmsError,
): Promise<T> {
  const random = policy.random ?? Math.random;
  for (let n = 0; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      const mapped = map(error);
      if (n + 1 >= policy.attempts || !isRetryable(mapped) || signal.aborted) throw mapped;
      const wait = Math.max(retryAfterMs(error) ?? 0, random() * Math.min(policy.capMs, policy.baseMs * 2 ** n));
      if (Date.now() + wait >= deadlineAt) throw mapped;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) throw mapped;
    }
  }
}
