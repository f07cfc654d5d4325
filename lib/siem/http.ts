// Outbound HTTPS for the HTTP-based sinks (the lookup, connect-to and error
// helpers serve the raw-TLS syslog sink too). One keep-alive agent per sink that
// trusts the system's CAs plus `options.ca`, resolves host names through
// `options.resolve` first, and refuses DNS answers on the proxy's own machine
// or link-local network (the schema can only refuse literal addresses; a name
// can resolve to 169.254.169.254). Every failure becomes a SiemError whose
// message names the destination and the reason — never a URL (it may carry a
// token), a header value or a body.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { isLocalHost } from '@/lib/schemas/providers/common';
import { SiemError, type TSiemErrorCode, type TSiemSinkOptions } from './types';
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

/** Splits "host:port" (IPv6 in brackets) into its parts; undefined when it is not that shape. */
export function splitHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1').toLowerCase(), port };
}

/** `options.connectTo` as "host:port" → target; an entry that is not host:port=address:port throws (the TSP's settings check them first). */
export function connectTargets(connectTo: Record<string, string> | undefined): Map<string, { host: string; port: number }> {
  const targets = new Map<string, { host: string; port: number }>();
  for (const [from, to] of Object.entries(connectTo ?? {})) {
    const source = splitHostPort(from);
    const target = splitHostPort(to);
    if (!source || !target) throw new SiemError('A SIEM connect-to override must map host:port to address:port.', { code: 'config', retryable: false });
    targets.set(`${source.host}:${source.port}`, target);
  }
  return targets;
}

/** TLS options that check the server against `hostname` (SNI and certificate) wherever the socket actually goes. */
export function identityOf(hostname: string): Pick<tls.ConnectionOptions, 'servername' | 'checkServerIdentity'> {
  return {
    ...(isIP(hostname) ? {} : { servername: hostname }),
    checkServerIdentity: (_: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(hostname, cert),
  };
}

/** `options.resolve` first (the operator's explicit choice, loopback allowed), then DNS without local answers. */
export function makeLookup(resolve: Record<string, string> | undefined) {
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

/** A socket error as a SiemError naming `what` ("the syslog collector"): local DNS answers, untrusted certificates, unreachable hosts. */
export function networkError(what: string, error: NodeJS.ErrnoException): SiemError {
  const code = typeof error.code === 'string' ? error.code : 'network error';
  if (code === LOCAL_ADDRESS) {
    return new SiemError(`${capital(what)}'s host name resolves only to loopback or link-local addresses, which the key proxy refuses.`, { code: 'network', retryable: false });
  }
  if (TLS_TRUST_CODES.has(code)) {
    return new SiemError(
      `${capital(what)}'s TLS certificate is not trusted (${code}); it must match the host name and chain to a CA the key proxy trusts.`,
      { code: 'tls', retryable: false, cause: error },
    );
  }
  if (code === 'ENOTFOUND') return new SiemError(`${capital(what)}'s host name does not resolve (ENOTFOUND).`, { code: 'network', retryable: true, cause: error });
  const tlsFailure = code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO';
  return new SiemError(`Could not reach ${what} (${code}).`, { code: tlsFailure ? 'tls' : 'network', retryable: true, cause: error });
}

/**
 * Node's default trust store plus `extra` (the operator's CAs), or undefined
 * for the defaults alone: a `ca` option replaces Node's trust store, so the
 * defaults (bundled, NODE_EXTRA_CA_CERTS, system when enabled) go first.
 */
export function defaultCasWith(extra: readonly string[] | undefined): string[] | undefined {
  return extra?.length ? [...tls.getCACertificates('default'), ...extra] : undefined;
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
    const code = status === 429 ? 'throttled' : status === 408 ? 'timeout' : 'unavailable';
    return new SiemError(`${capital(what)} is unavailable (HTTP ${status})${suffix}.`, { code, retryable: true, retryAfterMs });
  }
  const [reason, hint, code]: [string, string, TSiemErrorCode] =
    status >= 300 && status < 400
      ? ['answered with a redirect', 'enter the final URL, which the key proxy does not follow', 'not_found']
      : status === 401 || status === 403
        ? ['refused the credentials', 'check the token or secret in the configuration', 'auth']
        : status === 404
          ? ['has no receiver at this URL', 'check the URL', 'not_found']
          : status === 413
            ? ['refused a batch as too large', 'raise the receiver’s size limit', 'rejected']
            : ['refused the request', 'check the configuration', 'rejected'];
  return new SiemError(`${capital(what)} ${reason} (HTTP ${status})${suffix}; ${hint}.`, { code, retryable: false });
}

/**
 * `what` names the destination in messages ("the webhook", "Splunk HEC").
 * The caller closes the client with its sink: that ends idle keep-alive
 * sockets (which never hold the process open meanwhile).
 */
export function createHttpClient(what: string, options: TSiemSinkOptions): THttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: defaultCasWith(options.ca), lookup: makeLookup(options.resolve) });
  const targets = connectTargets(options.connectTo);

  function post(url: URL, headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<THttpAnswer> {
    return new Promise((resolve, reject) => {
      const cancelled = () => new SiemError(`Delivery to ${what} was cancelled.`, { code: 'cancelled', retryable: true });
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
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = url.port === '' ? 443 : Number(url.port);
      // A connect-to target: the socket goes there, the certificate is still checked against the URL's host, and Host names it.
      const target = targets.get(`${hostname.toLowerCase()}:${port}`);
      const request = https.request(
        {
          protocol: 'https:',
          hostname: target?.host ?? hostname,
          port: target?.port ?? port,
          ...(target ? identityOf(hostname) : {}),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent,
          headers: { ...headers, ...(target ? { host: url.host } : {}), 'content-length': String(body.length) },
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
        finish(new SiemError(`${capital(what)} did not answer within ${timeoutMs} ms.`, { code: 'timeout', retryable: true }));
      }, timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: NodeJS.ErrnoException) => finish(networkError(what, error)));
      request.end(body);
    });
  }

  return { post, close: () => agent.destroy() };
}

/**
 * A keep-alive agent with the same outbound rules as createHttpClient (extra
 * CAs beside the defaults, `resolve` first and no local DNS answers,
 * `connectTo` overrides that keep TLS checking the requested host), for SDKs
 * that take an agent (Azure's). `onConnection` hears each connection's
 * failure code, or undefined once one is up, since some SDKs (MSAL) hide it.
 */
export function createSiemAgent(options: TSiemSinkOptions, onConnection?: (failure: string | undefined) => void): https.Agent {
  const ca = options.ca?.length ? [...tls.getCACertificates('default'), ...options.ca] : undefined;
  const targets = connectTargets(options.connectTo);
  class SiemAgent extends https.Agent {
    override createConnection(connection: tls.ConnectionOptions): Duplex {
      const host = (connection.host ?? '').replace(/^\[(.*)\]$/, '$1');
      const target = targets.get(`${host.toLowerCase()}:${connection.port ?? 443}`);
      const socket = tls.connect(
        target ? { ...connection, host: target.host, port: target.port, ...(isIP(host) ? {} : { servername: connection.servername ?? host }) } : connection,
      );
      if (onConnection) {
        socket.once('error', (error: NodeJS.ErrnoException) => onConnection(typeof error.code === 'string' ? error.code : 'network error'));
        socket.once('secureConnect', () => onConnection(undefined));
      }
      return socket;
    }
  }
  return new SiemAgent({ keepAlive: true, maxSockets: 4, ca, lookup: makeLookup(options.resolve) });
}
