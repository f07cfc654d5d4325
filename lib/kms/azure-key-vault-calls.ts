// How the Azure Key Vault driver retries: bounded, with full jitter
// (concurrency-limit.ts), for throttling (429) and transient unavailability
// (502/503/504, a dropped socket) only, never sooner than Retry-After and
// never past the call's deadline. The SDK's own retry policy is off
// (maxRetries: 0), so nothing retries twice. The concurrency limit per vault
// is the drivers' shared one (endpointLimit).
import { fullJitterMs } from './concurrency-limit';
import type { KmsError } from './types';

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
      const wait = Math.max(retryAfterMs(error) ?? 0, fullJitterMs(n, policy.baseMs, policy.capMs, random));
      if (Date.now() + wait >= deadlineAt) throw mapped;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) throw mapped;
    }
  }
}
