// The HTTPS server under every SIEM protocol double (tests, demo and bench
// only): listens on 127.0.0.1 with a certificate from lib/testing/tls.ts for
// a made-up host name, which sinks reach through `options.resolve` (the SIEM
// schemas refuse loopback URLs, rightly) and trust through `options.ca`. It
// records every request and injects the faults a real collector shows:
// error answers with Retry-After, delays, dropped connections and stalls. The
// protocol itself — authentication, body format, answers — is the double's.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TSiemSinkOptions } from '@/lib/siem/types';
import { makeTestTls } from '../tls';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type TDoubleRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };
export type TDoubleAnswer = { status: number; body: string; headers?: Record<string, string>; outcome: 'accepted' | 'refused' };
export type TDoubleOutcome = 'accepted' | 'refused' | 'failed' | 'dropped' | 'stalled';
export type TRecordedRequest = { path: string; outcome: TDoubleOutcome; status?: number; bytes: number };

type TFault = { kind: 'fail'; status: number; retryAfter?: string } | { kind: 'drop' } | { kind: 'stall' };

export type THttpsDouble = {
  readonly hostname: string;
  readonly port: number;
  /** https://<hostname>:<port> */
  readonly origin: string;
  readonly caPem: string;
  /** What a sink needs to reach and trust this double. */
  sinkOptions(extra?: Pick<TSiemSinkOptions, 'timeoutMs'>): TSiemSinkOptions;
  /** Every request, in arrival order, with what became of it. */
  readonly requests: TRecordedRequest[];
  /** The next `count` requests get `status` (default 503) and the double's error body, plus Retry-After if given (seconds or a date). */
  failNext(count: number, options?: { status?: number; retryAfter?: number | string }): void;
  /** The next `count` requests lose their connection before any answer. */
  dropNext(count: number): void;
  /** The next `count` requests are read and never answered (until close). */
  stallNext(count: number): void;
  /** Every answer waits this long first. */
  setDelay(ms: number): void;
  /** For `ms` from now, every request loses its connection before any answer (a collector that is down); then it serves again. */
  downFor(ms: number): void;
  close(): Promise<void>;
};

export type THttpsDoubleOptions = {
  hostname: string;
  /** The protocol: answers a well-formed request the double has no fault for (async where it must verify a signature). */
  handle(request: TDoubleRequest): TDoubleAnswer | Promise<TDoubleAnswer>;
  /** The body of an injected error answer, as this collector words it. */
  failBody(status: number): string;
  /** Default 0: a free port. The demo keeps one, since its sealed configuration names it. */
  port?: number;
  /** Default: a certificate from lib/testing/tls.ts. The demo keeps its own across restarts. */
  tls?: { caPem: string; certPem: string; keyPem: string };
};

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

export async function startHttpsDouble(options: THttpsDoubleOptions): Promise<THttpsDouble> {
  const { caPem, certPem, keyPem } = options.tls ?? makeTestTls([options.hostname]);
  const requests: TRecordedRequest[] = [];
  const faults: TFault[] = [];
  let delayMs = 0;
  let downUntil = 0;

  const server = https.createServer({ cert: certPem, key: keyPem }, (request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      if (Date.now() < downUntil) {
        requests.push({ path, outcome: 'dropped', bytes: 0 });
        request.socket.destroy();
        return;
      }
      const fault = faults.shift();
      if (fault?.kind === 'drop') {
        requests.push({ path, outcome: 'dropped', bytes: 0 });
        request.socket.destroy();
        return;
      }
      const body = await readBody(request);
      if (fault?.kind === 'stall') {
        requests.push({ path, outcome: 'stalled', bytes: body?.length ?? 0 });
        return;
      }
      if (delayMs > 0) await sleep(delayMs);
      if (body === null) {
        requests.push({ path, outcome: 'refused', status: 413, bytes: MAX_BODY_BYTES });
        return answer(response, 413, options.failBody(413));
      }
      if (fault?.kind === 'fail') {
        requests.push({ path, outcome: 'failed', status: fault.status, bytes: body.length });
        return answer(response, fault.status, options.failBody(fault.status), fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      }
      const result = await options.handle({ method: request.method ?? 'GET', path, headers: request.headers, body });
      requests.push({ path, outcome: result.outcome, status: result.status, bytes: body.length });
      answer(response, result.status, result.body, result.headers);
    })().catch(() => request.socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `https://${options.hostname}:${port}`;
  const push = (count: number, fault: TFault) => {
    for (let i = 0; i < count; i++) faults.push(fault);
  };

  return {
    hostname: options.hostname,
    port,
    origin,
    caPem,
    sinkOptions: (extra = {}) => ({ ca: [caPem], resolve: { [options.hostname]: '127.0.0.1' }, ...extra }),
    requests,
    failNext(count, { status = 503, retryAfter } = {}) {
      push(count, { kind: 'fail', status, retryAfter: retryAfter === undefined ? undefined : String(retryAfter) });
    },
    dropNext: (count) => push(count, { kind: 'drop' }),
    stallNext: (count) => push(count, { kind: 'stall' }),
    setDelay(ms) {
      delayMs = ms;
    },
    downFor(ms) {
      downUntil = Date.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
