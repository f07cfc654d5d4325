// POST /api/v1/proxy/secrets with retries. An application's request waits on
// it (a tenant's first use of a secret path, or the first use after a
// rotation), so a failure that may pass — the network, a timeout, 429 or a
// 5xx, as when the broker has just restarted — is tried again within one
// budget. The call is idempotent: the broker answers with the first writer's
// row, ours included, so a retry after a lost answer stores nothing twice.
// Refusals (other 4xx) and malformed answers are not retried.
import { BrokerHttpError, type TBrokerApi, type TStoredSecretInput } from './http';
import type { TStoredSecret } from './types';

export type TStoreSecretTiming = {
  /** Each attempt's own limit. */
  attemptTimeoutMs: number;
  /** All attempts and the pauses between them. */
  budgetMs: number;
  /** Longest pause between two attempts (a Retry-After is honoured up to it). */
  maxPauseMs: number;
};

export const STORE_SECRET_TIMING: TStoreSecretTiming = { attemptTimeoutMs: 5_000, budgetMs: 10_000, maxPauseMs: 1_000 };
const MAX_ATTEMPTS = 4;

/** Whether trying again may succeed: the broker was not reached, or answered that it could not serve now. */
export function isPassingFailure(error: unknown): boolean {
  if (error instanceof BrokerHttpError) return error.status === 0 || error.status === 429 || error.status >= 500;
  return error instanceof Error && error.name === 'TimeoutError';
}

export async function storeSecretWithRetries(
  api: Pick<TBrokerApi, 'postSecret'>,
  input: TStoredSecretInput,
  options: { stop: AbortSignal; timing?: TStoreSecretTiming; now?: () => number; random?: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void>; warn: (message: string) => void },
): Promise<TStoredSecret> {
  const timing = options.timing ?? STORE_SECRET_TIMING;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const deadline = now() + timing.budgetMs;
  for (let attempt = 1; ; attempt += 1) {
    const left = deadline - now();
    try {
      return await api.postSecret(input, AbortSignal.any([options.stop, AbortSignal.timeout(Math.max(1, Math.min(timing.attemptTimeoutMs, left)))]));
    } catch (error) {
      if (options.stop.aborted || !isPassingFailure(error)) throw error;
      // Full jitter under a doubling ceiling (replicas making the same secret do not retry in step); a Retry-After wins, up to the cap.
      const ceiling = Math.min(timing.maxPauseMs, 100 * 2 ** (attempt - 1));
      const asked = error instanceof BrokerHttpError ? error.retryAfterMs : null;
      const pause = asked === null ? Math.floor(random() * ceiling) : Math.min(asked, timing.maxPauseMs);
      // Another attempt only with time for it: the pause and at least a quarter of an attempt's limit.
      if (attempt >= MAX_ATTEMPTS || now() + pause + timing.attemptTimeoutMs / 4 > deadline) throw error;
      options.warn(`Storing secret ${input.tenantSecretId} of a path at the broker failed (attempt ${attempt}: ${(error as Error).message}); trying again in ${pause} ms.`);
      await options.sleep(pause, options.stop);
      if (options.stop.aborted) throw error;
    }
  }
}
