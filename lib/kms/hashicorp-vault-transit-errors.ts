// HashiCorp Vault failures → our KMS error codes, at the Vault driver's edge.
// Vault says what went wrong with an HTTP status and {"errors": [...]}
// (developer.hashicorp.com/vault/api-docs#http-status-codes); the transit and
// auth backends' texts tell apart the 400s. The decisions:
//   - the token or AppRole credentials do not work, or Vault's policy denies
//     the transit path (403, the tenant's "deny" or "disable"), or the key's
//     min_decryption_version retired this ciphertext's version → kms_unauthorized (206);
//   - the key, mount or namespace named by the configuration does not exist
//     or cannot do AEAD encryption, or the server's TLS certificate is not
//     trusted by the configuration's CA → kms_config_invalid (207);
//   - Vault is sealed, not initialized, a standby without a leader, or the
//     network failed → kms_unreachable (208);
//   - a rate-limit quota (429) → kms_throttled (209);
//   - the Enterprise namespace is API-locked by its administrator → kms_account_issue (210);
//   - the ciphertext does not open (wrong tenant: associated data or derived
//     key differ; damaged) → kms_unwrap_failed (205);
//   - anything else: the operation's own failure (204/205).
// Messages name the rule and the HTTP status, never Vault's own text (it may
// quote the request), a token, the key material or the ciphertext.
import { VaultHttpError } from './hashicorp-vault-transit-http';
import { KmsError, type TKmsErrorCode } from './types';
import { NETWORK_ERROR_CODES } from '@/lib/socket-errors';

type TRule = { code: TKmsErrorCode; reason: string; when: (status: number, text: string) => boolean };

const has = (pattern: RegExp) => (_status: number, text: string) => pattern.test(text);
const status = (...codes: number[]) => (s: number) => codes.includes(s);

/** First match wins; `text` is Vault's errors joined. Exported for the table in docs/kms-hashicorp-vault-transit.md and its tests. */
export const VAULT_ERROR_RULES: readonly TRule[] = [
  { code: 'kms_account_issue', reason: 'the Vault namespace is locked by its administrator', when: (s, t) => /locked/i.test(t) && (s === 503 || s === 403) },
  { code: 'kms_unreachable', reason: 'Vault is sealed', when: (s, t) => s === 503 && /sealed/i.test(t) },
  { code: 'kms_unreachable', reason: 'Vault is not initialized', when: status(501) },
  { code: 'kms_unreachable', reason: 'Vault is unavailable (a standby without an active node, maintenance or overload); retry later', when: status(502, 503, 504, 472, 473) },
  { code: 'kms_unreachable', reason: 'this Vault node has not caught up yet; retry later', when: status(412) },
  { code: 'kms_throttled', reason: 'a Vault rate-limit quota is exceeded; retry later', when: status(429) },
  { code: 'kms_unauthorized', reason: 'the token is not valid (expired, revoked or unknown)', when: (s, t) => s === 403 && /invalid token/i.test(t) },
  { code: 'kms_unauthorized', reason: "Vault's policy does not allow this token to use the transit key (denied, or the key does not exist)", when: status(403, 401) },
  { code: 'kms_unauthorized', reason: 'the AppRole role id or secret id is not valid', when: has(/invalid (role|secret) ?(or secret )?id|invalid role or secret id|failed to validate credentials|secret id is expired|invalid secret_id/i) },
  { code: 'kms_unauthorized', reason: "the key's min_decryption_version no longer allows this ciphertext's version", when: has(/disallowed by policy \(too old\)/i) },
  { code: 'kms_config_invalid', reason: 'the transit key does not exist', when: has(/encryption key not found|key not found|no existing key named/i) },
  { code: 'kms_config_invalid', reason: 'the transit key cannot do AEAD encryption (use an aes256-gcm96, aes128-gcm96 or chacha20-poly1305 key)', when: has(/non-AEAD|does not support encryption|not supported for this operation|key type .* not supported/i) },
  { code: 'kms_config_invalid', reason: 'the transit mount path (or auth/approle) does not exist in this namespace', when: status(404, 405) },
  { code: 'kms_unwrap_failed', reason: 'the ciphertext does not open with this key for this tenant', when: has(/message authentication failed|invalid ciphertext|unable to decrypt|failed to decrypt/i) },
];

/** Node's (OpenSSL's) certificate verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID…): the server's certificate is not trusted for this address. */
const TLS_CODE = /^(?:UNABLE_TO_(?:VERIFY|GET_ISSUER)|(?:DEPTH_ZERO_)?SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_)/;

type TErrorShape = { code?: unknown; message?: unknown; errors?: unknown };

function codeOf(error: TErrorShape, codes: { has(code: string): boolean }): string | undefined {
  if (typeof error.code === 'string' && codes.has(error.code)) return error.code;
  // Node reports a failed connection to every address of a host as an AggregateError.
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = typeof inner === 'object' && inner !== null ? codeOf(inner as TErrorShape, codes) : undefined;
      if (code) return code;
    }
  }
  return undefined;
}

/** Vault's errors of a 403 say whether the token itself is bad ("invalid token") rather than the policy. */
export const isInvalidToken = (error: unknown) => error instanceof VaultHttpError && error.status === 403 && error.errors.some((e) => /invalid token/i.test(e));
export const isPermissionDenied = (error: unknown) => error instanceof VaultHttpError && error.status === 403 && !error.errors.some((e) => /locked/i.test(e));

/**
 * Maps any failure of a Vault call. `fallback` is the code for a failure
 * nothing else explains: the operation's own failure for transit calls.
 */
export function mapVaultError(error: unknown, fallback: TKmsErrorCode): KmsError {
  if (error instanceof KmsError) return error;
  if (error instanceof VaultHttpError) {
    const text = error.errors.join('\n');
    const cause = { status: error.status, path: error.path.replace(/\/[^/]*$/, '/…') };
    const rule = VAULT_ERROR_RULES.find((r) => r.when(error.status, text));
    if (rule) return new KmsError(rule.code, `HashiCorp Vault refused: ${rule.reason} (HTTP ${error.status}).`, { cause });
    const kind = error.status >= 500 ? 'failed: an internal error' : 'refused the request';
    return new KmsError(fallback, `HashiCorp Vault ${kind} (HTTP ${error.status}).`, { cause });
  }
  const shape: TErrorShape = typeof error === 'object' && error !== null ? (error as TErrorShape) : {};
  const tls = codeOf(shape, { has: (code) => TLS_CODE.test(code) });
  if (tls) {
    return new KmsError('kms_config_invalid', `HashiCorp Vault's TLS certificate is not trusted for this address: check the address and the configuration's CA certificate (${tls}).`, {
      cause: { code: tls },
    });
  }
  const network = codeOf(shape, NETWORK_ERROR_CODES) ?? (typeof shape.message === 'string' && /socket hang up/i.test(shape.message) ? 'ECONNRESET' : undefined);
  if (network) return new KmsError('kms_unreachable', `HashiCorp Vault could not be reached: the connection failed (${network}).`, { cause: { code: network } });
  return new KmsError(fallback, 'The call to HashiCorp Vault could not be made.', { cause: { code: typeof shape.code === 'string' ? shape.code.slice(0, 64) : undefined } });
}
