// The broker's proxy API as seen from the proxy (docs/proxy-api.md): the
// bundle long-poll with ETag, the status report, the broker key rotation
// statements, and the configuration tests' pick-up and results. Errors come back as BrokerHttpError carrying the problem+json
// `code`; network failures as BrokerHttpError with status 0.
import { readBounded } from '@/lib/bounded-body';
import { ZProxyConfigTests, type TConfigTestResult, type TProxyConfigTest } from '@/lib/schemas/config-tests';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import { z } from 'zod';
import type { TStoredSecret } from './types';

export type TFetch = typeof globalThis.fetch;

export class BrokerHttpError extends Error {
  override readonly name = 'BrokerHttpError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /** The broker's Retry-After (429, 503), in milliseconds; at most an hour. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

const MAX_RETRY_AFTER_S = 3600;

/** Retry-After in delay-seconds form (the broker's); a date or anything else is ignored. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d{1,7}$/.test(header.trim())) return null;
  return Math.min(Number(header.trim()), MAX_RETRY_AFTER_S) * 1000;
}

export type TBrokerApi = {
  getConfigs(input: { cursor: string | null; wait: number; etag: string | null; signal?: AbortSignal }): Promise<
    { kind: 'bundle'; jws: string; etag: string | null } | { kind: 'not_modified' }
  >;
  postStatus(status: TProxyStatus, signal?: AbortSignal): Promise<void>;
  getBrokerRotations(signal?: AbortSignal): Promise<string[]>;
  /** GET /api/v1/proxy/tests: the configuration tests this call claims (held up to `wait` s while there are none). */
  getConfigTests(input: { wait: number; signal?: AbortSignal }): Promise<TProxyConfigTest[]>;
  postConfigTestResult(testId: string, result: TConfigTestResult, signal?: AbortSignal): Promise<void>;
  /** POST /api/v1/proxy/secrets: stores a wrapped tenant secret; answers with the stored one (ours, or the first writer's). */
  postSecret(input: TStoredSecretInput, signal?: AbortSignal): Promise<TStoredSecret>;
};

export type TStoredSecretInput = Omit<TStoredSecret, 'createdAt'> & { tenantId: string };

const ZStoredSecretAnswer = z.object({
  created: z.boolean(),
  secret: z.object({ secretPath: z.string(), tenantSecretId: z.number().int(), kmsConfigId: z.number().int(), wrapped: z.string().max(8192), createdAt: z.string().max(64) }),
});

/**
 * Bounds on what the proxy reads from the broker, so that a hostile or broken
 * broker cannot exhaust the memory that holds every last good configuration.
 * A bundle page holds at most 4 MiB of tenants (a single larger tenant alone),
 * base64url-encoded in the JWS.
 */
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** The body as text, refusing (and cancelling) one larger than `limit` bytes. */
export async function readCapped(response: Response, limit: number): Promise<string> {
  const bytes = await readBounded(response.body, response.headers.get('content-length'), limit);
  if (!bytes) throw new BrokerHttpError(response.status, 'response_too_large', `The broker's answer is larger than ${limit} bytes; it was not read.`);
  return bytes.toString('utf8');
}

async function jsonCapped(response: Response): Promise<unknown> {
  return JSON.parse(await readCapped(response, MAX_DOCUMENT_BYTES)) as unknown;
}

async function problemOf(response: Response): Promise<BrokerHttpError> {
  let code: string | undefined;
  let detail = response.statusText;
  try {
    const body = (await jsonCapped(response)) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof body.code === 'string') code = body.code;
    const text = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : '';
    if (text) detail = text.slice(0, 300);
  } catch {
    // Not problem+json (a proxy in between, an HTML error page): the status says enough.
  }
  return new BrokerHttpError(response.status, code, `HTTP ${response.status}${code ? ` ${code}` : ''}: ${detail}`, retryAfterMs(response.headers.get('retry-after')));
}

export function createBrokerApi(brokerUrl: string, apiKey: string, fetchImpl: TFetch = globalThis.fetch): TBrokerApi {
  const base = brokerUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${apiKey}` };

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetchImpl(url, init);
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      // The cause may embed the URL but never the API key (it is only in a header).
      throw new BrokerHttpError(0, undefined, `Network error: ${(cause as Error).message}`);
    }
  }

  return {
    async getConfigs({ cursor, wait, etag, signal }) {
      const url = new URL(`${base}/api/v1/proxy/configs`);
      if (cursor !== null) url.searchParams.set('cursor', cursor);
      url.searchParams.set('wait', String(Math.max(0, Math.min(60, Math.floor(wait)))));
      const headers: Record<string, string> = { ...auth, accept: 'application/jose' };
      if (etag !== null) headers['if-none-match'] = etag;
      const response = await call(url.href, { headers, signal });
      if (response.status === 304) {
        // "Unchanged" means something only as the answer to an If-None-Match: a later page or a full sync cannot be.
        if (etag === null) throw new BrokerHttpError(304, 'unexpected_not_modified', 'The broker answered 304 Not Modified to a request without If-None-Match.');
        return { kind: 'not_modified' };
      }
      if (response.status !== 200) throw await problemOf(response);
      return { kind: 'bundle', jws: (await readCapped(response, MAX_BUNDLE_BYTES)).trim(), etag: response.headers.get('etag') };
    },

    async postStatus(status, signal) {
      const response = await call(`${base}/api/v1/proxy/status`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(status),
        signal,
      });
      if (response.status !== 204 && response.status !== 200) throw await problemOf(response);
    },

    async getBrokerRotations(signal) {
      const response = await call(`${base}/.well-known/cmk-key-rotations.json`, { signal });
      if (response.status !== 200) throw await problemOf(response);
      const body = (await jsonCapped(response)) as { rotations?: unknown };
      if (!Array.isArray(body.rotations) || !body.rotations.every((r) => typeof r === 'string')) {
        throw new BrokerHttpError(200, undefined, 'The broker key rotations document is malformed.');
      }
      return body.rotations as string[];
    },

    async getConfigTests({ wait, signal }) {
      const url = new URL(`${base}/api/v1/proxy/tests`);
      url.searchParams.set('wait', String(Math.max(0, Math.min(30, Math.floor(wait)))));
      const response = await call(url.href, { headers: { ...auth, accept: 'application/json' }, signal });
      if (response.status !== 200) throw await problemOf(response);
      const parsed = ZProxyConfigTests.safeParse(await jsonCapped(response).catch(() => null));
      if (!parsed.success) throw new BrokerHttpError(200, 'malformed_tests', 'The broker answered GET /api/v1/proxy/tests with a malformed body.');
      return parsed.data.tests;
    },

    async postSecret(input, signal) {
      const response = await call(`${base}/api/v1/proxy/secrets`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal,
      });
      if (response.status !== 201 && response.status !== 200) throw await problemOf(response);
      const parsed = ZStoredSecretAnswer.safeParse(await jsonCapped(response).catch(() => null));
      if (!parsed.success) throw new BrokerHttpError(response.status, 'malformed_secret', 'The broker answered POST /api/v1/proxy/secrets with a malformed body.');
      const { secret } = parsed.data;
      // The winner is for the same tenant secret, or the answer is not one.
      if (secret.secretPath !== input.secretPath || secret.tenantSecretId !== input.tenantSecretId) {
        throw new BrokerHttpError(response.status, 'malformed_secret', 'The broker answered with another secret than the one asked for.');
      }
      return secret;
    },

    async postConfigTestResult(testId, result, signal) {
      const response = await call(`${base}/api/v1/proxy/tests/${encodeURIComponent(testId)}/result`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(result),
        signal,
      });
      if (response.status !== 204 && response.status !== 200) throw await problemOf(response);
    },
  };
}
