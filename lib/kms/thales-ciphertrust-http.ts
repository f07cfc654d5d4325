// HTTPS to one CipherTrust Manager for its driver: a keep-alive agent that
// trusts the configuration's CA certificate (and only it) when one is given,
// a cap on requests in flight per CipherTrust endpoint shared by every driver
// of one TSP (so a slow appliance cannot pile up requests from all its
// tenants), and bounded retries with full jitter for throttling and transient
// 5xx. No fetch or undici: node:https takes a per-agent CA without touching
// the rest of the process.
import https from 'node:https';

import { isRetryableStatus } from './thales-ciphertrust-errors';
import type { TKmsDriverOptions } from './types';

/** Requests in flight per CipherTrust endpoint, across every configuration that names it. */
export const MAX_IN_FLIGHT = 16;
/** Three attempts: two retries absorb a burst of throttling and still fit in the call's deadline. */
export const MAX_ATTEMPTS = 3;
/** Answers bigger than this are not CipherTrust's crypto or token answers. */
const MAX_ANSWER_BYTES = 256 * 1024;

export type TCtmHttpAnswer = { status: number; body: unknown };

type TSlot = { release(): void };

/** A counting semaphore whose waiters leave the queue when their call is aborted. */
function createLimiter(limit: number) {
  let active = 0;
  const waiting: { grant: () => void }[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant();
    else active -= 1;
  };
  return {
    acquire(signal: AbortSignal): Promise<TSlot> {
      if (active < limit) {
        active += 1;
        return Promise.resolve({ release });
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve({ release });
          },
        };
        const onAbort = () => {
          const index = waiting.indexOf(entry);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal.reason);
        };
        waiting.push(entry);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}

export type TCtmLimiter = ReturnType<typeof createLimiter>;

// Keyed by the options object the TSP hands every driver it creates: one TSP's drivers share their
// endpoint limits, two TSPs in one process (tests) do not, and nothing outlives the TSP.
const limitersByOwner = new WeakMap<object, Map<string, TCtmLimiter>>();

export function limiterFor(owner: TKmsDriverOptions, origin: string, limit = MAX_IN_FLIGHT): TCtmLimiter {
  let byOrigin = limitersByOwner.get(owner);
  if (!byOrigin) limitersByOwner.set(owner, (byOrigin = new Map()));
  let limiter = byOrigin.get(origin);
  if (!limiter) byOrigin.set(origin, (limiter = createLimiter(limit)));
  return limiter;
}

/** Full jitter (AWS architecture blog): a random wait in [0, min(cap, base·2^attempt)). */
export function fullJitterMs(attempt: number, baseMs = 50, capMs = 800): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export type TCtmHttp = {
  post(path: string, body: unknown, bearer: string | undefined, signal: AbortSignal): Promise<TCtmHttpAnswer>;
  close(): void;
};

/** `baseUrl` is the configuration's URL (an https origin, maybe with a path prefix). */
export function createCtmHttp(baseUrl: string, caPem: string | undefined): TCtmHttp {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  // `ca` replaces the default trust store: a private CA is trusted for this agent, hence this host, only.
  const agent = new https.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT, ...(caPem ? { ca: caPem } : {}) });

  function post(path: string, body: unknown, bearer: string | undefined, signal: AbortSignal): Promise<TCtmHttpAnswer> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const request = https.request(
        {
          protocol: 'https:',
          hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: base.port === '' ? 443 : Number(base.port),
          path: `${prefix}${path}`,
          method: 'POST',
          agent,
          signal,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': String(payload.length),
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
            else response.destroy(new Error('The answer is too large.'));
          });
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  return { post, close: () => agent.destroy() };
}

/**
 * One POST through the endpoint's limiter, retried with full jitter while
 * CipherTrust throttles or is briefly unavailable; the last answer is
 * returned whatever it is. Network errors are not retried here: the deadline
 * is short and a dead appliance should fail fast.
 */
export async function postWithRetries(
  http: TCtmHttp,
  limiter: TCtmLimiter,
  request: { path: string; body: unknown; bearer?: string },
  signal: AbortSignal,
): Promise<TCtmHttpAnswer> {
  for (let attempt = 0; ; attempt += 1) {
    const slot = await limiter.acquire(signal);
    let answer: TCtmHttpAnswer;
    try {
      answer = await http.post(request.path, request.body, request.bearer, signal);
    } finally {
      slot.release();
    }
    if (!isRetryableStatus(answer.status) || attempt + 1 >= MAX_ATTEMPTS) return answer;
    await sleep(fullJitterMs(attempt), signal);
  }
}
