// The tenant state (PROTOCOL.md "Tenant state"): which configurations are
// active and primary, each version's digest, and which proxy deployments are
// approved — a compact ES256 JWS by the tenant signing key with a strictly
// increasing seq, so the broker cannot flip a flag, only withhold a newer state.
// Each KMS configuration also carries its kmsConfigId here (TSP.md "Decisions"):
// the number a proxy writes into every EDEK it makes, signed so that the broker
// cannot re-point an EDEK at another configuration (assigned by kms-config-ids.ts).

import { isConfigDigest } from './config-digest';
import {
  isConfigId,
  isEpochSeconds,
  isPositiveInt,
  isTenantId,
  MAX_VERSION,
  type TConfigKind,
} from './config-document';
import { utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import {
  assertSigningKey,
  decodeCompactJws,
  isThumbprint,
  resolveVerifyKey,
  signCompactJws,
  verifyCompactJws,
  type TVerifyKey,
} from './es256-jws';
import { MAX_CONFIG_RECIPIENTS } from './jwe-types';
import { assertExactMembers, isJsonObject } from './json-object';
import { readStateSecrets, type TTenantStateSecret } from './tenant-secrets';

export type TTenantStateConfig = {
  configId: string;
  kind: TConfigKind;
  version: number;
  status: 'active' | 'disabled';
  primary: boolean;
  digest: string;
  /**
   * KMS configurations only: the id written into every encrypted document key
   * made with this configuration, unique within the tenant and never reused.
   * Absent in states signed before it existed, until the tenant's next change.
   */
  kmsConfigId?: number;
};

export type TTenantState = {
  typ: 'tenant-state';
  tenantId: string;
  seq: number;
  configs: TTenantStateConfig[];
  /** Thumbprints of the approved proxy deployment keys. */
  recipients: string[];
  iat: number;
  /**
   * The rotation state of the tenant's deterministic-key secrets
   * (./tenant-secrets.ts). Absent in states that list none: every path then
   * has its implicit secret 1, current.
   */
  secrets?: TTenantStateSecret[];
};

export const TENANT_STATE_TYP = 'cmk-tenant-state+jws';

const MEMBERS = ['typ', 'tenantId', 'seq', 'configs', 'recipients', 'iat'] as const;
const MEMBERS_WITH_SECRETS = [...MEMBERS, 'secrets'] as const;
const CONFIG_MEMBERS = ['configId', 'kind', 'version', 'status', 'primary', 'digest'] as const;
const CONFIG_MEMBERS_WITH_ID = [...CONFIG_MEMBERS, 'kmsConfigId'] as const;
/** The EDEK carries the id as a protobuf int32 (TSP.md), and 0 means "none" there. */
export const MAX_KMS_CONFIG_ID = 2_147_483_647;

export function isKmsConfigId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_KMS_CONFIG_ID;
}
// Bounds on what one signed statement may list; generous, but they keep a
// hostile state from costing a proxy unbounded work.
const MAX_CONFIGS = 1000;
// Every configuration is also sealed to the tenant's own key.
const MAX_PROXY_RECIPIENTS = MAX_CONFIG_RECIPIENTS - 1;
const WHAT = 'Tenant state';

function readConfigEntry(value: unknown, code: TCryptoErrorCode, index: number): TTenantStateConfig {
  const what = `${WHAT}: configs[${index}]`;
  if (!isJsonObject(value)) throw new CryptoError(code, `${what} must be an object.`);
  // An in-memory `kmsConfigId: undefined` (a builder's spread) counts as absent; JSON has no undefined.
  assertExactMembers(value, Object.hasOwn(value, 'kmsConfigId') ? CONFIG_MEMBERS_WITH_ID : CONFIG_MEMBERS, code, what);
  const { configId, kind, version, status, primary, digest, kmsConfigId } = value;
  const fail = (message: string) => new CryptoError(code, `${what}: ${message}`);
  if (!isConfigId(configId)) throw fail('"configId" is not a configuration id.');
  if (kind !== 'kms' && kind !== 'siem') throw fail('"kind" must be "kms" or "siem".');
  if (!isPositiveInt(version)) throw fail('"version" must be a positive integer.');
  if (status !== 'active' && status !== 'disabled') throw fail('"status" must be "active" or "disabled".');
  if (typeof primary !== 'boolean') throw fail('"primary" must be a boolean.');
  if (!isConfigDigest(digest)) throw fail('"digest" must be a SHA-256 digest (43 base64url characters).');
  if (primary && status === 'disabled') throw fail('a disabled configuration cannot be primary.');
  if (kmsConfigId === undefined) return { configId, kind, version, status, primary, digest };
  if (kind !== 'kms') throw fail('"kmsConfigId" belongs to KMS configurations only.');
  if (!isKmsConfigId(kmsConfigId)) throw fail(`"kmsConfigId" must be an integer from 1 to ${MAX_KMS_CONFIG_ID}.`);
  return { configId, kind, version, status, primary, digest, kmsConfigId };
}

function readState(value: unknown, code: TCryptoErrorCode): TTenantState {
  if (!isJsonObject(value)) throw new CryptoError(code, `${WHAT} must be a JSON object.`);
  // As with kmsConfigId, an in-memory `secrets: undefined` counts as absent.
  assertExactMembers(value, Object.hasOwn(value, 'secrets') ? MEMBERS_WITH_SECRETS : MEMBERS, code, WHAT);
  const withSecrets = value.secrets !== undefined;
  const { typ, tenantId, seq, configs, recipients, iat } = value;
  const fail = (message: string) => new CryptoError(code, `${WHAT}: ${message}`);
  if (typ !== 'tenant-state') throw fail('"typ" must be "tenant-state".');
  if (!isTenantId(tenantId)) throw fail('"tenantId" must be a non-empty string.');
  if (!isPositiveInt(seq, MAX_VERSION)) throw fail('"seq" must be a positive integer.');
  if (!isEpochSeconds(iat)) throw fail('"iat" must be whole seconds since the epoch.');

  if (!Array.isArray(configs)) throw fail('"configs" must be an array.');
  if (configs.length > MAX_CONFIGS) throw fail(`at most ${MAX_CONFIGS} configurations.`);
  const entries = configs.map((c: unknown, i) => readConfigEntry(c, code, i));
  const ids = new Set<string>();
  const kmsConfigIds = new Map<number, string>();
  const primaries = new Set<TConfigKind>();
  for (const entry of entries) {
    if (ids.has(entry.configId)) throw fail(`configuration ${entry.configId} is listed twice.`);
    ids.add(entry.configId);
    if (entry.kmsConfigId !== undefined) {
      // An EDEK names its configuration by this id alone: two configurations with one id would make it ambiguous.
      const holder = kmsConfigIds.get(entry.kmsConfigId);
      if (holder) throw fail(`kmsConfigId ${entry.kmsConfigId} is given to two configurations (${holder} and ${entry.configId}).`);
      kmsConfigIds.set(entry.kmsConfigId, entry.configId);
    }
    if (entry.primary) {
      if (primaries.has(entry.kind)) throw fail(`more than one primary "${entry.kind}" configuration.`);
      primaries.add(entry.kind);
    }
  }

  if (!Array.isArray(recipients)) throw fail('"recipients" must be an array.');
  if (recipients.length > MAX_PROXY_RECIPIENTS) throw fail(`at most ${MAX_PROXY_RECIPIENTS} recipients.`);
  if (!recipients.every(isThumbprint)) throw fail('"recipients" must be key thumbprints.');
  if (new Set(recipients).size !== recipients.length) throw fail('a recipient is listed twice.');

  const state: TTenantState = { typ, tenantId, seq, configs: entries, recipients: [...(recipients as string[])], iat };
  if (withSecrets) state.secrets = readStateSecrets(value.secrets, code, `${WHAT}: secrets`);
  return state;
}

/**
 * A tenant state with exactly the protocol's members and rules: at most one
 * primary per kind, a disabled configuration never primary, configIds,
 * kmsConfigIds (KMS entries only, optional) and recipient thumbprints unique. Returns a rebuilt copy; 'invalid_input' otherwise.
 */
export function readTenantState(value: unknown): TTenantState {
  return readState(value, 'invalid_input');
}

/** Signs a (checked) tenant state with the tenant signing key: compact JWS, ES256, typ cmk-tenant-state+jws. */
export async function signTenantState(state: TTenantState, signingKey: CryptoKey, signingKid: string): Promise<string> {
  const checked = readTenantState(state);
  assertSigningKey(signingKey, signingKid);
  return signCompactJws(utf8(JSON.stringify(checked)), signingKey, signingKid, TENANT_STATE_TYP);
}

/**
 * Verifies a tenant state against the tenant's (pinned) signing key and checks
 * it is for `expected.tenantId` and not older than `expected.minSeq` (the last
 * seq seen; the same state may be served again). A bad signature, another
 * tenant, an older seq or a rule violation is 'decrypt_failed'; a kid that is
 * not `verifyKey`'s is 'wrong_key'; another alg or typ 'unsupported'.
 */
export async function verifyTenantState(
  jws: string,
  verifyKey: TVerifyKey,
  expected: { tenantId: string; minSeq?: number },
): Promise<TTenantState> {
  if (!isJsonObject(expected) || typeof expected.tenantId !== 'string' || expected.tenantId === '') {
    throw new CryptoError('invalid_input', 'Expected the tenant id to check the state against.');
  }
  const { minSeq } = expected;
  if (minSeq !== undefined && (typeof minSeq !== 'number' || !Number.isSafeInteger(minSeq) || minSeq < 0)) {
    throw new CryptoError('invalid_input', 'minSeq must be a non-negative integer.');
  }
  const signer = await resolveVerifyKey(verifyKey);
  const { payload } = await verifyCompactJws(jws, signer, TENANT_STATE_TYP, WHAT);
  // Signed by the tenant from here on, but still held to every rule.
  const state = readState(payload, 'decrypt_failed');
  if (state.tenantId !== expected.tenantId) {
    throw new CryptoError('decrypt_failed', 'The tenant state belongs to another tenant.');
  }
  if (minSeq !== undefined && state.seq < minSeq) {
    throw new CryptoError(
      'decrypt_failed',
      `The tenant state is older (seq ${state.seq}) than one already seen (${minSeq}).`,
    );
  }
  return state;
}

/**
 * For the broker, which cannot verify (it must not be trusted to) but stores
 * and serves the state: the structure, the header (ES256, typ, kid) and every
 * rule of readTenantState, without the signature. Compare `kid` with the
 * tenant's signing key on record and `state.seq` with the last one stored.
 */
export function decodeTenantStateUnverified(jws: string): { kid: string; state: TTenantState } {
  const { kid, payload } = decodeCompactJws(jws, TENANT_STATE_TYP, WHAT);
  return { kid, state: readTenantState(payload) };
}
