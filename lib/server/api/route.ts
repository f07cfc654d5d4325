import 'server-only';
// The one wrapper for route handlers: parse (zod) → authenticate → authorize
// → run → map errors. Input is never read before it is parsed, bodies are size
// limited before parsing, and every failure leaves as problem+json with the
// request id the custom server assigned (x-request-id).
import type { z } from 'zod';
import { readBounded } from '@/lib/bounded-body';
import { auditRefusal } from '@/lib/server/audit/refusals';
import { requireOperator, requireTenantAdmin, requireUser, type CurrentUser, type TenantAccess } from '@/lib/server/authz';
import { requireProxy, type ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { requireVendorToken, type VendorPrincipal } from '@/lib/server/vendor/tokens';
import { AppError, isAppError } from '@/lib/server/errors';
import { errorResponse } from '@/lib/server/problem';
import { requestIdFrom } from '@/lib/server/request-id';
import { checkSameOrigin } from './same-origin';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export type AuthMode = 'public' | 'user' | 'operator' | 'tenant-admin' | 'tenant-member' | 'proxy' | 'vendor-read' | 'vendor-write';

/** Modes that take a bearer credential and never a session cookie (so no cross-site check either). */
const BEARER_MODES: readonly AuthMode[] = ['proxy', 'vendor-read', 'vendor-write'];

type Principal<A extends AuthMode> = A extends 'public'
  ? { user: null; access: null; deployment: null; vendor: null }
  : A extends 'proxy'
    ? { user: null; access: null; deployment: ProxyPrincipal; vendor: null }
    : A extends 'vendor-read' | 'vendor-write'
      ? { user: null; access: null; deployment: null; vendor: VendorPrincipal }
      : A extends 'user' | 'operator'
        ? { user: CurrentUser; access: null; deployment: null; vendor: null }
        : { user: CurrentUser; access: TenantAccess; deployment: null; vendor: null };

export type RouteContext<TBody, TQuery, TParams, A extends AuthMode = 'public'> = {
  request: Request;
  requestId: string;
  body: TBody;
  query: TQuery;
  params: TParams;
} & Principal<A>;

export type RouteSpec<
  TBody extends z.ZodType | undefined,
  TQuery extends z.ZodType | undefined,
  TParams extends z.ZodType | undefined,
  A extends AuthMode,
> = {
  /**
   * Who may call it: anyone, any signed-in user, operators, confirmed admins of
   * the tenant named by the `tenant` route parameter, or also its pending
   * admins; or a proxy deployment by its API key (Authorization: Bearer);
   * or a vendor API token (Bearer cmkv_…) with at least the read or write scope.
   */
  auth: A;
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
  const bytes = await readBounded(request.body, request.headers.get('content-length'), limit);
  if (!bytes) throw new AppError('payload_too_large', { message: `The body may be at most ${limit} bytes.` });
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_json');
  }
}

type AnyPrincipal = { user: CurrentUser | null; access: TenantAccess | null; deployment: ProxyPrincipal | null; vendor: VendorPrincipal | null };

async function authorize(mode: AuthMode, params: unknown, request: Request): Promise<AnyPrincipal> {
  const none = { user: null, access: null, deployment: null, vendor: null };
  switch (mode) {
    case 'public':
      return none;
    case 'proxy':
      return { ...none, deployment: await requireProxy(request) };
    case 'vendor-read':
    case 'vendor-write':
      return { ...none, vendor: await requireVendorToken(request, mode === 'vendor-write' ? 'write' : 'read') };
    case 'user':
      return { ...none, user: await requireUser() };
    case 'operator':
      return { ...none, user: await requireOperator() };
    case 'tenant-admin':
    case 'tenant-member': {
      const tenant = (params as { tenant?: unknown } | undefined)?.tenant;
      if (typeof tenant !== 'string') throw new AppError('not_found');
      const access = await requireTenantAdmin(tenant, { allowPending: mode === 'tenant-member' });
      return { ...none, user: access.user, access };
    }
  }
}

/** The proxy API answers every request it cannot take with 400 and a stable code, so a proxy needs one rule. */
function forProxy(error: unknown): unknown {
  if (isAppError(error) && error.code === 'payload_too_large') return new AppError('request_too_large', { message: error.message });
  if (isAppError(error) && error.code === 'unsupported_media_type') return new AppError('bad_request', { message: error.message });
  return error;
}

/**
 * The path of the first string (or key) in `value` that holds U+0000, if any.
 * No field of ours may contain it, and PostgreSQL cannot store it in text or
 * JSON: refused here as bad input, it never becomes a database error (500).
 */
export function nulPath(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  for (const [key, inner] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key.includes('\u0000')) return at;
    const found = nulPath(inner, at, depth + 1);
    if (found) return found;
  }
  return null;
}

function parseWith<T extends z.ZodType | undefined>(schema: T | undefined, input: unknown, prefix: string): Infer<T> {
  if (!schema) return undefined as Infer<T>;
  const nul = nulPath(input);
  if (nul) {
    throw new AppError('validation_failed', { fields: [{ path: [prefix, ...nul].join('.'), message: 'Must not contain the NUL character (U+0000).' }] });
  }
  const result = schema.safeParse(input);
  if (!result.success) throw new AppError('validation_failed', { fields: fieldIssues(result.error, prefix) });
  return result.data as Infer<T>;
}

export function defineRoute<
  A extends AuthMode,
  TBody extends z.ZodType | undefined = undefined,
  TQuery extends z.ZodType | undefined = undefined,
  TParams extends z.ZodType | undefined = undefined,
>(
  spec: RouteSpec<TBody, TQuery, TParams, A>,
  handler: (ctx: RouteContext<Infer<TBody>, Infer<TQuery>, Infer<TParams>, A>) => Promise<Response | object>,
): (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response> {
  return async (request, context) => {
    const requestId = requestIdFrom(request.headers);
    const url = new URL(request.url);
    try {
      const rawParams = await context.params;
      // Before anyone is looked up (docs/security.md "Cross-site requests"): a session-cookie write
      // must be vouched same-origin; a public write is refused only when a header says cross-site.
      // Bearer keys are never sent by a browser on its own, so those routes are not checked.
      if (!BEARER_MODES.includes(spec.auth)) checkSameOrigin(request, spec.auth === 'public' ? 'public' : 'session');
      // Authentication next: an anonymous caller learns nothing from validation messages.
      const principal = await authorize(spec.auth, rawParams, request).catch(async (error: unknown) => {
        // A signed-in user's refused change is an audit event; recording never alters the answer.
        await auditRefusal({ mode: spec.auth, params: rawParams, request, requestId, error });
        throw error;
      });
      const params = parseWith<TParams>(spec.params, rawParams, 'params');
      const query = parseWith<TQuery>(spec.query, Object.fromEntries(url.searchParams), 'query');
      const rawBody = spec.body ? await readJsonBody(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined;
      const body = parseWith<TBody>(spec.body, rawBody, 'body');
      const ctx = { request, requestId, body, query, params, ...principal } as unknown as RouteContext<Infer<TBody>, Infer<TQuery>, Infer<TParams>, A>;
      const result = await handler(ctx);
      const response = result instanceof Response ? result : Response.json(result, { headers: { 'cache-control': 'no-store' } });
      response.headers.set('x-request-id', requestId);
      return response;
    } catch (error) {
      if (spec.auth === 'proxy') {
        const response = errorResponse(forProxy(error), requestId, { method: request.method, path: url.pathname });
        if (response.status === 401) response.headers.set('www-authenticate', 'Bearer realm="cmk-broker-proxy"');
        return response;
      }
      if (spec.auth === 'vendor-read' || spec.auth === 'vendor-write') {
        const response = errorResponse(error, requestId, { method: request.method, path: url.pathname });
        if (response.status === 401) response.headers.set('www-authenticate', 'Bearer realm="cmk-broker-vendor"');
        return response;
      }
      return errorResponse(error, requestId, { method: request.method, path: url.pathname });
    }
  };
}
