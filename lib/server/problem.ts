import 'server-only';
// RFC 9457 problem+json: how every API error leaves the broker. Known errors
// carry their code and safe message; anything else becomes a generic 500 with
// a request id, and its details go to the log only.
import { AppError, type ErrorCode } from '@/lib/server/errors';
import { getLogger } from '@/lib/server/log';
import { mapDatabaseError } from '@/lib/server/prisma-errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
};

export function problemType(code: ErrorCode): string {
  return `urn:cmk-broker:problem:${code}`;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Any thrown value → an AppError safe to show (unknown ones become `internal`). */
export function toAppError(error: unknown): AppError {
  return mapDatabaseError(error) ?? new AppError('internal', { cause: error });
}

export function toProblem(error: AppError, requestId: string, extensions: Record<string, unknown> = {}): Problem {
  return {
    ...extensions,
    type: problemType(error.code),
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.fields.length ? { errors: error.fields.map((f) => ({ path: f.path, message: f.message })) } : {}),
  };
}

export function problemResponse(error: AppError, requestId: string, extensions: Record<string, unknown> = {}): Response {
  const headers = new Headers({
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  if (error.retryAfter !== undefined) headers.set('retry-after', String(error.retryAfter));
  if (error.code === 'unauthenticated') headers.set('www-authenticate', 'Bearer');
  return new Response(JSON.stringify(toProblem(error, requestId, extensions)), { status: error.status, headers });
}

/** Maps, logs (5xx with the cause, 4xx briefly) and renders any error. */
export function errorResponse(error: unknown, requestId: string, context: Record<string, unknown> = {}): Response {
  const appError = toAppError(error);
  const log = getLogger();
  if (appError.status >= 500) log.error({ ...context, requestId, code: appError.code, err: appError.cause ?? appError }, 'request failed');
  else log.info({ ...context, requestId, code: appError.code, status: appError.status }, 'request refused');
  return problemResponse(appError, requestId);
}
