// Outbound HTTPS for the HTTP-based sinks. One keep-alive agent per sink that
// trusts the system's CAs plus `options.ca`, resolves host names through
// `options.resolve` first, and refuses DNS answers on the proxy's own machine
// or link-local network (the schema can only refuse literal addresses; a name
// can resolve to 169.254.169.254). Every failure becomes a SiemError whose
// message names the destination and the reason — never a URL (it may carry a
// token), a header value or a body.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { isLocalHost } from '@/lib/schemas/providers/common';
import { SiemError, type TSiemSinkOptions } from './types';
import { TLS_TRUST_CODES } from '@/lib/socket-errors';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Receivers answer with a short status; anything longer is cut (we never need more than its start). */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Ceiling on a Retry-After we pass on; the queue applies its own cap too. */
const MAX_RETRY_AFTER_MS = 3_600_000;
const LOCAL_ADDRESS = 'ECMK_LOCAL_ADDRESS';


export type THttpAnswer = { status: number; headers: IncomingHttpHeaders; body: Buffer };

export type THttpClient = {
  post(url: URL, headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<THttpAnswer>;
  close(): void;
};

type TLookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function answerLookup(options: LookupOptions, callback: TLookupCallback, addresses: LookupAddress[]): void {
  const [first] = addresses;
  if (options.all) callback(null, addresses);
  else if (first) callback(null, first.address, first.family);
}

/** `options.resolve` first (the operator's explicit choice, loopback allowed), then DNS without local answers. */
function makeLookup(resolve: Record<string, string> | undefined) {
  const pinned = new Map(Object.entries(resolve ?? {}).map(([host, address]) => [host.toLowerCase(), address]));
  return (hostname: string, options: LookupOptions, callback: TLookupCallback): void => {
    const address = pinned.get(hostname.toLowerCase());
    if (address !== undefined) return answerLookup(options, callback, [{ address, family: isIP(address) || 4 }]);
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = addresses.filter((entry) => !isLocalHost(entry.address));
      if (usable.length === 0) {
        const refused: NodeJS.ErrnoException = new Error('The host name resolves only to local addresses.');
        refused.code = LOCAL_ADDRESS;
        return callback(refused, []);
      }
      answerLookup(options, callback, usable);
    });
  };
}

/** Capitalised for the start of a sentence: "the webhook" → "The webhook". */
function capital(what: string): string {
  return what.charAt(0).toUpperCase() + what.slice(1);
}

function networkError(what: string, error: NodeJS.ErrnoException): SiemError {
  const code = typeof error.code === 'string' ? error.code : 'network error';
  if (code === LOCAL_ADDRESS) {
    return new SiemError(`${capital(what)}'s host name resolves only to loopback or link-local addresses, which the key proxy refuses.`, { retryable: false });
  }
  if (TLS_TRUST_CODES.has(code)) {
    return new SiemError(
      `${capital(what)}'s TLS certificate is not trusted (${code}); it must match the host name and chain to a CA the key proxy trusts.`,
      { retryable: false, cause: error },
    );
  }
  if (code === 'ENOTFOUND') return new SiemError(`${capital(what)}'s host name does not resolve (ENOTFOUND).`, { retryable: true, cause: error });
  return new SiemError(`Could not reach ${what} (${code}).`, { retryable: true, cause: error });
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * The usual meaning of an HTTP status for a delivery: 408, 429 and 5xx are
 * worth retrying (honouring Retry-After); other answers need the tenant to
 * change something. `detail` is a short, already-safe explanation ("Invalid
 * token (code 4)") from the sink that read the body.
 */
export function statusError(what: string, answer: THttpAnswer, detail?: string): SiemError {
  const { status } = answer;
  const suffix = detail === undefined ? '' : `: ${detail}`;
  const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
  if (status === 408 || status === 429 || status >= 500 || status < 200) {
    return new SiemError(`${capital(what)} is unavailable (HTTP ${status})${suffix}.`, { retryable: true, retryAfterMs });
  }
  const [reason, hint] =
    status >= 300 && status < 400
      ? ['answered with a redirect', 'enter the final URL, which the key proxy does not follow']
      : status === 401 || status === 403
        ? ['refused the credentials', 'check the token or secret in the configuration']
        : status === 404
          ? ['has no receiver at this URL', 'check the URL']
          : status === 413
            ? ['refused a batch as too large', 'raise the receiver’s size limit']
            : ['refused the request', 'check the configuration'];
  return new SiemError(`${capital(what)} ${reason} (HTTP ${status})${suffix}; ${hint}.`, { retryable: false });
}

/**
 * `what` names the destination in messages ("the webhook", "Splunk HEC").
 * The caller closes the client with its sink: that ends idle keep-alive
 * sockets (which never hold the process open meanwhile).
 */
export function createHttpClient(what: string, options: TSiemSinkOptions): THttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // `ca` replaces Node's trust store, so the defaults (bundled, NODE_EXTRA_CA_CERTS, system when enabled) go first.
  const ca = options.ca?.length ? [...tls.getCACertificates('default'), ...options.ca] : undefined;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca, lookup: makeLookup(options.resolve) });

  function post(url: URL, headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<THttpAnswer> {
    return new Promise((resolve, reject) => {
      const cancelled = () => new SiemError(`Delivery to ${what} was cancelled.`, { retryable: true });
      if (signal?.aborted) return reject(cancelled());
      let settled = false;
      const finish = (error: SiemError | undefined, answer?: THttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error !== undefined) reject(error);
        else resolve(answer as THttpAnswer);
      };
      const request = https.request(
        {
          protocol: 'https:',
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port === '' ? 443 : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => finish(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) return void chunks.push(chunk);
            // Enough to judge the answer; the socket is not reused after this.
            response.destroy();
            done();
          });
          response.on('end', done);
          response.on('error', (error: NodeJS.ErrnoException) => finish(networkError(what, error)));
        },
      );
      const onAbort = () => {
        request.destroy();
        finish(cancelled());
      };
      const timer = setTimeout(() => {
        request.destroy();
        finish(new SiemError(`${capital(what)} did not answer within ${timeoutMs} ms.`, { retryable: true }));
      }, timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: NodeJS.ErrnoException) => finish(networkError(what, error)));
      request.end(body);
    });
  }

  return { post, close: () => agent.destroy() };
}
