// The shape of the errors Azure's SDKs throw (@azure/identity, core-rest-pipeline
// RestError, aggregates with causes), read without trusting them: only short
// identifiers, statuses and Node's socket codes come out, never a message
// (which may echo a request, a token or a body). Shared by the Azure Key Vault
// driver and the Azure Monitor sink, which map them onto their own codes.
import { NETWORK_ERROR_CODES } from '@/lib/socket-errors';

/** @azure/identity's error names: Entra answered (or could not be asked). */
export const IDENTITY_ERRORS = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'AggregateAuthenticationError', 'CredentialUnavailableError']);
/** Node's and OpenSSL's codes for an untrusted certificate or a failed handshake. */
export const TLS_CODES = /^(?:UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

export type TShape = {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  details?: unknown;
  cause?: unknown;
  errors?: unknown;
  errorResponse?: { error?: unknown; errorDescription?: unknown; errorCodes?: unknown };
  status?: unknown;
  errorCode?: unknown;
};

export const shapeOf = (value: unknown): TShape => (typeof value === 'object' && value !== null ? (value as TShape) : {});
export const safeCode = (value: unknown) => (typeof value === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(value) ? value : undefined);

/** The first Node system or TLS error code in an error, its cause chain or its aggregate. */
export function systemCode(error: TShape, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  const own = typeof error.code === 'string' && (NETWORK_ERROR_CODES.has(error.code) || TLS_CODES.test(error.code)) ? error.code : undefined;
  if (own) return own;
  for (const inner of [error.cause, ...(Array.isArray(error.errors) ? error.errors : [])]) {
    const code = inner === undefined ? undefined : systemCode(shapeOf(inner), depth + 1);
    if (code) return code;
  }
  if (typeof error.message === 'string' && /socket hang up/i.test(error.message)) return 'ECONNRESET';
  return undefined;
}

/** Entra's AADSTS numbers, from the MSAL answer or the message. */
export function entraNumbers(error: TShape): number[] {
  const response = error.errorResponse ?? {};
  const listed = Array.isArray(response.errorCodes) ? response.errorCodes.filter((n): n is number => typeof n === 'number') : [];
  const text = `${typeof response.errorDescription === 'string' ? response.errorDescription : ''} ${typeof error.message === 'string' ? error.message : ''}`;
  const inText = [...text.matchAll(/AADSTS(\d{4,8})/g)].map((m) => Number(m[1]));
  return [...listed, ...inText];
}
