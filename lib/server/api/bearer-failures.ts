import 'server-only';
// Failed bearer credentials per client address, for the proxy and vendor APIs.
// Their keys and tokens are 256-bit random values, so guessing is hopeless;
// what this bounds is the noise of a stream of wrong credentials and how fast
// a misbehaving client is told to slow down. Once an address has sent LIMIT
// well-formed but unknown, revoked or expired credentials within a window,
// its further wrong ones get 429 with Retry-After instead of 401 until that
// window ends. A valid credential is never refused for others' wrong ones:
// the count applies only after the lookup has told them apart, so a proxy
// behind the same NAT as a misconfigured one keeps its configuration flowing.
//
// Counted in this process's memory, not the database: writing a row for every
// wrong credential would turn the flood into writes. With several instances
// each counts its own share. The table is bounded: past MAX_ADDRESSES the
// oldest windows are dropped.
import { AppError } from '@/lib/server/errors';
import { getLogger } from '@/lib/server/log';
import { clientIp } from '@/lib/server/request-meta';
import { seconds } from '@/lib/plural';

export const BEARER_FAILURE_LIMIT = 30;
export const BEARER_FAILURE_WINDOW_MS = 60_000;
export const MAX_ADDRESSES = 10_000;

type Window = { start: number; failures: number };

export class BearerFailures {
  // Insertion order is window-start order: a new window is (re)inserted at the end.
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit = BEARER_FAILURE_LIMIT,
    private readonly windowMs = BEARER_FAILURE_WINDOW_MS,
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {}

  /** Seconds until `address` may try again, or null when it is under the limit. */
  waitFor(address: string, now = Date.now()): number | null {
    const window = this.windows.get(address);
    if (!window) return null;
    if (now - window.start >= this.windowMs) {
      this.windows.delete(address);
      return null;
    }
    return window.failures >= this.limit ? Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)) : null;
  }

  /** Counts one failure; true when it is the one that reached the limit. */
  record(address: string, now = Date.now()): boolean {
    const window = this.windows.get(address);
    if (window && now - window.start < this.windowMs) {
      window.failures += 1;
      return window.failures === this.limit;
    }
    this.windows.delete(address);
    this.windows.set(address, { start: now, failures: 1 });
    for (const [oldest] of this.windows) {
      if (this.windows.size <= this.maxAddresses) break;
      this.windows.delete(oldest);
    }
    return this.limit === 1;
  }

  get size(): number {
    return this.windows.size;
  }
}

// One table per process: route handlers are bundled separately, so a module-level instance would not be shared.
const KEY = Symbol.for('cmk.bearerFailures');
type GlobalWithFailures = typeof globalThis & { [KEY]?: BearerFailures };

export function getBearerFailures(): BearerFailures {
  const g = globalThis as GlobalWithFailures;
  g[KEY] ??= new BearerFailures();
  return g[KEY];
}

/**
 * A credential the database did not accept: counted for its address, and
 * answered `unauthenticated` (401) until the address is over the limit, then
 * 429 with Retry-After until its window ends.
 */
export function wrongCredential(request: Request, api: 'proxy' | 'vendor', unauthenticated: AppError): AppError {
  const address = clientIp(request.headers);
  const failures = getBearerFailures();
  const wait = failures.waitFor(address);
  if (failures.record(address)) {
    getLogger().warn({ api, address, windowSeconds: BEARER_FAILURE_WINDOW_MS / 1000 }, 'Too many wrong bearer credentials from one address; answering its wrong ones 429 until the window ends.');
  }
  if (wait === null) return unauthenticated;
  return new AppError('rate_limited', {
    message: `Too many requests with a wrong ${api === 'proxy' ? 'API key' : 'API token'} from this address. Try again in ${seconds(wait)}.`,
    retryAfter: wait,
  });
}
