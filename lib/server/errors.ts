import 'server-only';
// The one error type of the broker. Every failure a user or client may see is
// an AppError with a stable `code`; its HTTP status comes from ERROR_STATUS and
// its wording from `message` (safe to show) — never from the underlying cause,
// which is kept for logs only. APIs render it as RFC 9457 problem+json.

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  bad_cursor: 400,
  request_too_large: 400,
  unauthenticated: 401,
  forbidden: 403,
  mfa_required: 403,
  same_origin_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unique_violation: 409,
  changed_elsewhere: 409,
  tenant_suspended: 409,
  no_approved_deployments: 409,
  config_test_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  database_unavailable: 503,
  database_locked: 503,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  bad_request: 'The request is not valid.',
  invalid_json: 'The request body is not valid JSON.',
  validation_failed: 'Some fields are not valid.',
  bad_cursor: 'The cursor is not valid; start again with a full sync.',
  request_too_large: 'The request is too large.',
  unauthenticated: 'Sign in to continue.',
  forbidden: 'You do not have access to this.',
  mfa_required: 'A second factor is required for this. Set it up on your account page first.',
  same_origin_required: 'This change must come from the broker\'s own pages.',
  not_found: 'Not found.',
  method_not_allowed: 'This method is not allowed here.',
  conflict: 'This conflicts with the current state.',
  unique_violation: 'This already exists.',
  changed_elsewhere: 'This was changed elsewhere; reload and try again.',
  tenant_suspended: 'This tenant is suspended: its configurations are not served or tested until the vendor resumes it.',
  no_approved_deployments: 'No proxy deployment is approved for this tenant, so there is nothing to run the test. Approve a deployment first.',
  config_test_expired: 'This configuration test no longer takes results: its time for a result has passed.',
  payload_too_large: 'The request is too large.',
  unsupported_media_type: 'This content type is not accepted here.',
  rate_limited: 'Too many attempts; wait and try again.',
  internal: 'Something went wrong on our side.',
  database_unavailable: 'The database is not reachable right now; try again shortly.',
  database_locked: 'The embedded database is in use by another process.',
  not_ready: 'The broker is not ready yet.',
};

/** One problem with one input field (`path` uses dots: `settings.keyArn`). */
export type FieldIssue = { path: string; message: string };

export type AppErrorOptions = {
  /** Safe to show to the caller; defaults to a generic sentence per code. */
  message?: string;
  fields?: readonly FieldIssue[];
  /** Seconds, for rate_limited and 503s. */
  retryAfter?: number;
  cause?: unknown;
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: readonly FieldIssue[];
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? DEFAULT_MESSAGES[code], { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.fields = options.fields ?? [];
    this.retryAfter = options.retryAfter;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code];
}
