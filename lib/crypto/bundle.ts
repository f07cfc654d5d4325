// The delivery bundle (PROTOCOL.md "Proxy API"): what the broker sends one
// proxy deployment — a compact ES256 JWS by a broker signing key, typ
// cmk-bundle+jws, bound to the deployment by `aud` and short-lived (≤ 10 min),
// carrying per tenant its signing key, signed state, rotation statements and
// the configuration JWEs narrowed to the deployment.
//
// The broker signature proves only that the broker sent it: everything a
// tenant owns inside is verified again by the proxy against the tenant's own
// signatures (lib/proxy-client). Signing is deliberately shallow and fast (the
// broker signs pages of up to ~1000 tenants); verifying is strict about every
// member, so nothing unchecked rides along.
//
// A tenant entry may also carry `secrets`: the wrapped tenant secrets of that
// tenant (./tenant-secrets.ts), ciphertext only. The member is absent for a
// tenant without any, so such entries are exactly as before. Which of them a
// proxy may use is decided by the tenant's signed state, not by this list.
import type { JWK } from 'jose';

import { isConfigId, isEpochSeconds, isPositiveInt, isTenantId } from './config-document';
import { isWellFormed, utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { assertSigningKey, compactJwsKid, resolveVerifyKey, signCompactJws, verifyCompactJws } from './es256-jws';
import { readFlattenedJwe, type TFlattenedJwe } from './jwe-types';
import { assertExactMembers, isJsonObject } from './json-object';
import { canonicalJwk, readPublicJwk } from './p256-jwk';
import { isSecretPath, isTenantSecretId, MAX_STATE_SECRETS } from './tenant-secrets';
import { isKmsConfigId } from './tenant-state';
import { isIsoInstant, isWrappedSecret, MAX_WRAPPED_SECRET_LENGTH } from './wrapped-secret';
import { plural } from '../plural';

export const BUNDLE_TYP = 'cmk-bundle+jws';
export const MAX_BUNDLE_LIFETIME_SECONDS = 600;
/** Clock skew tolerated between broker and proxy when checking iat/exp. */
export const BUNDLE_CLOCK_SKEW_SECONDS = 60;
/** Cursors are opaque to the proxy; the bound matches what a status report may carry. */
export const MAX_CURSOR_LENGTH = 200;
const MAX_KEY_ROTATIONS = 100;
const MAX_TENANT_CONFIGS = 1000;

/** `label`: the configuration's name as the broker keeps it — display only, not signed by the tenant (the broker could change it). */
export type TBundleConfig = { configId: string; version: number; jwe: TFlattenedJwe; label?: string };
/** One wrapped tenant secret as the broker stores it: the KMS ciphertext and which configuration made it. */
export type TBundleSecret = { secretPath: string; tenantSecretId: number; kmsConfigId: number; wrapped: string; createdAt: string };
export type TBundleTenant = {
  tenantId: string;
  status: 'active' | 'suspended';
  /** The tenant's ES256 public JWK, kid = its thumbprint. */
  signingKey: JWK;
  /** Compact cmk-tenant-state+jws. */
  state: string;
  /** Compact cmk-key-rotation+jws statements, oldest first. */
  keyRotations: string[];
  configs: TBundleConfig[];
  /** The tenant's wrapped secrets; absent when it has none. */
  secrets?: TBundleSecret[];
};
export type TBundle = {
  /** The deployment id. */
  aud: string;
  iat: number;
  exp: number;
  cursor: string | null;
  next: string;
  complete: boolean;
  tenants: TBundleTenant[];
};

/**
 * Which check refused a bundle, for a proxy to report precisely; the `code`
 * stays the crypto one ('wrong_key' unknown kid, 'decrypt_failed' signature,
 * audience or structure, 'expired' validity window, 'unsupported' alg/typ).
 */
export type TBundleCheck = 'key' | 'signature' | 'audience' | 'lifetime' | 'structure';

export class BundleError extends CryptoError {
  declare readonly check: TBundleCheck;

  constructor(check: TBundleCheck, code: TCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, check });
  }
}

const WHAT = 'Bundle';
const MEMBERS = ['aud', 'iat', 'exp', 'cursor', 'next', 'complete', 'tenants'] as const;
const TENANT_MEMBERS = ['tenantId', 'status', 'signingKey', 'state', 'keyRotations', 'configs'] as const;
const TENANT_MEMBERS_WITH_SECRETS = [...TENANT_MEMBERS, 'secrets'] as const;
const CONFIG_MEMBERS = ['configId', 'version', 'jwe'] as const;
const SECRET_MEMBERS = ['secretPath', 'tenantSecretId', 'kmsConfigId', 'wrapped', 'createdAt'] as const;
const MAX_LABEL_LENGTH = 100;
const SIGNING_KEY_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use']);

/**
 * Signs a bundle: compact JWS, header exactly {alg: ES256, kid, typ}. No deep
 * validation (the proxy does that); the caller builds the payload from checked
 * records.
 */
export async function signBundle(bundle: TBundle, key: CryptoKey, kid: string): Promise<string> {
  assertSigningKey(key, kid);
  return signCompactJws(utf8(JSON.stringify(bundle)), key, kid, BUNDLE_TYP);
}

/**
 * As signBundle, with the tenants array already serialized (e.g. cached per
 * tenant and joined), so a large page is not stringified again.
 */
export async function signBundleJson(
  head: Omit<TBundle, 'tenants'>,
  tenantsJson: string,
  key: CryptoKey,
  kid: string,
): Promise<string> {
  assertSigningKey(key, kid);
  const { aud, iat, exp, cursor, next, complete } = head;
  const prefix = JSON.stringify({ aud, iat, exp, cursor, next, complete });
  // `{…,"complete":true` + `,"tenants":[…]}`: one string, no re-serialization of the page.
  const json = `${prefix.slice(0, -1)},"tenants":${tenantsJson}}`;
  return signCompactJws(utf8(json), key, kid, BUNDLE_TYP);
}

const malformed = (message: string) => new BundleError('structure', 'decrypt_failed', `${WHAT}: ${message}`);

function isCursor(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_CURSOR_LENGTH;
}

async function readSigningKey(value: unknown, at: string): Promise<JWK> {
  if (!isJsonObject(value) || Object.keys(value).some((m) => !SIGNING_KEY_MEMBERS.has(m))) {
    throw malformed(`${at}.signingKey must be a public ES256 JWK.`);
  }
  if (typeof value.kid !== 'string') throw malformed(`${at}.signingKey needs its "kid".`);
  try {
    return await canonicalJwk(readPublicJwk(value, 'ecdsa', 'decrypt_failed'), 'ecdsa', value.kid, 'decrypt_failed');
  } catch (cause) {
    throw new BundleError('structure', 'decrypt_failed', `${WHAT}: ${at}.signingKey is not a valid ES256 key.`, { cause });
  }
}

function readConfig(value: unknown, at: string): TBundleConfig {
  if (!isJsonObject(value)) throw malformed(`${at} must be an object.`);
  const hasLabel = Object.hasOwn(value, 'label');
  try {
    assertExactMembers(value, hasLabel ? [...CONFIG_MEMBERS, 'label'] : CONFIG_MEMBERS, 'decrypt_failed', at);
  } catch {
    throw malformed(`${at} has unexpected or missing members.`);
  }
  const label = value.label;
  if (hasLabel && (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f]/.test(label) || !isWellFormed(label))) {
    throw malformed(`${at}.label must be a configuration name of 1 to ${MAX_LABEL_LENGTH} printable characters.`);
  }
  if (!isConfigId(value.configId)) throw malformed(`${at}.configId is not a configuration id.`);
  if (!isPositiveInt(value.version)) throw malformed(`${at}.version must be a positive integer.`);
  let jwe: TFlattenedJwe;
  try {
    jwe = readFlattenedJwe(value.jwe);
  } catch (cause) {
    throw new BundleError('structure', 'decrypt_failed', `${WHAT}: ${at}.jwe is not an accepted flattened JWE.`, {
      cause,
    });
  }
  return { configId: value.configId, version: value.version, jwe, ...(hasLabel ? { label: label as string } : {}) };
}

function readSecret(value: unknown, at: string): TBundleSecret {
  if (!isJsonObject(value)) throw malformed(`${at} must be an object.`);
  try {
    assertExactMembers(value, SECRET_MEMBERS, 'decrypt_failed', at);
  } catch {
    throw malformed(`${at} has unexpected or missing members.`);
  }
  const { secretPath, tenantSecretId, kmsConfigId, wrapped, createdAt } = value;
  if (!isSecretPath(secretPath)) throw malformed(`${at}.secretPath is not a secret path.`);
  if (!isTenantSecretId(tenantSecretId)) throw malformed(`${at}.tenantSecretId is not a secret id.`);
  if (!isKmsConfigId(kmsConfigId)) throw malformed(`${at}.kmsConfigId is not a kmsConfigId.`);
  if (!isWrappedSecret(wrapped)) throw malformed(`${at}.wrapped must be canonical base64url of at most ${MAX_WRAPPED_SECRET_LENGTH} characters.`);
  if (!isIsoInstant(createdAt)) throw malformed(`${at}.createdAt must be an ISO 8601 instant.`);
  return { secretPath, tenantSecretId, kmsConfigId, wrapped, createdAt };
}

function readSecrets(value: unknown, at: string): TBundleSecret[] {
  if (!Array.isArray(value) || value.length > MAX_STATE_SECRETS) throw malformed(`${at}.secrets must be an array of at most ${MAX_STATE_SECRETS}.`);
  const read = value.map((s: unknown, i) => readSecret(s, `${at}.secrets[${i}]`));
  if (new Set(read.map((s) => `${s.tenantSecretId} ${s.secretPath}`)).size !== read.length) throw malformed(`${at} lists a secret twice.`);
  return read;
}

async function readTenant(value: unknown, at: string): Promise<TBundleTenant> {
  if (!isJsonObject(value)) throw malformed(`${at} must be an object.`);
  const hasSecrets = Object.hasOwn(value, 'secrets');
  try {
    assertExactMembers(value, hasSecrets ? TENANT_MEMBERS_WITH_SECRETS : TENANT_MEMBERS, 'decrypt_failed', at);
  } catch {
    throw malformed(`${at} has unexpected or missing members.`);
  }
  const { tenantId, status, state, keyRotations, configs } = value;
  if (!isTenantId(tenantId)) throw malformed(`${at}.tenantId must be a non-empty string.`);
  if (status !== 'active' && status !== 'suspended') throw malformed(`${at}.status must be "active" or "suspended".`);
  const signingKey = await readSigningKey(value.signingKey, at);
  if (typeof state !== 'string' || state === '') throw malformed(`${at}.state must be a compact JWS.`);
  if (!Array.isArray(keyRotations) || keyRotations.length > MAX_KEY_ROTATIONS) {
    throw malformed(`${at}.keyRotations must be an array of at most ${MAX_KEY_ROTATIONS} statements.`);
  }
  if (!keyRotations.every((r) => typeof r === 'string' && r !== '')) {
    throw malformed(`${at}.keyRotations must hold compact JWS strings.`);
  }
  if (!Array.isArray(configs) || configs.length > MAX_TENANT_CONFIGS) {
    throw malformed(`${at}.configs must be an array of at most ${MAX_TENANT_CONFIGS}.`);
  }
  const read = configs.map((c: unknown, i) => readConfig(c, `${at}.configs[${i}]`));
  if (new Set(read.map((c) => c.configId)).size !== read.length) throw malformed(`${at} lists a configuration twice.`);
  const secrets = hasSecrets ? readSecrets(value.secrets, at) : undefined;
  return { tenantId, status, signingKey, state, keyRotations: [...(keyRotations as string[])], configs: read, ...(secrets ? { secrets } : {}) };
}

async function resolveBrokerKey(kid: string, brokerKeys: JWK[]) {
  if (!Array.isArray(brokerKeys)) throw new CryptoError('invalid_input', 'Expected the pinned broker keys.');
  for (const jwk of brokerKeys) {
    // resolveVerifyKey refuses a pinned JWK whose kid is not its thumbprint.
    const resolved = await resolveVerifyKey(jwk);
    if (resolved.kid === kid) return resolved;
  }
  throw new BundleError('key', 'wrong_key', `${WHAT} is signed by a broker key that is not pinned (kid ${kid}).`);
}

function checkTimes(payload: Record<string, unknown>, now: number): { iat: number; exp: number } {
  const { iat, exp } = payload;
  if (!isEpochSeconds(iat) || !isEpochSeconds(exp)) throw malformed('"iat" and "exp" must be seconds since the epoch.');
  if (exp <= iat || exp - iat > MAX_BUNDLE_LIFETIME_SECONDS) {
    throw new BundleError(
      'lifetime',
      'decrypt_failed',
      `${WHAT}: lifetime must be positive and at most ${MAX_BUNDLE_LIFETIME_SECONDS} seconds.`,
    );
  }
  if (now >= exp + BUNDLE_CLOCK_SKEW_SECONDS) {
    throw new BundleError('lifetime', 'expired', `${WHAT} expired ${plural(now - exp, 'second')} ago.`);
  }
  if (iat > now + BUNDLE_CLOCK_SKEW_SECONDS) {
    throw new BundleError('lifetime', 'expired', `${WHAT} is issued ${plural(iat - now, 'second')} in the future (clock skew?).`);
  }
  return { iat, exp };
}

/**
 * Verifies a bundle against the pinned broker keys (by kid), pinned to ES256
 * and typ cmk-bundle+jws, for `expected.deploymentId`, within its validity
 * window at `expected.now` (seconds; default the current time), then reads
 * every member strictly. Tenant statements inside are not verified here.
 */
export async function verifyBundle(
  jws: string,
  brokerKeys: JWK[],
  expected: { deploymentId: string; now?: number },
): Promise<TBundle> {
  if (!isJsonObject(expected) || typeof expected.deploymentId !== 'string' || expected.deploymentId === '') {
    throw new CryptoError('invalid_input', 'Expected the deployment id to check the bundle against.');
  }
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const kid = compactJwsKid(jws, BUNDLE_TYP, WHAT);
  const key = await resolveBrokerKey(kid, brokerKeys);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await verifyCompactJws(jws, key, BUNDLE_TYP, WHAT));
  } catch (cause) {
    if (cause instanceof CryptoError) throw new BundleError('signature', cause.code, cause.message, { cause });
    throw cause;
  }
  try {
    assertExactMembers(payload, MEMBERS, 'decrypt_failed', WHAT);
  } catch {
    throw malformed('unexpected or missing members.');
  }
  if (payload.aud !== expected.deploymentId) {
    throw new BundleError('audience', 'decrypt_failed', `${WHAT} is addressed to another deployment.`);
  }
  const { iat, exp } = checkTimes(payload, now);
  const { cursor, next, complete, tenants } = payload;
  if (cursor !== null && !isCursor(cursor)) throw malformed('"cursor" must be null or a cursor string.');
  if (!isCursor(next)) throw malformed('"next" must be a cursor string.');
  if (typeof complete !== 'boolean') throw malformed('"complete" must be a boolean.');
  if (!Array.isArray(tenants)) throw malformed('"tenants" must be an array.');
  // Read side by side: each waits on a thumbprint digest, and a page holds hundreds of tenants.
  const read = await Promise.all(tenants.map((t, i) => readTenant(t, `tenants[${i}]`)));
  if (new Set(read.map((t) => t.tenantId)).size !== read.length) throw malformed('a tenant is listed twice.');
  return { aud: expected.deploymentId, iat, exp, cursor, next, complete, tenants: read };
}
