// Azure Monitor Logs Ingestion and Microsoft Entra failures → SIEM error
// codes, at the sink's edge. The SDK's messages are never repeated: a
// RestError's message may echo the request, and an AggregateLogsUploadError
// carries the events it failed to send. Only Azure's error code (a short
// identifier), the HTTP status and Node's socket error code are kept.
// Sources: learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview
// (204 on success, 1 MB per call, 429 with Retry-After), …/entra/identity-platform/reference-error-codes.
import { entraNumbers, IDENTITY_ERRORS, safeCode, shapeOf, systemCode, TLS_CODES } from '@/lib/azure-error-shape';
import { TLS_TRUST_CODES } from '@/lib/socket-errors';
import { parseRetryAfter } from './http';
import { SiemError, type TSiemErrorCode } from './types';

/** Entra's AADSTS numbers for credentials it refuses (what the tenant must fix). */
const ENTRA_REASONS: Record<number, string> = {
  7000215: 'the client secret is wrong; use its Value, not its ID',
  7000222: 'the client secret has expired',
  700016: 'the application (client) id is not registered in this directory',
  7000112: 'the application is disabled',
  90002: 'the directory (tenant) id does not exist',
};

/** The ingestion endpoint's error.code values the tenant can act on. */
const INGESTION_RULES: Record<string, { code: TSiemErrorCode; reason: string }> = {
  InvalidStream: { code: 'not_found', reason: 'the data collection rule declares no such stream' },
  NotFound: { code: 'not_found', reason: 'no data collection rule has this immutable ID at this endpoint' },
  OperationFailed: { code: 'auth', reason: 'the app may not ingest through this rule; grant it Monitoring Metrics Publisher on the rule' },
  InvalidAuthenticationToken: { code: 'auth', reason: 'the endpoint did not accept the app’s token' },
  InvalidAuthenticationTokenAudience: { code: 'auth', reason: 'the token is for another audience than Azure Monitor' },
  ContentLengthLimitExceeded: { code: 'rejected', reason: 'the batch is over the 1 MB limit' },
};

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Azure's error.code, which the SDK copies from the answer's { error: { code } } onto the RestError. */
function ingestionCode(error: unknown): string | undefined {
  const code = safeCode(shapeOf(error).code);
  return code === 'REQUEST_SEND_ERROR' || code === 'PARSE_ERROR' ? undefined : code;
}

function retryAfterOf(error: unknown): number | undefined {
  const response = (shapeOf(error) as { response?: { headers?: { get?: unknown } } }).response;
  const headers = response?.headers;
  return typeof headers?.get === 'function' ? parseRetryAfter((headers.get as (name: string) => string | undefined).call(headers, 'retry-after')) : undefined;
}

/**
 * Maps any failure of an upload. `what` names the destination ("Azure
 * Monitor"); `entraSocketFailure` is the last connection failure the Entra
 * agent saw, since MSAL reports an unreachable authority like a refusal.
 */
export function mapAzureMonitorError(what: string, failure: unknown, entraSocketFailure?: string): SiemError {
  if (failure instanceof SiemError) return failure;
  // AggregateLogsUploadError: its first failure explains it (the sink sends one chunk at a time).
  const errors = shapeOf(failure).errors;
  const first = Array.isArray(errors) && shapeOf(failure).name === 'AggregateLogsUploadError' ? shapeOf(errors[0]).cause : undefined;
  const error = first ?? failure;
  const shape = shapeOf(error);
  const name = safeCode(shape.name);
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : undefined;
  const cause = { error: name, status, code: safeCode(shape.code) };
  const fail = (code: TSiemErrorCode, retryable: boolean, message: string, retryAfterMs?: number) =>
    new SiemError(message, { code, retryable, cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

  if (name === 'AbortError') return fail('cancelled', true, `Delivery to ${what} was cancelled.`);
  const isIdentity = name !== undefined && IDENTITY_ERRORS.has(name);
  // Entra's own refusal wins over a socket failure the agent saw earlier.
  const entraRefused = isIdentity && entraNumbers(shape).some((number) => ENTRA_REASONS[number] !== undefined);
  const system = systemCode(shape) ?? (isIdentity && !entraRefused ? entraSocketFailure : undefined);
  if (system && (TLS_TRUST_CODES.has(system) || TLS_CODES.test(system))) {
    return fail('tls', false, `${capital(what)}'s or Microsoft Entra ID's TLS certificate is not trusted (${system}); it must chain to a CA the key proxy trusts.`);
  }
  if (system === 'ETIMEDOUT') return fail('timeout', true, `${capital(what)} did not answer in time (ETIMEDOUT).`);
  if (system) return fail('network', true, `Could not reach ${what} (${system}).`);

  if (isIdentity) {
    for (const number of entraNumbers(shape)) {
      const reason = ENTRA_REASONS[number];
      if (reason) return fail('auth', false, `Microsoft Entra ID refused to sign the key proxy in for ${what}: ${reason} (AADSTS${number}).`);
    }
    const entraStatus = status ?? (typeof shapeOf(shape.cause).status === 'number' ? (shapeOf(shape.cause) as { status: number }).status : undefined);
    if (entraStatus === 429) return fail('throttled', true, `Microsoft Entra ID is throttling the key proxy (HTTP 429).`);
    if (entraStatus !== undefined && entraStatus >= 500) return fail('unavailable', true, `Microsoft Entra ID is unavailable (HTTP ${entraStatus}).`);
    if (name === 'CredentialUnavailableError') return fail('network', true, `Microsoft Entra ID could not be reached for ${what}.`);
    const oauth = safeCode(shape.errorResponse?.error) ?? safeCode(shapeOf(shape.cause).errorCode);
    return fail('auth', false, `Microsoft Entra ID refused the app credentials for ${what}${oauth ? ` (${oauth})` : ''}; check the directory id, client id and secret.`);
  }

  if (status !== undefined) {
    const code = ingestionCode(error);
    const tag = code ? `${code}, HTTP ${status}` : `HTTP ${status}`;
    const rule = code ? INGESTION_RULES[code] : undefined;
    if (status === 429) return fail('throttled', true, `${capital(what)} is throttling the key proxy (${tag}).`, retryAfterOf(error));
    if (status === 408) return fail('timeout', true, `${capital(what)} timed out (${tag}).`, retryAfterOf(error));
    if (status >= 500) return fail('unavailable', true, `${capital(what)} is unavailable (${tag}).`, retryAfterOf(error));
    if (rule) return fail(rule.code, false, `${capital(what)} refused the events (${tag}): ${rule.reason}.`);
    if (status === 401 || status === 403) return fail('auth', false, `${capital(what)} refused the app’s token (${tag}); check its role on the data collection rule.`);
    if (status === 404) return fail('not_found', false, `${capital(what)} has no such data collection rule or stream (${tag}); check the endpoint, the rule’s immutable ID and the stream name.`);
    return fail('rejected', false, `${capital(what)} refused the events (${tag}); check that the stream’s columns match the events.`);
  }
  return new SiemError(`Delivery to ${what} failed unexpectedly${name ? ` (${name})` : ''}.`, { code: 'internal', retryable: true, cause });
}
