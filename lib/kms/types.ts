// The KMS driver interface the Tenant Security Proxy wraps and unwraps DEKs
// through, and the one error type every driver maps its provider's failures
// to, so that nothing provider-specific leaks above a driver.
import type { ZodType } from 'zod';

/** Our error codes and the TSP API's numeric codes (TSP.md, "Errors"). */
export const KMS_ERROR_CODES = {
  kms_wrap_failed: 204,
  kms_unwrap_failed: 205,
  kms_unauthorized: 206,
  kms_config_invalid: 207,
  kms_unreachable: 208,
  kms_throttled: 209,
  kms_account_issue: 210,
} as const;

export type TKmsErrorCode = keyof typeof KMS_ERROR_CODES;

/** Messages are short, human and free of secrets: never a DEK, ciphertext, credential or raw request. */
export class KmsError extends Error {
  readonly code: TKmsErrorCode;
  readonly tspCode: number;

  constructor(code: TKmsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsError';
    this.code = code;
    this.tspCode = KMS_ERROR_CODES[code];
  }
}

/**
 * What the KMS call binds the ciphertext to (AWS: encryption context { tenantId }).
 * `context`: more name/value pairs bound beside the tenant, in the same way
 * (a tenant secret's `secretPath` and `tenantSecretId`, issue 25); absent, the
 * bound bytes are exactly those of a tenant-only binding, so older EDEKs open.
 */
export type TKmsBinding = { tenantId: string; context?: Readonly<Record<string, string>> };

export type TKmsDriver = {
  readonly provider: string;
  /** Wraps a DEK; returns the KMS's ciphertext bytes (opaque above the driver). */
  wrap(dek: Uint8Array, binding: TKmsBinding, signal?: AbortSignal): Promise<Uint8Array>;
  unwrap(encrypted: Uint8Array, binding: TKmsBinding, signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases sockets/timers. */
  close(): void;
};

export type TKmsDriverOptions = {
  /** Per-call time limit (default 5000 ms); exceeded → kms_unreachable. */
  timeoutMs?: number;
  aws?: {
    /** Endpoint overrides (as the SDK's AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL_STS): VPC endpoints, FIPS endpoints — and, in tests, the double. */
    endpoints?: { kms?: string; sts?: string };
    /** The vendor's own AWS credentials, used to call STS AssumeRole for tenants whose configuration uses 'assume-role'. Absent → the SDK's default provider chain. */
    vendorCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** RoleSessionName for AssumeRole, e.g. 'cmk-tsp-<deployment>' (sanitized to [\w+=,.@-], ≤ 64). */
    roleSessionName?: string;
    /** Calls in flight per configuration (default 64); more wait their turn within the deadline. */
    maxConcurrency?: number;
  };
  google?: {
    /** Cloud KMS base URL instead of https://cloudkms.<universe_domain> (a Private Service Connect endpoint — and, in tests, the double). */
    endpoint?: string;
    /** OAuth token URL instead of the key file's token_uri, which must otherwise be Google's own. */
    tokenUrl?: string;
    /** CA certificates (PEM) trusted, beside the public roots, for these two endpoints only. */
    ca?: string[];
    /** Calls in flight per configuration (default 16); more wait their turn within the deadline. */
    maxConcurrency?: number;
  };
  azure?: {
    /** Microsoft Entra authority (default: the vault's cloud, e.g. https://login.microsoftonline.com); Azure Stack Hub and, in tests, the double. */
    authorityHost?: string;
    /** PEM CA(s) trusted for the authority host only (a private authority; in tests, the double's CA). */
    authorityCaCertificate?: string;
    /** host:port every vault connection goes to instead of the vault host's DNS address (like curl --connect-to); TLS still checks the vault's name. Private endpoints without private DNS; in tests, the double. */
    vaultConnectTo?: string;
  };
};

/**
 * What a driver may keep for its configuration beyond its own life. The TSP's driver cache closes
 * drivers it has not used lately and makes them again on the next request, handing the new driver the
 * same object for the same tenant and configuration version, and a new one for any other (never
 * shared between configurations). The AWS driver keeps its role session and its concurrency limit
 * here, so a driver made again costs no AssumeRole and its limit still counts the calls in flight.
 */
export type TKmsDriverMemo = Record<string, unknown>;

/** Types a driver: its provider id, the settings schema the browser also validates with, and its factory. */
export function defineKmsDriver<T>(def: { provider: string; schema: ZodType<T>; create(settings: T, options: TKmsDriverOptions, memo?: TKmsDriverMemo): TKmsDriver }): typeof def {
  return def;
}
