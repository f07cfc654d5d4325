// The TSP's error codes (the reference clients' numbering, TSP.md "Wire API")
// and the HTTP status we answer each with. The clients read the JSON body's
// `code`; the status is ours to choose, and docs/tsp.md lists it. Every error
// body is `{ code, message }`; messages never carry a key, an EDEK's bytes or
// a credential.
import { KMS_ERROR_CODES, type TKmsErrorCode } from '@/lib/kms/types';

export const TSP_ERRORS = {
  unknown: { code: 100, status: 500 },
  unauthorized: { code: 101, status: 401 },
  invalid_request: { code: 102, status: 400 },
  no_primary_kms_configuration: { code: 200, status: 409 },
  unknown_tenant: { code: 201, status: 404 },
  kms_configuration_disabled: { code: 202, status: 403 },
  invalid_edek: { code: 203, status: 400 },
  kms_wrap_failed: { code: 204, status: 502 },
  kms_unwrap_failed: { code: 205, status: 400 },
  kms_unauthorized: { code: 206, status: 403 },
  kms_config_invalid: { code: 207, status: 424 },
  kms_unreachable: { code: 208, status: 503 },
  kms_throttled: { code: 209, status: 429 },
  kms_account_issue: { code: 210, status: 429 },
  security_event_rejected: { code: 301, status: 400 },
  // The tenant's signed SIEM policy is "refuse" and a queue of its SIEM is full: key use waits for the SIEM (TSP.md "SIEM").
  // 208, as for an unreachable KMS: the reference clients treat it as "try again later", which is what this is.
  siem_backlog: { code: 208, status: 503 },
  // Not the reference's: refusals of this service itself, in the 1xx "service" range the clients know.
  not_found: { code: 100, status: 404 },
  method_not_allowed: { code: 102, status: 405 },
  payload_too_large: { code: 102, status: 413 },
  request_timeout: { code: 102, status: 408 },
  unavailable: { code: 100, status: 503 },
} as const;

export type TTspErrorKind = keyof typeof TSP_ERRORS;

export class TspError extends Error {
  readonly kind: TTspErrorKind;
  readonly code: number;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  constructor(kind: TTspErrorKind, message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TspError';
    this.kind = kind;
    this.code = TSP_ERRORS[kind].code;
    this.status = TSP_ERRORS[kind].status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The TSP error for a KMS driver's failure (the driver already chose the code and a safe message). */
export function fromKmsError(code: TKmsErrorCode, message: string): TspError {
  const kind: TTspErrorKind = code;
  if (TSP_ERRORS[kind].code !== KMS_ERROR_CODES[code]) throw new Error(`KMS code ${code} out of step with the TSP table`);
  return new TspError(kind, message, code === 'kms_throttled' || code === 'kms_unreachable' ? { retryAfterSeconds: 1 } : {});
}
