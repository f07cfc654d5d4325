// Thales CipherTrust Manager failures → our KMS error codes, at the driver's
// edge. CipherTrust answers errors as JSON { code, codeDesc, message } (the
// shape public clients read, e.g. Abraxas' Voting.Lib KMS client) with an HTTP
// status; its documented statuses for the crypto and token APIs are 400, 401,
// 403, 404 and 500. The decisions:
//   - the token endpoint refuses the user, password, domain or connection, or
//     the crypto API refuses the token → kms_unauthorized (TSP 206);
//   - the user may not use the key (403: key ACL, group) or the key is not in
//     a usable state (pre-active, deactivated for encrypt, destroyed,
//     compromised) → kms_unauthorized: the tenant revoked or restricted it;
//   - no such key in that domain (404), or a TLS certificate the proxy does not
//     trust (the CA certificate field is missing or wrong) → kms_config_invalid (207);
//   - connection refused, reset, DNS failure, 502/503/504 → kms_unreachable (208);
//   - 429 → kms_throttled (209);  a licence problem → kms_account_issue (210);
//   - anything else (a ciphertext or tenant that does not authenticate, 500)
//     → kms_wrap_failed / kms_unwrap_failed (204/205).
// Messages name the status and CipherTrust's codeDesc tag when it is a plain
// identifier, never CipherTrust's free text, a token, a key or a ciphertext.
import { KmsError, type TKmsErrorCode } from './types';
import { NETWORK_ERROR_CODES, TLS_TRUST_CODES } from '@/lib/socket-errors';

export type TCtmEndpoint = 'auth' | 'crypto';

/** An HTTP answer CipherTrust gave, reduced to what the mapping reads. */
export type TCtmAnswer = { status: number; body: unknown };

type TErrorBody = { code?: unknown; codeDesc?: unknown; message?: unknown };



/** Words CipherTrust's messages use for a key whose KMIP state forbids the operation. */
const KEY_STATE = /\b(deactivated|not active|inactive|pre-?active|destroyed|compromised|revoked|key state|unusable)\b/i;
const LICENSE = /\blicen[cs]e/i;

/** CipherTrust's codeDesc begins with an identifier (NCERR…); only that part is ever repeated. */
function safeTag(body: unknown): string | undefined {
  const desc = typeof body === 'object' && body !== null ? (body as TErrorBody).codeDesc : undefined;
  const tag = typeof desc === 'string' ? /^[A-Za-z][\w.]{0,63}/.exec(desc)?.[0] : undefined;
  return tag;
}

function textOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { codeDesc, message } = body as TErrorBody;
  return `${typeof codeDesc === 'string' ? codeDesc : ''} ${typeof message === 'string' ? message : ''}`;
}

const build = (code: TKmsErrorCode, lead: string, reason: string, tag: string | undefined, cause: Record<string, unknown>) =>
  new KmsError(code, `${lead}: ${reason}${tag ? ` (${tag})` : ''}.`, { cause });

/**
 * Maps an error answer of CipherTrust. `fallback` is the operation's own failure
 * (kms_wrap_failed or kms_unwrap_failed) for what nothing else explains.
 */
export function mapCtmAnswer(answer: TCtmAnswer, endpoint: TCtmEndpoint, fallback: TKmsErrorCode): KmsError {
  const { status, body } = answer;
  const code = typeof body === 'object' && body !== null && typeof (body as TErrorBody).code === 'number' ? (body as TErrorBody).code : undefined;
  const cause = { endpoint, status, code, codeDesc: safeTag(body) };
  const tag = [`HTTP ${status}`, safeTag(body)].filter(Boolean).join(', ');
  const text = textOf(body);
  const refused = endpoint === 'auth' ? 'CipherTrust Manager refused to sign the proxy in' : 'CipherTrust Manager refused';

  if (status === 429) return build('kms_throttled', 'CipherTrust Manager is throttling the proxy', 'too many requests; retry later', tag, cause);
  if (status === 502 || status === 503 || status === 504) return build('kms_unreachable', 'CipherTrust Manager is unavailable', 'retry later', tag, cause);
  if (LICENSE.test(text)) return build('kms_account_issue', refused, 'the CipherTrust Manager licence does not allow this', tag, cause);
  if (endpoint === 'auth') {
    if (status >= 500) return build('kms_unreachable', 'CipherTrust Manager failed to sign the proxy in', 'an internal error', tag, cause);
    return build('kms_unauthorized', refused, 'the user name, password, auth domain, key domain or connection is not accepted', tag, cause);
  }
  if (status === 401) return build('kms_unauthorized', refused, 'the API token is not accepted (expired or revoked) even after signing in again', tag, cause);
  if (status === 403) return build('kms_unauthorized', refused, 'this user may not use the key (key owner, ACL or Key Users group)', tag, cause);
  if (KEY_STATE.test(text)) return build('kms_unauthorized', refused, 'the key is not in a state that allows this (deactivated, destroyed or compromised)', tag, cause);
  if (status === 404) return build('kms_config_invalid', refused, 'there is no such key (or key version) in this domain', tag, cause);
  if (status >= 500) return build(fallback, 'CipherTrust Manager failed', 'an internal error', tag, cause);
  const reason = fallback === 'kms_unwrap_failed' ? 'the ciphertext, its key version or its tenant does not match' : 'the request was not accepted';
  return build(fallback, refused, reason, tag, cause);
}

type TErrorShape = { name?: unknown; code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };

function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const shape = error as TErrorShape;
  if (typeof shape.code === 'string' && (NETWORK_ERROR_CODES.has(shape.code) || TLS_TRUST_CODES.has(shape.code))) return shape.code;
  // Node reports a failed connection to every address of a host as an AggregateError.
  for (const inner of Array.isArray(shape.errors) ? shape.errors : []) {
    const code = errorCode(inner, depth + 1);
    if (code) return code;
  }
  const nested = errorCode(shape.cause, depth + 1);
  if (nested) return nested;
  if (typeof shape.message === 'string' && /socket hang up/i.test(shape.message)) return 'ECONNRESET';
  return undefined;
}

/** Maps a failure that is not an answer: the network, TLS, or a KmsError already made. */
export function mapCtmError(error: unknown, fallback: TKmsErrorCode): KmsError {
  if (error instanceof KmsError) return error;
  const code = errorCode(error);
  const cause = { error: code ?? (typeof (error as TErrorShape)?.name === 'string' ? (error as TErrorShape).name : undefined) };
  if (code && TLS_TRUST_CODES.has(code)) {
    return build(
      'kms_config_invalid',
      'The TLS certificate of CipherTrust Manager is not trusted',
      'it must match the host name and chain to the CA certificate of the configuration (or a public CA)',
      code,
      cause,
    );
  }
  if (code) return build('kms_unreachable', 'CipherTrust Manager could not be reached', 'the connection failed', code, cause);
  const name = (error as TErrorShape | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return build('kms_unreachable', 'CipherTrust Manager could not be reached', 'no answer in time', name, cause);
  return build(fallback, 'CipherTrust Manager failed', 'the call could not be made', undefined, cause);
}

/** Answers worth another attempt: throttling and the transient 5xx. */
export const isRetryableStatus = (status: number) => status === 429 || status === 502 || status === 503 || status === 504;
