// The plaintext of a configuration (PROTOCOL.md "A configuration"): what the
// tenant signs and seals, and what a proxy reads back after decrypting and
// verifying. Only the envelope is checked here; the provider's `settings` are
// validated by the provider schema module, but they must at least be plain JSON
// so that the signed bytes say exactly what the document says.
import { base64urlEncode, isWellFormed, randomBytes } from './encoding';
import { CryptoError } from './errors';
import { assertExactMembers, isJsonObject } from './json-object';

export type TConfigKind = 'kms' | 'siem';

export type TConfigDocument = {
  typ: TConfigKind;
  tenantId: string;
  configId: string;
  version: number;
  provider: string;
  settings: Record<string, unknown>;
  /** Seconds since the epoch. */
  iat: number;
};

const MEMBERS = ['typ', 'tenantId', 'configId', 'version', 'provider', 'settings', 'iat'] as const;
const CONFIG_ID = /^c_[A-Za-z0-9_-]{16,32}$/;
// Provider ids are short lowercase slugs ("aws-kms", "splunk-hec").
const PROVIDER = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_TENANT_ID_LENGTH = 256;
// Versions (and tenant state seqs) are stored in 32-bit integer columns.
export const MAX_VERSION = 2_147_483_647;
// Nesting deeper than this is not a configuration; the cap keeps the recursive walk bounded.
const MAX_DEPTH = 32;
const WHAT = 'Configuration document';

/** 'c_' + 22 base64url characters (128 random bits). */
export function newConfigId(): string {
  return `c_${base64urlEncode(randomBytes(16))}`;
}

export function isConfigId(value: unknown): value is string {
  return typeof value === 'string' && CONFIG_ID.test(value);
}

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TENANT_ID_LENGTH && isWellFormed(value);
}

export function isPositiveInt(value: unknown, max = MAX_VERSION): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;
}

/** Whole seconds since the epoch (not milliseconds: anything past year 9999 is refused). */
export function isEpochSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 253_402_300_799;
}


function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isJsonObject(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Exactly what JSON.stringify/JSON.parse round-trip unchanged: no undefined,
// functions, NaN/Infinity, Dates, Maps, class instances or lone surrogates.
function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return isWellFormed(value);
  if (Array.isArray(value)) {
    // Indexed, not .every(): a hole in a sparse array must read as undefined and be refused.
    for (let i = 0; i < value.length; i++) if (!isJsonValue(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  return Object.keys(value).every((k) => isWellFormed(k) && isJsonValue(value[k], depth + 1));
}

/** A plain JSON object that round-trips through JSON unchanged (a configuration's, or a draft test's, settings). */
export function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && isJsonValue(value, 0);
}

/**
 * A configuration document with exactly the protocol's members, rebuilt so
 * nothing else rides along; `settings` comes back as a deep copy.
 * Throws 'invalid_input' naming the first bad member.
 */
export function readConfigDocument(value: unknown): TConfigDocument {
  if (!isJsonObject(value)) throw new CryptoError('invalid_input', `${WHAT} must be a JSON object.`);
  assertExactMembers(value, MEMBERS, 'invalid_input', WHAT);
  const fail = (message: string): never => {
    throw new CryptoError('invalid_input', `${WHAT}: ${message}`);
  };
  const { typ, tenantId, configId, version, provider, settings, iat } = value;
  if (typ !== 'kms' && typ !== 'siem') fail('"typ" must be "kms" or "siem".');
  if (!isTenantId(tenantId)) fail('"tenantId" must be a non-empty string.');
  if (!isConfigId(configId)) fail('"configId" must be "c_" followed by 16 to 32 base64url characters.');
  if (!isPositiveInt(version)) fail('"version" must be a positive integer.');
  if (typeof provider !== 'string' || !PROVIDER.test(provider)) {
    fail('"provider" must be a lowercase provider id (letters, digits, dashes).');
  }
  if (!isPlainJsonObject(settings)) fail('"settings" must be a plain JSON object.');
  if (!isEpochSeconds(iat)) fail('"iat" must be whole seconds since the epoch.');
  return {
    typ: typ as TConfigKind,
    tenantId: tenantId as string,
    configId: configId as string,
    version: version as number,
    provider: provider as string,
    settings: JSON.parse(JSON.stringify(settings)) as Record<string, unknown>,
    iat: iat as number,
  };
}
