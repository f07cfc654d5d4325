// AWS KMS and STS failures → our KMS error codes, at the AWS driver's edge.
// The decisions, per AWS's documented meaning of each error:
//   - the tenant revoked or restricted the key (policy, disabled, pending
//     deletion) or the credentials do not work → kms_unauthorized (TSP 206);
//   - the key named by the configuration does not exist or cannot encrypt
//     (NotFound, InvalidKeyUsage, InvalidArn) → kms_config_invalid (207);
//   - AWS says "retry later" because the KMS or its backing store is not
//     available (DependencyTimeout, KeyUnavailable for custom key stores,
//     502/503/504) or the network failed → kms_unreachable (208);
//   - KMS answered but failed internally (KMSInternalException, other 5xx)
//     or refused the request as malformed → kms_wrap_failed / kms_unwrap_failed;
//   - account-level problems (region not enabled, no subscription) → kms_account_issue (210).
// Messages name the AWS error type and never carry AWS's own text, the key
// material, the ciphertext or the request.
import { KmsError, type TKmsErrorCode } from './types';
import { NETWORK_ERROR_CODES, TLS_TRUST_CODES } from '@/lib/socket-errors';

export type TAwsService = 'kms' | 'sts';

type TRule = { code: TKmsErrorCode; reason: string };

const BAD_CREDENTIALS = 'the access key is not recognized';
const BAD_SIGNATURE = "the request signature does not match: check the secret access key and the proxy's clock";
const UNSIGNED = 'the request was not signed with complete credentials';
const EXPIRED = 'the credentials have expired';
const THROTTLED = 'too many requests; retry later';
const NOT_ACTIVATED = 'the AWS account has not enabled this service or region';

const RULES: Record<string, TRule> = {
  AccessDeniedException: { code: 'kms_unauthorized', reason: 'the key policy does not allow this principal to use the key' },
  DisabledException: { code: 'kms_unauthorized', reason: 'the key is disabled' },
  KMSInvalidStateException: { code: 'kms_unauthorized', reason: 'the key is not in a usable state (e.g. pending deletion)' },
  NotFoundException: { code: 'kms_config_invalid', reason: 'the key does not exist in this account and region' },
  InvalidArnException: { code: 'kms_config_invalid', reason: 'the key ARN is not valid' },
  InvalidKeyUsageException: { code: 'kms_config_invalid', reason: 'the key is not a symmetric encryption key' },
  KeyUnavailableException: { code: 'kms_unreachable', reason: "the key's custom key store cannot be used right now; retry later" },
  DependencyTimeoutException: { code: 'kms_unreachable', reason: 'it timed out internally; retry later' },
  InvalidCiphertextException: { code: 'kms_unwrap_failed', reason: 'the ciphertext or its encryption context (tenant) does not match' },
  IncorrectKeyException: { code: 'kms_unwrap_failed', reason: 'the ciphertext was wrapped with another key' },
  ThrottlingException: { code: 'kms_throttled', reason: THROTTLED },
  Throttling: { code: 'kms_throttled', reason: THROTTLED },
  LimitExceededException: { code: 'kms_throttled', reason: 'a request quota is exceeded; retry later' },
  TooManyRequestsException: { code: 'kms_throttled', reason: THROTTLED },
  RequestLimitExceeded: { code: 'kms_throttled', reason: THROTTLED },
  UnrecognizedClientException: { code: 'kms_unauthorized', reason: BAD_CREDENTIALS },
  InvalidClientTokenId: { code: 'kms_unauthorized', reason: BAD_CREDENTIALS },
  InvalidSignatureException: { code: 'kms_unauthorized', reason: BAD_SIGNATURE },
  SignatureDoesNotMatch: { code: 'kms_unauthorized', reason: BAD_SIGNATURE },
  IncompleteSignature: { code: 'kms_unauthorized', reason: UNSIGNED },
  IncompleteSignatureException: { code: 'kms_unauthorized', reason: UNSIGNED },
  MissingAuthenticationToken: { code: 'kms_unauthorized', reason: UNSIGNED },
  MissingAuthenticationTokenException: { code: 'kms_unauthorized', reason: UNSIGNED },
  ExpiredToken: { code: 'kms_unauthorized', reason: EXPIRED },
  ExpiredTokenException: { code: 'kms_unauthorized', reason: EXPIRED },
  RequestExpired: { code: 'kms_unauthorized', reason: "the request's date is too far from AWS's clock" },
  AuthFailure: { code: 'kms_unauthorized', reason: BAD_CREDENTIALS },
  AccessDenied: { code: 'kms_unauthorized', reason: "the role's trust policy does not allow the vendor to assume it with this external id" },
  CredentialsProviderError: { code: 'kms_unauthorized', reason: 'the proxy has no AWS credentials of its own to assume the role with' },
  RegionDisabledException: { code: 'kms_account_issue', reason: NOT_ACTIVATED },
  OptInRequired: { code: 'kms_account_issue', reason: NOT_ACTIVATED },
  SubscriptionRequiredException: { code: 'kms_account_issue', reason: NOT_ACTIVATED },
  NotSignedUp: { code: 'kms_account_issue', reason: NOT_ACTIVATED },
  AccountProblem: { code: 'kms_account_issue', reason: 'the AWS account has a problem (e.g. suspended or unpaid)' },
  AccountSuspended: { code: 'kms_account_issue', reason: 'the AWS account is suspended' },
  PendingVerification: { code: 'kms_account_issue', reason: 'the AWS account is still being verified' },
};

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

type TErrorShape = { name?: unknown; code?: unknown; message?: unknown; errors?: unknown; $metadata?: { httpStatusCode?: unknown; requestId?: unknown } };

const safeName = (value: unknown) => (typeof value === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(value) ? value : undefined);

const safeRequestId = (value: unknown) => (typeof value === 'string' && /^[\w.-]{1,128}$/.test(value) ? value : undefined);

function networkCode(error: TErrorShape): string | undefined {
  // A server certificate that does not verify is a failure on the path to AWS's own endpoint: unreachable, with the code.
  const own = typeof error.code === 'string' && (NETWORK_ERROR_CODES.has(error.code) || TLS_TRUST_CODES.has(error.code)) ? error.code : undefined;
  if (own) return own;
  // Node reports a failed connection to every address of a host as an AggregateError.
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = typeof inner === 'object' && inner !== null ? networkCode(inner as TErrorShape) : undefined;
      if (code) return code;
    }
  }
  if (typeof error.message === 'string' && /socket hang up/i.test(error.message)) return 'ECONNRESET';
  return undefined;
}

type TLead = 'refused' | 'unreachable' | 'unavailable' | 'throttled' | 'failed';

function lead(service: TAwsService, kind: TLead): string {
  const name = service === 'kms' ? 'AWS KMS' : 'AWS STS';
  switch (kind) {
    case 'refused':
      return service === 'kms' ? 'AWS KMS refused' : 'AWS STS refused to let the proxy assume the role';
    case 'unreachable':
      return service === 'kms' ? 'AWS KMS could not be reached' : 'AWS STS could not be reached to assume the role';
    case 'unavailable':
      return `${name} is unavailable`;
    case 'throttled':
      return `${name} is throttling the proxy`;
    case 'failed':
      return `${name} failed`;
  }
}

/**
 * Maps any failure of an AWS call. `fallback` is the code for a failure
 * nothing else explains: the operation's own failure for KMS calls.
 */
export function mapAwsError(error: unknown, service: TAwsService, fallback: TKmsErrorCode): KmsError {
  if (error instanceof KmsError) return error;
  const shape: TErrorShape = typeof error === 'object' && error !== null ? (error as TErrorShape) : {};
  const name = safeName(shape.name);
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  // Kept for the log: which AWS error and request, never AWS's message or the request itself.
  const cause = { service, error: name, status, requestId: safeRequestId(shape.$metadata?.requestId) };
  const build = (code: TKmsErrorCode, kind: TLead, reason: string, tag: string | undefined) =>
    new KmsError(code, `${lead(service, kind)}: ${reason}${tag ? ` (${tag})` : ''}.`, { cause });

  const network = networkCode(shape);
  if (network) return build('kms_unreachable', 'unreachable', 'the connection failed', network);
  if (status === undefined && name !== undefined && TIMEOUT_NAMES.has(name)) return build('kms_unreachable', 'unreachable', 'no answer in time', name);

  const rule = name === undefined ? undefined : RULES[name];
  if (rule) {
    const kind = rule.code === 'kms_throttled' ? 'throttled' : rule.code === 'kms_unreachable' ? 'unavailable' : 'refused';
    return build(rule.code, kind, rule.reason, name);
  }
  const tag = name ?? (status === undefined ? undefined : `HTTP ${status}`);
  if (status === 429) return build('kms_throttled', 'throttled', THROTTLED, tag);
  if (status === 502 || status === 503 || status === 504) return build('kms_unreachable', 'unavailable', 'retry later', tag);
  // Without credentials no KMS call can be made, so an STS that fails internally leaves KMS as good as unreachable.
  if (status !== undefined && status >= 500) return build(service === 'sts' ? 'kms_unreachable' : fallback, 'failed', 'an internal error', tag);
  return build(fallback, status === undefined ? 'failed' : 'refused', status === undefined ? 'the call could not be made' : 'the request was not accepted', tag);
}
