import 'server-only';
// The broker's HTTP server: Next.js behind a thin node:http layer that owns
// what must hold for every response — request ids, security headers with a
// per-request CSP nonce, access logs — and the process lifecycle: parse the
// environment, open and migrate the database (taking the PGlite lock) before
// listening, close it on SIGTERM/SIGINT.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import next from 'next';
import { getEnv, type TEnv } from '@/lib/env';
import { startAuditCheckpoints } from '@/lib/server/audit/scheduler';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { answerNotModifiedFromMemory } from '@/lib/server/delivery/fast-path';
import { ensureDeliveryListener, stopDeliveryListener } from '@/lib/server/delivery/listener';
import { startDemoDoubles } from '@/lib/server/demo/doubles';
import { demoInstructions } from '@/lib/server/demo/instructions';
import { isDatabaseEmpty, seedDemoData } from '@/lib/server/demo/seed';
import { issueSetupToken } from '@/lib/server/accounts/setup';
import { getLogger } from '@/lib/server/log';
import { startNotifier, stopNotifier } from '@/lib/server/notifications/worker';
import { defaultMessage } from '@/lib/server/errors';
import { forwardedValue } from '@/lib/server/forwarded';
import { PROBLEM_CONTENT_TYPE, problemType } from '@/lib/server/problem';
import { newRequestId } from '@/lib/server/request-id';
import { getServerSecrets } from '@/lib/server/secrets';
import { API_CSP, baseSecurityHeaders, isApiPath, newNonce, pageCsp } from '@/lib/server/security-headers';

export type StartOptions = { dev?: boolean; port?: number; host?: string };
export type RunningServer = { url: string; close(): Promise<void> };

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const CLIENT_IP_HEADER = 'x-cmk-client-ip';
export const PATH_HEADER = 'x-cmk-path';

function isHttpsRequest(req: IncomingMessage, env: TEnv): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (forwardedValue(req.headers['x-forwarded-proto'], env.TRUST_PROXY) === 'https') return true;
  return env.isHttps;
}

/** Sets ids and security headers on `req`/`res` before Next sees them. */
export function prepareRequest(req: IncomingMessage, res: ServerResponse, env: TEnv, isDev: boolean): string {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : newRequestId();
  req.headers['x-request-id'] = requestId;
  res.setHeader('X-Request-Id', requestId);

  // The client address route handlers see (for rate limits and audit): set here, never taken from the client.
  const forwarded = forwardedValue(req.headers['x-forwarded-for'], env.TRUST_PROXY);
  req.headers[CLIENT_IP_HEADER] = forwarded || req.socket.remoteAddress || 'unknown';

  const options = { isDev, isHttps: isHttpsRequest(req, env) };
  for (const [name, value] of Object.entries(baseSecurityHeaders(options))) res.setHeader(name, value);

  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  // Pages' guards send anonymous visitors to sign-in with this path as `next` (layouts cannot see it).
  req.headers[PATH_HEADER] = pathname;
  // Never trust these from the client: Next derives the script nonce from the request's CSP.
  delete req.headers['content-security-policy-report-only'];
  delete req.headers['x-nonce'];
  if (isApiPath(pathname)) {
    delete req.headers['content-security-policy'];
    res.setHeader('Content-Security-Policy', API_CSP);
  } else {
    const nonce = newNonce();
    const csp = pageCsp(nonce, options);
    req.headers['content-security-policy'] = csp;
    req.headers['x-nonce'] = nonce;
    res.setHeader('Content-Security-Policy', csp);
  }
  return requestId;
}

function decodablePath(url: string | undefined): boolean {
  try {
    return !decodeURIComponent((url ?? '/').split('?')[0] ?? '/').includes('\u0000');
  } catch {
    return false;
  }
}

function refuse(res: ServerResponse, code: 'bad_request', requestId: string, detail: string): void {
  const body = JSON.stringify({ type: problemType(code), title: 'Bad Request', status: 400, code, detail, requestId });
  res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.end(body);
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const env = getEnv();
  const log = getLogger();
  const isDev = options.dev ?? false;
  const port = options.port ?? env.PORT;
  const host = options.host ?? env.HOST;

  const secrets = getServerSecrets();
  // next-auth reads these from the environment.
  process.env.AUTH_SECRET = secrets.authSecret;
  process.env.AUTH_URL ??= env.PUBLIC_URL;

  const db = await initDatabase({ migrate: true });
  log.info({ database: db.kind, serverKeysFrom: secrets.source === 'file' ? 'DATA_DIR/server-secrets.json' : 'environment' }, 'database ready');

  // Hearing every commit: wake-ups for long-polls across instances, and 304s answered from memory
  // (both backends; the broker works without it meanwhile, asking the database).
  await Promise.race([ensureDeliveryListener(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);

  // A first start on an empty embedded database gets demo data (DEMO_DATA=false turns it off).
  const demo = db.kind === 'pglite' && env.DEMO_DATA && (await isDatabaseEmpty()) ? await seedDemoData(env.DATA_DIR) : null;
  // A seeded demo's AWS KMS and Splunk are local protocol doubles, started with the broker at every start.
  const doubles = db.kind === 'pglite' ? await startDemoDoubles(env.DATA_DIR) : null;
  const setupToken = await issueSetupToken();
  const app = next({ dev: isDev, dir: process.cwd(), hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const requestId = prepareRequest(req, res, env, isDev);
    res.on('finish', () => {
      log.info(
        {
          requestId,
          method: req.method,
          path: (req.url ?? '/').split('?')[0],
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    });
    // A path Next cannot decode (invalid percent-encoding such as %ff or an encoded lone surrogate)
    // would end in its URIError and a 500, and a NUL in an id in a database error: refuse both here.
    if (!decodablePath(req.url)) {
      refuse(res, 'bad_request', requestId, 'The request path is not valid percent-encoded UTF-8, or holds a NUL character.');
      return;
    }
    // A proxy's poll when nothing changed: 304 from memory, without Next or the database.
    if (answerNotModifiedFromMemory(req, res)) return;
    handle(req, res).catch((error: unknown) => {
      log.error({ requestId, err: error }, 'unhandled error in request handler');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'application/problem+json');
        res.end(JSON.stringify({ type: 'urn:cmk-broker:problem:internal', title: 'Internal Server Error', status: 500, code: 'internal', detail: 'Something went wrong on our side.', requestId }));
      } else {
        res.destroy();
      }
    });
  });
  // Requests Node refuses before any handler runs (headers or URL over 16 KiB, malformed HTTP):
  // the same problem+json 400 with a stable code as every other refusal, not a bare 431.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const code = error.code === 'HPE_HEADER_OVERFLOW' ? 'request_too_large' : 'bad_request';
    const body = JSON.stringify({ type: problemType(code), title: 'Bad Request', status: 400, detail: defaultMessage(code), code });
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host}:${actualPort}`;
  if (setupToken) {
    // Printed, not logged as JSON: the operator copies it from the console once. It is single-use and
    // replaced at every start until the first operator exists.
    console.log(`\n  First run: no operator exists yet.\n  Open ${env.PUBLIC_URL}/setup and enter this one-time setup token:\n\n    ${setupToken}\n`);
  }
  // Printed, not logged: the demo's passphrases exist nowhere else but DATA_DIR/demo/accounts.txt.
  const instructions = demoInstructions({ demo: demo ?? null, doubles: doubles ?? null, publicUrl: env.PUBLIC_URL, dataDir: env.DATA_DIR });
  if (instructions) console.log(instructions);
  log.info({ url, dev: isDev }, 'broker listening');
  // Mail to tenant admins about security-relevant events, derived from the audit trail (docs/notifications.md).
  startNotifier();
  const checkpoints = startAuditCheckpoints();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      await checkpoints.stop();
      await app.close?.().catch(() => {});
      await stopNotifier();
      await stopDeliveryListener();
      await doubles?.stop();
      await closeDatabase();
      log.info('broker stopped');
    })();
    return closing;
  };
  return { url, close };
}
