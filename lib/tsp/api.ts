// The API v1 HTTP handler: POST /api/1/<route>, `Authorization: cmk <key>`
// (one of two keys, for rotation), a bounded JSON body parsed with zod, and
// `{ code, message }` for every refusal (lib/tsp/errors.ts). Order: route →
// method → key → body → operation, so nothing unauthenticated is parsed.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TspError } from './errors';
import * as ops from './key-ops';
import type { TTspLogger } from './log';
import { describeIssue, ZDeriveRequest, ZBatchUnwrapRequest, ZBatchWrapRequest, ZRekeyRequest, ZSecurityEventRequest, ZUnwrapRequest, ZWrapRequest } from './wire';

/** A 1 000-item batch of EDEKs is well under this. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

type TRoute = { schema: z.ZodType; run: (ctx: ops.TKeyOpsContext, body: never) => Promise<unknown> | unknown };

const ROUTES: Record<string, TRoute> = {
  'document/wrap': { schema: ZWrapRequest, run: ops.wrap },
  'document/batch-wrap': { schema: ZBatchWrapRequest, run: ops.batchWrap },
  'document/unwrap': { schema: ZUnwrapRequest, run: ops.unwrap },
  'document/batch-unwrap': { schema: ZBatchUnwrapRequest, run: ops.batchUnwrap },
  'document/rekey': { schema: ZRekeyRequest, run: ops.rekey },
  'event/security-event': { schema: ZSecurityEventRequest, run: ops.securityEvent },
  'key/derive-with-secret-path': { schema: ZDeriveRequest, run: ops.derive },
};

export type TApiOptions = {
  ctx: ops.TKeyOpsContext;
  apiKeys: readonly string[];
  logger: TTspLogger;
  /** Throws a TspError when the instance must not serve (not synced yet, or staler than allowed). */
  checkServing(): void;
};

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares the presented key with each configured one in constant time (hashes of equal length). */
function keyMatcher(apiKeys: readonly string[]): (presented: string) => boolean {
  const expected = apiKeys.map(digest);
  return (presented) => {
    const got = digest(presented);
    let ok = false;
    for (const key of expected) ok = timingSafeEqual(key, got) || ok;
    return ok;
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: TspError, headers: Record<string, string> = {}): void {
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  send(res, error.status, error.toBody(), headers);
}

/** The whole body, bounded. Events, not `for await`: the async iterator costs more than the rest of a small request's parsing. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return Promise.reject(new TspError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: unknown) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error === undefined) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      // A body cut short (the client closed, bad chunk framing, too slow) is the request's fault, not ours.
      else reject(error instanceof TspError ? error : new TspError('invalid_request', 'The request body did not arrive completely.', { cause: error }));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        done(new TspError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      } else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => {
      if (!req.complete) done(new Error('closed before the body was complete'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseJson(bytes: Buffer): unknown {
  const text = UTF8.decode(bytes);
  return JSON.parse(text);
}

export function createApiHandler(options: TApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const isKey = keyMatcher(options.apiKeys);
  const { ctx, logger } = options;

  return async (req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    const path = (req.url ?? '').split('?')[0] ?? '';
    const name = path.startsWith('/api/1/') ? path.slice('/api/1/'.length) : '';
    const route = Object.hasOwn(ROUTES, name) ? (ROUTES[name] as TRoute) : undefined;
    let code = 0;
    try {
      if (!route) throw new TspError('not_found', 'No such route. The API is POST /api/1/document/{wrap,batch-wrap,unwrap,batch-unwrap,rekey}, /api/1/key/derive-with-secret-path and /api/1/event/security-event.');
      if (req.method !== 'POST') throw new TspError('method_not_allowed', 'Use POST.');
      const authorization = req.headers.authorization ?? '';
      const match = /^cmk (\S+)$/.exec(authorization);
      if (!match || !isKey(match[1] as string)) throw new TspError('unauthorized', 'The API key is missing or wrong (Authorization: cmk <API key>).');
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') throw new TspError('invalid_request', 'The request body must be JSON (Content-Type: application/json).');
      const bytes = await readBody(req);
      let json: unknown;
      try {
        json = parseJson(bytes);
      } catch {
        throw new TspError('invalid_request', 'The request body is not valid JSON (UTF-8).');
      }
      const parsed = route.schema.safeParse(json);
      if (!parsed.success) throw new TspError('invalid_request', describeIssue(parsed.error));
      options.checkServing();
      const result = await route.run(ctx, parsed.data as never);
      send(res, 200, result ?? null);
    } catch (error) {
      const failure = error instanceof TspError ? error : new TspError('unknown', `Internal error (request ${requestId}).`, { cause: error });
      code = failure.code;
      if (failure.kind === 'unknown') logger.error({ requestId, route: name, err: (error as Error)?.message }, 'TSP request failed unexpectedly');
      // Once the body is refused, the rest of it is not read: close the connection rather than drain it.
      const headers: Record<string, string> = failure.kind === 'payload_too_large' ? { connection: 'close' } : {};
      if (!res.headersSent) sendError(res, failure, headers);
      else res.destroy();
    } finally {
      ctx.metrics.countRequest(route ? name : 'unknown', code);
      logger.info({ requestId, route: route ? name : 'unknown', code, ms: Math.round(performance.now() - started) }, 'tsp request');
    }
  };
}
