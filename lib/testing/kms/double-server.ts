// The server under the KMS protocol doubles (tests, demo and bench only):
// listens on 127.0.0.1 (HTTPS with a test CA certificate, or plain HTTP for
// the AWS double), answers 500 when the double's handler throws, holds a
// request for the double's delay or drops its connection, and on stop ends
// the pending delays and every connection. The protocol — routes,
// authentication, answers, the call log — is each double's. The SIEM doubles
// have their own (lib/testing/siem/https-double.ts): it injects faults per
// request and records outcomes, where a KMS double's faults are switches a
// test turns on and off.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const MAX_BODY = 1 << 20;

/** A request's body, or undefined past 1 MiB. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY ? Buffer.concat(chunks) : undefined));
    req.on('error', () => resolve(undefined));
  });
}

/** A request's JSON object body (an empty body is {}), or undefined past 1 MiB or when it is not a JSON object. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const body = await readBody(req);
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A throttle switch's count: true is every call, false none, a number the next n. */
export const faultCount = (n: number | boolean): number => (n === true ? Infinity : n === false ? 0 : n);

/** How many logged calls match every field of `filter`. */
export function countCalls<T extends object>(calls: readonly T[], filter: Partial<T> = {}): number {
  return calls.filter((call) => Object.entries(filter).every(([field, value]) => call[field as keyof T] === value)).length;
}

export type TDoubleFaults = { delayMs: number; dropConnections: boolean };

export type TKmsDoubleServer = {
  /** https://127.0.0.1:<port> (http:// without tls) */
  url: string;
  /**
   * Waits the double's delay, then drops the connection if the double drops connections (or the client
   * left meanwhile). True when dropped: the handler answers nothing.
   */
  held(req: IncomingMessage, res: ServerResponse, faults: TDoubleFaults): Promise<boolean>;
  stop(): Promise<void>;
};

export async function startKmsDoubleServer(options: {
  /** Without it, plain HTTP. */
  tls?: { certPem: string; keyPem: string };
  /** Default 0: a free port. */
  port?: number;
  /** The body of the 500 when the handler throws (default none). */
  internalError?: string;
  handle(req: IncomingMessage, res: ServerResponse, server: TKmsDoubleServer): Promise<void>;
}): Promise<TKmsDoubleServer> {
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
      timers.add(entry);
    });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    options.handle(req, res, double).catch(() => {
      if (!res.headersSent) res.writeHead(500).end(options.internalError);
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const double: TKmsDoubleServer = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: async (req, res, faults) => {
      if (faults.delayMs > 0) await sleep(faults.delayMs);
      if (!faults.dropConnections && !res.destroyed) return false;
      req.socket.destroy();
      return true;
    },
    stop: async () => {
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return double;
}
