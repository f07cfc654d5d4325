// HTTPS to one CipherTrust Manager for its driver: a keep-alive agent that
// trusts the configuration's CA certificate (and only it) when one is given,
// a cap on requests in flight per CipherTrust endpoint shared by every driver
// of one TSP (so a slow appliance cannot pile up requests from all its
// tenants), and bounded retries with full jitter for throttling and transient
// 5xx. No fetch or undici: node:https takes a per-agent CA without touching
// the rest of the process.
import https from 'node:https';

import { endpointLimit, fullJitterMs, sleepUnlessAborted, type TConcurrencyLimit } from './concurrency-limit';
import { keepAliveOptions } from './keep-alive';
import { isRetryableStatus } from './thales-ciphertrust-errors';
import type { TKmsDriverOptions } from './types';

/** Requests in flight per CipherTrust endpoint, across every configuration that names it. */
export const MAX_IN_FLIGHT = 16;
/** Three attempts: two retries absorb a burst of throttling and still fit in the call's deadline. */
export const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 800;
/** Answers bigger than this are not CipherTrust's crypto or token answers. */
const MAX_ANSWER_BYTES = 256 * 1024;

export type TCtmHttpAnswer = { status: number; body: unknown };

export type TCtmLimiter = TConcurrencyLimit;

/** The limit of one CipherTrust endpoint, shared by every driver the same TSP (`owner`, its driver options) makes for it. */
export function limiterFor(owner: TKmsDriverOptions, origin: string, limit = MAX_IN_FLIGHT): TCtmLimiter {
  return endpointLimit(owner, origin, 'CipherTrust Manager', limit);
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
  const agent = new https.Agent({ ...keepAliveOptions(MAX_IN_FLIGHT), ...(caPem ? { ca: caPem } : {}) });

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
    const answer = await limiter.run(() => http.post(request.path, request.body, request.bearer, signal), signal);
    if (!isRetryableStatus(answer.status) || attempt + 1 >= MAX_ATTEMPTS) return answer;
    await sleepUnlessAborted(fullJitterMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS), signal);
  }
}
