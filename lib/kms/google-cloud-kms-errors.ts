// Google Cloud KMS and Google OAuth failures → our KMS error codes, at the
// Google driver's edge. Cloud KMS answers errors as a google.rpc.Status in
// JSON ({ error: { code, status, message, details } }, AIP-193), where
// details may hold a google.rpc.ErrorInfo whose `reason` (google.api.ErrorReason)
// is more precise than the status; the token endpoint answers OAuth 2.0
// errors ({ error, error_description }, RFC 6749 §5.2). The decisions:
//   - the tenant revoked or restricted the key (IAM PERMISSION_DENIED, a key
//     version not enabled: FAILED_PRECONDITION) or the service account key no
//     longer works (invalid_grant, UNAUTHENTICATED) → kms_unauthorized (206);
//   - the key does not exist (NOT_FOUND) or the key file cannot be used → kms_config_invalid (207);
//   - the network failed, TLS did not verify, or Google says "retry later"
//     (UNAVAILABLE, DEADLINE_EXCEEDED, 502/503/504) → kms_unreachable (208);
//   - quota (RESOURCE_EXHAUSTED, 429) → kms_throttled (209);
//   - the project cannot use the API (SERVICE_DISABLED, BILLING_DISABLED,
//     CONSUMER_SUSPENDED, CONSUMER_INVALID) → kms_account_issue (210);
//   - anything else (INVALID_ARGUMENT: a ciphertext or tenant that does not
//     match; INTERNAL) → kms_wrap_failed / kms_unwrap_failed.
// Messages name Google's status or reason and never carry Google's own text,
// the key file, a token, the key material or the ciphertext.
import { KmsError, type TKmsErrorCode } from './types';
import { NETWORK_ERROR_CODES, RETRYABLE_NETWORK_CODES, TLS_TRUST_CODES } from '@/lib/socket-errors';

export type TGoogleSource = 'kms' | 'token';

/** A Google answer other than 200, as it came; mapped by mapGoogleError. */
export class GoogleAnswerError extends Error {
  readonly source: TGoogleSource;
  readonly status: number;
  readonly body: unknown;

  constructor(source: TGoogleSource, status: number, body: unknown) {
    super(`Google ${source} answered HTTP ${status}`);
    this.name = 'GoogleAnswerError';
    this.source = source;
    this.status = status;
    this.body = body;
  }
}

/** A request to the token endpoint that got no answer: kept apart so the message names the right host. */
export class GoogleTokenNetworkError extends Error {
  constructor(cause: unknown) {
    super("Google's token endpoint could not be reached", { cause });
    this.name = 'GoogleTokenNetworkError';
  }
}

type TRule = { code: TKmsErrorCode; reason: string };

const THROTTLED = 'the project’s Cloud KMS quota is used up; retry later';
const NO_ACCESS = 'the service account may not use the key, or the key does not exist';

/** google.api.ErrorReason values (domain googleapis.com), checked before the status. */
const REASONS: Record<string, TRule> = {
  SERVICE_DISABLED: { code: 'kms_account_issue', reason: 'the Cloud KMS API is not enabled in the key’s project' },
  BILLING_DISABLED: { code: 'kms_account_issue', reason: 'billing is disabled for the key’s project' },
  CONSUMER_SUSPENDED: { code: 'kms_account_issue', reason: 'the key’s project is suspended' },
  CONSUMER_INVALID: { code: 'kms_account_issue', reason: 'the key’s project does not exist or was deleted' },
  RATE_LIMIT_EXCEEDED: { code: 'kms_throttled', reason: THROTTLED },
  RESOURCE_QUOTA_EXCEEDED: { code: 'kms_throttled', reason: THROTTLED },
  ACCESS_TOKEN_EXPIRED: { code: 'kms_unauthorized', reason: 'the access token has expired' },
  ACCESS_TOKEN_SCOPE_INSUFFICIENT: { code: 'kms_unauthorized', reason: 'the access token lacks the Cloud KMS scope' },
  SECURITY_POLICY_VIOLATED: { code: 'kms_unauthorized', reason: 'a VPC Service Controls perimeter refuses the proxy' },
  IAM_PERMISSION_DENIED: { code: 'kms_unauthorized', reason: NO_ACCESS },
};

/** google.rpc.Code names, as the `status` member spells them. */
const STATUSES: Record<string, TRule | 'fallback'> = {
  PERMISSION_DENIED: { code: 'kms_unauthorized', reason: NO_ACCESS },
  UNAUTHENTICATED: { code: 'kms_unauthorized', reason: 'the access token was not accepted' },
  FAILED_PRECONDITION: { code: 'kms_unauthorized', reason: 'the key version is not enabled (disabled, destroyed or scheduled for destruction)' },
  NOT_FOUND: { code: 'kms_config_invalid', reason: 'the key does not exist' },
  UNIMPLEMENTED: { code: 'kms_config_invalid', reason: 'the endpoint does not offer this operation' },
  RESOURCE_EXHAUSTED: { code: 'kms_throttled', reason: THROTTLED },
  UNAVAILABLE: { code: 'kms_unreachable', reason: 'the service is unavailable; retry later' },
  DEADLINE_EXCEEDED: { code: 'kms_unreachable', reason: 'it timed out internally; retry later' },
  CANCELLED: { code: 'kms_unreachable', reason: 'the call was cancelled' },
  INVALID_ARGUMENT: 'fallback',
  INTERNAL: 'fallback',
  UNKNOWN: 'fallback',
  ABORTED: 'fallback',
  DATA_LOSS: 'fallback',
  OUT_OF_RANGE: 'fallback',
  ALREADY_EXISTS: 'fallback',
};

/** OAuth 2.0 token endpoint errors (RFC 6749 §5.2). */
const OAUTH_ERRORS: Record<string, string> = {
  invalid_grant: 'the service account key was not accepted',
  invalid_client: 'the service account is not recognized',
  unauthorized_client: 'the service account may not use this grant',
  invalid_scope: 'the Cloud KMS scope was refused',
  invalid_request: 'the token request was refused as malformed',
  unsupported_grant_type: 'the token endpoint does not accept a signed JWT',
  access_denied: 'the service account was refused',
};

/** Google's documented invalid_grant descriptions, told apart so the admin knows what to fix (the text itself is not repeated). */
const GRANT_DETAILS: [RegExp, string][] = [
  [/signature/i, 'its private key is not (or no longer) a key of the service account; create a new key'],
  [/account not found|not a valid email|disabled/i, 'the service account does not exist or is disabled'],
  [/iat|exp|timeframe|short-lived/i, "the assertion's time is off: check the proxy's clock"],
];

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

const safeToken = (value: unknown) => (typeof value === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(value) ? value : undefined);

function networkCode(error: unknown): string | undefined {
  if (error instanceof GoogleTokenNetworkError) return networkCode(error.cause);
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_ERROR_CODES.has(code) || TLS_TRUST_CODES.has(code))) return code;
  // Node reports a failed connection to every address of a host as an AggregateError.
  if (Array.isArray(errors)) for (const inner of errors) if (networkCode(inner)) return networkCode(inner);
  if (typeof message === 'string' && /socket hang up/i.test(message)) return 'ECONNRESET';
  return undefined;
}

/** Throttling and transient failures only: worth another attempt with backoff. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GoogleAnswerError) return RETRYABLE_STATUSES.has(error.status);
  const code = networkCode(error);
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

type TStatusBody = { error?: { status?: unknown; details?: unknown } };

function errorInfoReason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const entry = detail as { '@type'?: unknown; reason?: unknown } | null;
    if (entry?.['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo') return safeToken(entry.reason);
  }
  return undefined;
}

function byHttpStatus(status: number, fallback: TKmsErrorCode): TRule {
  if (status === 401 || status === 403) return { code: 'kms_unauthorized', reason: status === 401 ? 'the credentials were not accepted' : NO_ACCESS };
  if (status === 404) return { code: 'kms_config_invalid', reason: 'no such key or endpoint' };
  if (status === 429) return { code: 'kms_throttled', reason: THROTTLED };
  if (status === 502 || status === 503 || status === 504) return { code: 'kms_unreachable', reason: 'it is unavailable; retry later' };
  return { code: fallback, reason: status >= 500 ? 'an internal error' : 'the request was not accepted' };
}

function mapKmsAnswer(error: GoogleAnswerError, fallback: TKmsErrorCode): KmsError {
  const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as TStatusBody;
  const status = safeToken(body.error?.status);
  const reason = errorInfoReason(body.error?.details);
  const cause = { service: 'cloudkms', httpStatus: error.status, status, reason };
  const byReason = reason === undefined ? undefined : REASONS[reason];
  const byStatus = status === undefined ? undefined : STATUSES[status];
  const rule = byReason ?? (byStatus === 'fallback' ? { code: fallback, reason: fallback === 'kms_unwrap_failed' ? 'the ciphertext, its tenant or its key does not match' : 'the request was refused' } : byStatus) ?? byHttpStatus(error.status, fallback);
  const lead = rule.code === 'kms_throttled' ? 'Google Cloud KMS is throttling the proxy' : rule.code === 'kms_unreachable' ? 'Google Cloud KMS is unavailable' : 'Google Cloud KMS refused';
  const tag = byReason ? reason : (status ?? `HTTP ${error.status}`);
  return new KmsError(rule.code, `${lead}: ${rule.reason} (${tag}).`, { cause });
}

function mapTokenAnswer(error: GoogleAnswerError): KmsError {
  const body = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as { error?: unknown; error_description?: unknown };
  const oauth = safeToken(body.error);
  const cause = { service: 'oauth2', httpStatus: error.status, error: oauth };
  if (error.status === 429) return new KmsError('kms_throttled', `Google's token endpoint is throttling the proxy (HTTP 429).`, { cause });
  // Without a token no KMS call can be made: a token endpoint that fails leaves KMS as good as unreachable.
  if (error.status >= 500) return new KmsError('kms_unreachable', `Google's token endpoint is unavailable (HTTP ${error.status}).`, { cause });
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  const detail = oauth === 'invalid_grant' ? GRANT_DETAILS.find(([pattern]) => pattern.test(description))?.[1] : undefined;
  const reason = (oauth === undefined ? undefined : OAUTH_ERRORS[oauth]) ?? 'the service account could not sign in';
  return new KmsError('kms_unauthorized', `Google refused the service account key: ${reason}${detail ? `: ${detail}` : ''} (${oauth ?? `HTTP ${error.status}`}).`, { cause });
}

/**
 * Maps any failure of a call to Cloud KMS or its token endpoint. `fallback`
 * is the code for a failure nothing else explains: the operation's own.
 */
export function mapGoogleError(error: unknown, fallback: TKmsErrorCode): KmsError {
  if (error instanceof KmsError) return error;
  if (error instanceof GoogleAnswerError) return error.source === 'token' ? mapTokenAnswer(error) : mapKmsAnswer(error, fallback);
  const host = error instanceof GoogleTokenNetworkError ? "Google's token endpoint" : 'Google Cloud KMS';
  const inner = error instanceof GoogleTokenNetworkError ? error.cause : error;
  if ((inner as { name?: unknown } | null)?.name === 'TimeoutError') return new KmsError('kms_unreachable', `${host} did not answer in time.`);
  const code = networkCode(error);
  if (code !== undefined && TLS_TRUST_CODES.has(code)) {
    return new KmsError('kms_unreachable', `${host} could not be reached: its TLS certificate is not trusted (${code}).`, { cause: { code } });
  }
  if (code !== undefined) return new KmsError('kms_unreachable', `${host} could not be reached: the connection failed (${code}).`, { cause: { code } });
  return new KmsError(fallback, 'The call to Google Cloud KMS could not be made.', { cause: { error: safeToken((error as { name?: unknown } | null)?.name) } });
}
