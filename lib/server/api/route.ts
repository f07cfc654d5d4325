import 'server-only';
// The one wrapper for route handlers: parse (zod) → authenticate → authorize
// → run → map errors. Input is never read before it is parsed, bodies are size
// limited before parsing, and every failure leaves as problem+json with the
// request id the custom server assigned (x-request-id).
import type { z } from 'zod';
import { AppError } from '@/lib/server/errors';
import { errorResponse } from '@/lib/server/problem';
import { requestIdFrom } from '@/lib/server/request-id';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export type RouteContext<TBody, TQuery, TParams> = {
  request: Request;
  requestId: string;
  body: TBody;
  query: TQuery;
  params: TParams;
};

export type RouteSpec<TBody extends z.ZodType | undefined, TQuery extends z.ZodType | undefined, TParams extends z.ZodType | undefined> = {
  /** Who may call it. Later roles add their own guards here. */
  auth: 'public';
  body?: TBody;
  query?: TQuery;
  params?: TParams;
  maxBodyBytes?: number;
};

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

function fieldIssues(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError('unsupported_media_type', { message: 'Send the body as application/json.' });
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw new AppError('payload_too_large', { message: `The body may be at most ${limit} bytes.` });
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new AppError('payload_too_large', { message: `The body may be at most ${limit} bytes.` });
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_json');
  }
}

function parseWith<T extends z.ZodType | undefined>(schema: T | undefined, input: unknown, prefix: string): Infer<T> {
  if (!schema) return undefined as Infer<T>;
  const result = schema.safeParse(input);
  if (!result.success) throw new AppError('validation_failed', { fields: fieldIssues(result.error, prefix) });
  return result.data as Infer<T>;
}

export function defineRoute<
  TBody extends z.ZodType | undefined = undefined,
  TQuery extends z.ZodType | undefined = undefined,
  TParams extends z.ZodType | undefined = undefined,
>(
  spec: RouteSpec<TBody, TQuery, TParams>,
  handler: (ctx: RouteContext<Infer<TBody>, Infer<TQuery>, Infer<TParams>>) => Promise<Response | object>,
): (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response> {
  return async (request, context) => {
    const requestId = requestIdFrom(request.headers);
    const url = new URL(request.url);
    try {
      const params = parseWith<TParams>(spec.params, await context.params, 'params');
      const query = parseWith<TQuery>(spec.query, Object.fromEntries(url.searchParams), 'query');
      const rawBody = spec.body ? await readJsonBody(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined;
      const body = parseWith<TBody>(spec.body, rawBody, 'body');
      const result = await handler({ request, requestId, body, query, params });
      const response = result instanceof Response ? result : Response.json(result, { headers: { 'cache-control': 'no-store' } });
      response.headers.set('x-request-id', requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, { method: request.method, path: url.pathname });
    }
  };
}
