// Azure Key Vault and Microsoft Entra failures → our KMS error codes, at the
// Azure driver's edge. The decisions, per Microsoft's documented meaning:
//   - the tenant revoked or restricted the key or the app (403 Forbidden:
//     ForbiddenByRbac, ForbiddenByPolicy, ForbiddenByFirewall, KeyDisabled;
//     401 from the vault; Entra refusing the secret or certificate) → kms_unauthorized (206);
//   - the key, vault or directory the configuration names does not exist or
//     cannot wrap (404 KeyNotFound, Entra AADSTS90002, a key without wrapKey) → kms_config_invalid (207);
//   - the network, DNS, TLS or a 502/503/504 → kms_unreachable (208);
//   - 429 Throttled → kms_throttled (209);
//   - 400 BadParameter on unwrap (a ciphertext this key version did not make),
//     other 5xx → kms_wrap_failed / kms_unwrap_failed.
// Key Vault has no account-level error of its own (a disabled subscription
// shows as 403 Forbidden), so kms_account_issue (210) is not produced.
// Messages name Azure's error code and never carry Azure's text, the key
// material, the ciphertext, a token or the request.
// Sources: learn.microsoft.com/azure/key-vault/general/rest-error-codes,
// …/entra/identity-platform/reference-error-codes.
import { KmsError, type TKmsErrorCode } from './types';
import { entraNumbers, IDENTITY_ERRORS, safeCode, shapeOf, systemCode, TLS_CODES } from '@/lib/azure-error-shape';

type TRule = { code: TKmsErrorCode; reason: string };

const NOT_ALLOWED = 'the app is not allowed to use the key';
const BAD_APP_CREDENTIALS = 'Microsoft Entra ID refused the app credentials';

/** Key Vault's error.code, or error.innererror.code where it is more precise. */
const VAULT_RULES: Record<string, TRule> = {
  KeyDisabled: { code: 'kms_unauthorized', reason: 'the key version is disabled' },
  ForbiddenByRbac: { code: 'kms_unauthorized', reason: `${NOT_ALLOWED}; grant it the Key Vault Crypto User role on the key` },
  ForbiddenByPolicy: { code: 'kms_unauthorized', reason: `${NOT_ALLOWED}; add wrapKey and unwrapKey to its access policy` },
  ForbiddenByFirewall: { code: 'kms_unauthorized', reason: "the vault's firewall does not admit the proxy's address" },
  ForbiddenByConnection: { code: 'kms_unauthorized', reason: "the vault's network rules do not admit the proxy's connection" },
  Forbidden: { code: 'kms_unauthorized', reason: NOT_ALLOWED },
  Unauthorized: { code: 'kms_unauthorized', reason: "the vault did not accept the app's token; is the vault in the configured directory?" },
  KeyNotFound: { code: 'kms_config_invalid', reason: 'the key (or this key version) does not exist in the vault' },
  VaultNotFound: { code: 'kms_config_invalid', reason: 'the vault does not exist' },
  Throttled: { code: 'kms_throttled', reason: 'too many requests; retry later' },
};

/** Entra's AADSTS numbers (error_codes); the OAuth `error` decides the rest. */
const ENTRA_RULES: Record<number, TRule> = {
  7000215: { code: 'kms_unauthorized', reason: `${BAD_APP_CREDENTIALS}: the client secret is wrong; use its Value, not its ID` },
  7000222: { code: 'kms_unauthorized', reason: `${BAD_APP_CREDENTIALS}: the client secret has expired` },
  700027: { code: 'kms_unauthorized', reason: `${BAD_APP_CREDENTIALS}: the certificate assertion is not valid for this app` },
  700016: { code: 'kms_unauthorized', reason: 'the application (client) id is not registered in this directory' },
  7000112: { code: 'kms_unauthorized', reason: 'the application is disabled in Microsoft Entra ID' },
  90002: { code: 'kms_config_invalid', reason: 'the directory (tenant) id does not exist' },
};

/** Key Vault's { error: { code, message, innererror|innerError: { code } } }. */
function vaultCodes(details: unknown): { code?: string; inner?: string; disabled: boolean } {
  const error = shapeOf(shapeOf(details).details ?? details);
  const body = shapeOf((error as { error?: unknown }).error);
  const innerShape = shapeOf((body as { innererror?: unknown; innerError?: unknown }).innererror ?? (body as { innerError?: unknown }).innerError);
  const message = typeof body.message === 'string' ? body.message : '';
  return { code: safeCode(body.code), inner: safeCode(innerShape.code), disabled: /not allowed on a disabled key/i.test(message) };
}

/**
 * Maps any failure of an Azure call. `fallback` is the code for a failure
 * nothing else explains: the operation's own failure.
 */
export function mapAzureError(error: unknown, fallback: TKmsErrorCode, authorityNetworkError?: string): KmsError {
  if (error instanceof KmsError) return error;
  const shape = shapeOf(error);
  // MSAL reports a metadata request that failed on the network like one Entra refused; the agent saw which it was.
  if (authorityNetworkError && typeof shape.message === 'string' && /endpoints_resolution_error/.test(shape.message)) {
    return new KmsError('kms_unreachable', `Microsoft Entra ID could not be reached: the connection failed (${authorityNetworkError}).`, { cause: { error: safeCode(shape.name) } });
  }
  const name = safeCode(shape.name);
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : undefined;
  const cause = { error: name, status, code: safeCode(shape.code) };
  const build = (code: TKmsErrorCode, lead: string, reason: string, tag?: string) => new KmsError(code, `${lead}: ${reason}${tag ? ` (${tag})` : ''}.`, { cause });

  const system = systemCode(shape);
  if (system && TLS_CODES.test(system)) {
    return build('kms_unreachable', 'Azure Key Vault could not be reached', "the server's TLS certificate is not trusted; check the CA certificate", system);
  }
  if (system) return build('kms_unreachable', 'Azure Key Vault could not be reached', 'the connection failed', system);

  // @azure/identity: AuthenticationError or AuthenticationRequiredError (Entra answered: its AADSTS
  // number is in the message, its HTTP status on the MSAL cause), CredentialUnavailableError (no answer).
  if (name !== undefined && IDENTITY_ERRORS.has(name)) {
    for (const number of entraNumbers(shape)) {
      const rule = ENTRA_RULES[number];
      if (rule) return build(rule.code, 'Microsoft Entra ID refused to sign the proxy in', rule.reason, `AADSTS${number}`);
    }
    const message = typeof shape.message === 'string' ? shape.message : '';
    // The challenge named the vault's directory, and the credential is configured for another one.
    if (/not configured to acquire tokens for tenant/.test(message)) {
      return build('kms_config_invalid', 'Microsoft Entra ID could not sign the proxy in', 'the vault belongs to another directory than the configured directory (tenant) id');
    }
    // MSAL could not read the directory's OpenID metadata: Entra answers 400 (AADSTS90002) for a directory that does not exist.
    if (/endpoints_resolution_error/.test(message)) {
      return build('kms_config_invalid', 'Microsoft Entra ID could not sign the proxy in', "the directory (tenant) id was not found, or Entra's sign-in endpoints could not be reached", 'endpoints_resolution_error');
    }
    const entraStatus = status ?? (typeof shapeOf(shape.cause).status === 'number' ? (shapeOf(shape.cause) as { status: number }).status : undefined);
    if (entraStatus === 429) return build('kms_throttled', 'Microsoft Entra ID is throttling the proxy', 'retry later');
    if (entraStatus !== undefined && entraStatus >= 500) return build('kms_unreachable', 'Microsoft Entra ID is unavailable', 'retry later', `HTTP ${entraStatus}`);
    if (name === 'CredentialUnavailableError') return build('kms_unreachable', 'Microsoft Entra ID could not be reached', 'no token could be requested');
    const oauth = safeCode(shape.errorResponse?.error) ?? safeCode(shapeOf(shape.cause).errorCode);
    return build('kms_unauthorized', 'Microsoft Entra ID refused to sign the proxy in', BAD_APP_CREDENTIALS, oauth);
  }

  if (name === 'RestError' || status !== undefined) {
    const { code, inner, disabled } = vaultCodes(error);
    if (disabled) return build('kms_unauthorized', 'Azure Key Vault refused', VAULT_RULES.KeyDisabled?.reason ?? '', inner ?? code);
    const ruleName = (inner && VAULT_RULES[inner] ? inner : undefined) ?? (code && VAULT_RULES[code] ? code : undefined);
    const rule = ruleName ? VAULT_RULES[ruleName] : undefined;
    if (rule) {
      const lead = rule.code === 'kms_throttled' ? 'Azure Key Vault is throttling the proxy' : 'Azure Key Vault refused';
      return build(rule.code, lead, rule.reason, ruleName);
    }
    const tag = code ?? (status === undefined ? undefined : `HTTP ${status}`);
    if (status === 429) return build('kms_throttled', 'Azure Key Vault is throttling the proxy', 'too many requests; retry later', tag);
    if (status === 502 || status === 503 || status === 504) return build('kms_unreachable', 'Azure Key Vault is unavailable', 'retry later', tag);
    if (status !== undefined && status >= 500) return build(fallback, 'Azure Key Vault failed', 'an internal error', tag);
    if (status === 400 && fallback === 'kms_unwrap_failed') return build(fallback, 'Azure Key Vault refused', 'the EDEK was not wrapped by this key version', tag);
    if (status !== undefined) return build(fallback, 'Azure Key Vault refused', 'the request was not accepted', tag);
  }

  // The SDK's own checks of the key bundle it fetched (CryptographyClient.ensureValid).
  const message = typeof shape.message === 'string' ? shape.message : '';
  if (/^Operation \w+ is not supported on key/.test(message)) return build('kms_config_invalid', 'Azure Key Vault cannot be used', 'the key does not allow wrapKey and unwrapKey');
  if (/^Key .* expired at/.test(message) || /^Key .* can't be used before/.test(message)) return build('kms_unauthorized', 'Azure Key Vault refused', 'the key is expired or not yet valid');
  return build(fallback, 'Azure Key Vault failed', 'the call could not be made', name);
}
