// The Key Vault half of the Azure Key Vault double: the keys data-plane API
// (api-version 7.x / 2025-07-01) behind Key Vault's bearer challenge. A request
// without a valid token gets 401 and `WWW-Authenticate: Bearer
// authorization="<authority>/<directory>", resource="https://vault.azure.net"`;
// @azure/keyvault-keys then fetches a token and retries. It serves GET
// /keys/{name}[/{version}] and POST /keys/{name}/{version}/wrapkey|unwrapkey
// with real RSA-OAEP-256 (and RSA-OAEP), and Key Vault's error JSON
// { error: { code, message, innererror: { code } } }.
// Sources: learn.microsoft.com/rest/api/keyvault/keys/wrap-key, …/unwrap-key,
// …/get-key, learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses,
// …/general/rest-error-codes, …/general/overview-throttling.
import { constants, generateKeyPairSync, type KeyObject, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';

import type { TAadState, TJsonAnswer } from './azure-key-vault-double-aad';

export type TVaultKeyVersion = { version: string; privateKey: KeyObject; publicKey: KeyObject; enabled: boolean; created: number };
export type TVaultKey = { name: string; versions: TVaultKeyVersion[]; users: Set<string> };
export type TVault = { host: string; directoryId: string; keys: Map<string, TVaultKey> };

export type TVaultState = {
  aad: TAadState;
  vaults: Map<string, TVault>;
  denied: Set<string>;
  throttle: number;
  retryAfterSeconds: number;
};

export const VAULT_RESOURCE = 'https://vault.azure.net';

export function newKeyVersion(): TVaultKeyVersion {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { version: randomBytes(16).toString('hex'), privateKey, publicKey, enabled: true, created: Math.floor(Date.now() / 1000) };
}

export function vaultError(status: number, code: string, message: string, inner?: string, headers?: Record<string, string>): TJsonAnswer {
  return { status, body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } }, ...(headers ? { headers } : {}) };
}

function keyBundle(vault: TVault, key: TVaultKey, version: TVaultKeyVersion) {
  const jwk = version.publicKey.export({ format: 'jwk' });
  return {
    key: { kid: `https://${vault.host}/keys/${key.name}/${version.version}`, kty: 'RSA', key_ops: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'], n: jwk.n, e: jwk.e },
    attributes: { enabled: version.enabled, created: version.created, updated: version.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90, exportable: false },
  };
}

const OPERATION_NAMES = { wrapkey: 'wrapKey', unwrapkey: 'unwrapKey', get: 'get' } as const;

function challenge(state: TVaultState, authority: string, vault: TVault, message: string): TJsonAnswer {
  return vaultError(401, 'Unauthorized', message, undefined, {
    'WWW-Authenticate': `Bearer authorization="${authority}/${vault.directoryId}", resource="${VAULT_RESOURCE}"`,
  });
}

export type TVaultRequest = { method: string; path: string; query: URLSearchParams; authorization: string | undefined; body: Buffer | undefined };

/** One Key Vault request; `vault` is the vault the Host header names. The caller has already applied delays and drops. */
export function handleVault(state: TVaultState, authority: string, vault: TVault, request: TVaultRequest): TJsonAnswer & { clientId?: string } {
  if (!request.query.get('api-version')) return vaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
  const bearer = /^Bearer (\S+)$/.exec(request.authorization ?? '')?.[1];
  if (!bearer) return challenge(state, authority, vault, 'AKV10000: Request is missing a Bearer or PoP token.');
  const token = state.aad.tokens.get(bearer);
  if (!token || token.expiresAt <= Date.now()) return challenge(state, authority, vault, 'AKV10022: Invalid or expired token.');
  if (token.resource !== VAULT_RESOURCE) return challenge(state, authority, vault, `AKV10022: Invalid audience. Expected ${VAULT_RESOURCE}.`);
  if (token.directoryId !== vault.directoryId) return challenge(state, authority, vault, 'AKV10032: Invalid issuer. Expected one of this vault\'s tenant.');
  const clientId = token.clientId;
  if (state.throttle > 0) {
    state.throttle -= 1;
    return {
      ...vaultError(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached', undefined, {
        'Retry-After': String(state.retryAfterSeconds),
      }),
      clientId,
    };
  }

  const match = /^\/keys\/([0-9A-Za-z-]{1,127})(?:\/([0-9A-Za-z]*))?(?:\/(wrapkey|unwrapkey))?\/?$/i.exec(request.path);
  if (!match || (match[3] === undefined ? request.method !== 'GET' : request.method !== 'POST')) {
    return { ...vaultError(400, 'BadParameter', 'The request URI is not a keys operation this vault serves.'), clientId };
  }
  const [, name = '', versionId = '', op] = match;
  const operation = op === undefined ? 'get' : (op.toLowerCase() as 'wrapkey' | 'unwrapkey');
  const key = vault.keys.get(name);
  const version = key && (versionId === '' ? key.versions.at(-1) : key.versions.find((v) => v.version === versionId));
  const denied = () => ({
    ...vaultError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource. If role assignments were recently changed, please wait several minutes for role assignments to become effective. Caller: appid=${clientId}; Action: 'Microsoft.KeyVault/vaults/keys/${OPERATION_NAMES[operation]}/action'`,
      'ForbiddenByRbac',
    ),
    clientId,
  });
  // RBAC is checked before existence, as in Key Vault: a caller without access learns nothing about the key.
  if (state.denied.has(clientId) || (key && !key.users.has(clientId))) return denied();
  if (!key || !version) {
    return { ...vaultError(404, 'KeyNotFound', `A key with (name/id) ${name}${versionId ? `/${versionId}` : ''} was not found in this key vault.`), clientId };
  }
  if (operation === 'get') return { status: 200, body: keyBundle(vault, key, version), clientId };
  if (!version.enabled) {
    return { ...vaultError(403, 'Forbidden', `Operation ${OPERATION_NAMES[operation]} is not allowed on a disabled key.`, 'KeyDisabled'), clientId };
  }

  let params: { alg?: unknown; value?: unknown };
  try {
    params = JSON.parse(request.body?.toString('utf8') ?? '') as typeof params;
  } catch {
    return { ...vaultError(400, 'BadParameter', 'The request body is not valid JSON.'), clientId };
  }
  const oaepHash = params.alg === 'RSA-OAEP-256' ? 'sha256' : params.alg === 'RSA-OAEP' ? 'sha1' : undefined;
  if (!oaepHash || typeof params.value !== 'string') return { ...vaultError(400, 'BadParameter', 'Invalid algorithm or value.'), clientId };
  const value = Buffer.from(params.value, 'base64url');
  const kid = `https://${vault.host}/keys/${key.name}/${version.version}`;
  try {
    const out =
      operation === 'wrapkey'
        ? publicEncrypt({ key: version.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, value)
        : privateDecrypt({ key: version.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, value);
    return { status: 200, body: { kid, value: out.toString('base64url') }, clientId };
  } catch {
    return { ...vaultError(400, 'BadParameter', 'Bad Request'), clientId };
  }
}
