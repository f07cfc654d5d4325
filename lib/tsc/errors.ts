// The client's one error type. `code` is the reference clients' numbering
// (TSP.md "Wire API"; docs/client.md lists them): the TSP's own codes
// (100–301) pass through as it sent them, and the client adds 0 (the TSP
// could not be reached or answered nonsense) and 900–902 (the document
// itself). Messages name what failed, never a DEK, a plaintext, an EDEK or
// the API key; a cause is only ever a network error.

export const TSC_ERROR_CODES = {
  UNABLE_TO_MAKE_REQUEST: 0,
  UNKNOWN_ERROR: 100,
  UNAUTHORIZED_REQUEST: 101,
  INVALID_REQUEST_BODY: 102,
  NO_PRIMARY_KMS_CONFIGURATION: 200,
  UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS: 201,
  KMS_CONFIGURATION_DISABLED: 202,
  INVALID_PROVIDED_EDEK: 203,
  KMS_WRAP_FAILED: 204,
  KMS_UNWRAP_FAILED: 205,
  KMS_AUTHORIZATION_FAILED: 206,
  KMS_CONFIGURATION_INVALID: 207,
  KMS_UNREACHABLE: 208,
  KMS_THROTTLED: 209,
  KMS_ACCOUNT_ISSUE: 210,
  SECURITY_EVENT_REJECTED: 301,
  INVALID_ENCRYPTED_DOCUMENT: 900,
  DOCUMENT_ENCRYPT_FAILED: 901,
  DOCUMENT_DECRYPT_FAILED: 902,
} as const;

export type TTscErrorName = keyof typeof TSC_ERROR_CODES;
export type TTscErrorCode = (typeof TSC_ERROR_CODES)[TTscErrorName];

const NAMES = new Map<number, TTscErrorName>(Object.entries(TSC_ERROR_CODES).map(([name, code]) => [code, name as TTscErrorName]));

/** A TSP message is shown to the caller, clipped: it is the TSP's text, not ours. */
const MAX_MESSAGE = 500;

export class TenantSecurityError extends Error {
  /** The reference clients' numeric code; an unknown number from a TSP is kept as sent. */
  readonly code: number;
  /** The code's name (`INVALID_PROVIDED_EDEK` …), `UNKNOWN_ERROR` for a number the table does not know. */
  readonly codeName: TTscErrorName;
  /** The TSP's HTTP status when the TSP answered; undefined for a failure on this side. */
  readonly httpStatus: number | undefined;

  constructor(code: number, message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TenantSecurityError';
    this.code = code;
    this.codeName = NAMES.get(code) ?? 'UNKNOWN_ERROR';
    this.httpStatus = options.httpStatus;
  }
}

export const invalidDocument = (why: string) => new TenantSecurityError(TSC_ERROR_CODES.INVALID_ENCRYPTED_DOCUMENT, `Not a CMK encrypted document: ${why}`);
export const decryptFailed = (why: string) => new TenantSecurityError(TSC_ERROR_CODES.DOCUMENT_DECRYPT_FAILED, `The document did not decrypt: ${why}`);
export const invalidRequest = (why: string) => new TenantSecurityError(TSC_ERROR_CODES.INVALID_REQUEST_BODY, why);
