// One tenant's update from a verified bundle, checked in the order of
// PROTOCOL.md "Proxy API": signing key (TOFU pin or rotation chain) → state
// signature → seq not lower than seen → kmsConfigIds kept → suspended / approval → per
// configuration: present, digest, decrypt, inner signature, identity,
// provider schema. All or nothing: any failure returns errors and the caller
// keeps the tenant's last good configuration.
//
// Error messages name the step and, for settings, only field paths: never a
// value, since they go to the broker in status reports.
import type { JWK } from 'jose';

import type { TBundleTenant } from '@/lib/crypto/bundle';
import { CryptoError } from '@/lib/crypto/errors';
import { resolveVerifyKey, type TResolvedVerifyKey } from '@/lib/crypto/es256-jws';
import { followKeyRotations } from '@/lib/crypto/key-rotation';
import { openConfig } from '@/lib/crypto/open-config';
import { secretDigest, secretsOfPath } from '@/lib/crypto/tenant-secrets';
import { verifyTenantState, type TTenantState, type TTenantStateConfig } from '@/lib/crypto/tenant-state';
import type { TProxyErrorCode } from '@/lib/schemas/deployments';
import { findProvider } from '@/lib/schemas/providers/registry';

import { findKmsConfigIdConflict, withKmsConfigIds, type TKnownKmsConfigIds } from './kms-config-ids';
import type { TProxyConfig, TProxyError, TProxySecrets, TProxyTenant, TStoredSecret } from './types';

/**
 * What a proxy keeps per tenant: the signing key it trusts, the highest seq
 * applied, and the signature of the state applied at that seq (absent in
 * pins written before it was kept), so that a different state with the same
 * seq is refused as well as an older one.
 */
export type TTenantPin = {
  signingKey: JWK;
  seq: number;
  state?: string;
  /**
   * How many configurations that state lists (absent in older pins). A tenant can be deleted only once it
   * has none, so a tenant pinned with 0 that leaves the bundle is not reported as withheld.
   */
  configs?: number;
};

/** A compact JWS's signature: ES256 signatures are randomized, so two signings never share one. */
const signatureOf = (jws: string) => jws.slice(jws.lastIndexOf('.') + 1);
export type TDeploymentKey = { key: CryptoKey; kid: string };

export type TTenantVerdict =
  /**
   * `kmsConfigIds`: what the caller remembers for the tenant once it applies this verdict.
   * `errors`: tenant secrets left out (the rest of the tenant applies): report them.
   */
  | { ok: true; tenant: TProxyTenant; pin: TTenantPin; kmsConfigIds: TKnownKmsConfigIds; errors: TProxyError[] }
  | { ok: false; errors: TProxyError[] };

const MAX_MESSAGE = 500;

class StepError extends Error {
  constructor(
    readonly code: TProxyErrorCode,
    message: string,
    readonly configId: string | null = null,
  ) {
    super(message.slice(0, MAX_MESSAGE));
  }
}

function messageOf(cause: unknown): string {
  // CryptoError messages are written by lib/crypto and carry no key material or settings.
  return cause instanceof CryptoError ? cause.message : 'unexpected failure';
}

async function checkSigningKey(tenant: TBundleTenant, pin: TTenantPin | undefined): Promise<JWK> {
  // First sight: trust on first use, as the protocol says; later keys only through the chain.
  if (!pin || pin.signingKey.kid === tenant.signingKey.kid) return tenant.signingKey;
  let chain: JWK[];
  try {
    chain = await followKeyRotations(pin.signingKey, tenant.keyRotations, `tenant:${tenant.tenantId}`);
  } catch (cause) {
    throw new StepError('tenant_key', `The tenant signing key changed and its rotation statements do not verify: ${messageOf(cause)}`);
  }
  if (chain.at(-1)?.kid !== tenant.signingKey.kid) {
    throw new StepError('tenant_key', `The tenant signing key changed (pinned ${pin.signingKey.kid}) without a rotation statement naming it.`);
  }
  return tenant.signingKey;
}

async function checkState(tenant: TBundleTenant, signingKey: TResolvedVerifyKey, pin: TTenantPin | undefined): Promise<TTenantState> {
  let state: TTenantState;
  try {
    state = await verifyTenantState(tenant.state, signingKey, { tenantId: tenant.tenantId });
  } catch (cause) {
    throw new StepError('tenant_state', `The tenant state does not verify: ${messageOf(cause)}`);
  }
  if (pin && state.seq < pin.seq) {
    throw new StepError('state_rollback', `The tenant state is older (seq ${state.seq}) than one already applied (seq ${pin.seq}).`);
  }
  // The same state may be served again; another one with an applied seq may not (states only move forward).
  if (pin?.state !== undefined && state.seq === pin.seq && signatureOf(tenant.state) !== pin.state) {
    throw new StepError('state_rollback', `The tenant state is not the one already applied at seq ${pin.seq}: a different state needs a higher seq.`);
  }
  return state;
}

const CHECK_CODES: Record<string, TProxyErrorCode> = {
  recipient: 'config_decrypt',
  digest: 'config_digest',
  decrypt: 'config_decrypt',
  signature: 'config_signature',
  content: 'config_mismatch',
};

function settingsError(error: { issues: { path: PropertyKey[]; code: string }[] }): string {
  // Paths and zod issue codes only: a zod message may quote the offending value.
  const paths = error.issues.map((i) => `settings${i.path.map((p) => `.${String(p)}`).join('')} (${i.code})`);
  return `The settings do not match the provider schema: ${[...new Set(paths)].join(', ')}.`;
}

async function openOne(
  tenant: TBundleTenant,
  entry: TTenantStateConfig,
  signingKey: TResolvedVerifyKey,
  deployment: TDeploymentKey,
): Promise<TProxyConfig> {
  const { configId } = entry;
  const sealed = tenant.configs.find((c) => c.configId === configId);
  if (!sealed) throw new StepError('config_missing', 'The tenant state lists this configuration but the bundle does not carry it.', configId);
  // openConfig checks the digest listed in the state first (check 'digest' → config_digest).
  let document;
  try {
    document = await openConfig({
      jwe: sealed.jwe,
      decryptionKey: deployment.key,
      decryptionKid: deployment.kid,
      verifyKey: signingKey,
      expected: { tenantId: tenant.tenantId, configId, version: entry.version, digest: entry.digest },
    });
  } catch (cause) {
    const check = cause instanceof CryptoError ? cause.check : undefined;
    throw new StepError(CHECK_CODES[check ?? ''] ?? 'config_decrypt', messageOf(cause), configId);
  }
  if (sealed.version !== entry.version || document.typ !== entry.kind) {
    throw new StepError('config_mismatch', 'The configuration version or kind is not the one the tenant state lists.', configId);
  }
  const provider = findProvider(document.provider);
  if (!provider || provider.kind !== document.typ) {
    throw new StepError('config_settings', `Unknown provider "${document.provider}" for kind ${document.typ}.`, configId);
  }
  const parsed = provider.schema.safeParse(document.settings);
  if (!parsed.success) throw new StepError('config_settings', settingsError(parsed.error), configId);
  const { kind, version, status, primary } = entry;
  return { configId, label: sealed.label ?? null, kind, provider: provider.id, version, status, primary, kmsConfigId: entry.kmsConfigId ?? null, settings: parsed.data as Record<string, unknown> };
}

const NO_SECRETS: TProxySecrets = { listed: [], stored: new Map() };

function viewOf(tenant: TBundleTenant, state: TTenantState, approved: boolean, configs: TProxyConfig[], secrets = NO_SECRETS): TProxyTenant {
  const primary: TProxyTenant['primary'] = {};
  for (const c of configs) if (c.primary && c.status === 'active') primary[c.kind] = c;
  return { tenantId: tenant.tenantId, status: tenant.status, seq: state.seq, approved, configs, primary, secrets };
}

/**
 * The tenant's wrapped secrets that pass what the proxy can check without
 * the KMS (docs/tsp.md "Deterministic keys"): the signed state lists each
 * (a path it does not list has secret 1 only), not as archived, and its
 * digest is the one the state pins — or, not pinned yet, the one this proxy
 * first saw. Each other one is left out and reported; the KMS checks the rest
 * (the binding of tenant, path and id) when the TSP opens it.
 */
async function verifySecrets(tenant: TBundleTenant, state: TTenantState, previous: TProxySecrets | undefined): Promise<{ secrets: TProxySecrets; errors: TProxyError[] }> {
  const rows = tenant.secrets ?? [];
  const listed = state.secrets ?? [];
  const stored = new Map<string, TStoredSecret & { digest: string }>();
  const errors: TProxyError[] = [];
  const refuse = (row: TStoredSecret, message: string) =>
    errors.push({ tenantId: tenant.tenantId, configId: null, code: 'secret_invalid', message: `Secret ${row.tenantSecretId} of path ${JSON.stringify(row.secretPath)}: ${message}`.slice(0, MAX_MESSAGE) });
  for (const row of rows) {
    const entry = secretsOfPath(listed, row.secretPath).find((s) => s.tenantSecretId === row.tenantSecretId);
    if (!entry) {
      refuse(row, 'the tenant state does not list it.');
      continue;
    }
    if (entry.status === 'archived') continue;
    const key = `${row.secretPath}\u0000${row.tenantSecretId}`;
    const digest = await secretDigest(row.kmsConfigId, row.wrapped);
    if (entry.digest !== undefined && entry.digest !== digest) {
      refuse(row, 'the wrapped secret is not the one the tenant state pins.');
      continue;
    }
    const seen = previous?.stored.get(key);
    if (entry.digest === undefined && seen && seen.digest !== digest) {
      // Not pinned yet, and the broker now hands over another one than before: keep the first.
      refuse(row, 'the broker now hands over another wrapped secret than the one this proxy first received.');
      stored.set(key, seen);
      continue;
    }
    stored.set(key, { ...row, digest });
  }
  return { secrets: { listed, stored }, errors };
}

/**
 * Verifies one tenant of a verified bundle against its pin and the
 * kmsConfigIds applied before (./kms-config-ids.ts); never throws for
 * tenant-level failures.
 */
export async function verifyTenant(
  tenant: TBundleTenant,
  pin: TTenantPin | undefined,
  deployment: TDeploymentKey,
  known?: TKnownKmsConfigIds,
  /** The tenant as last applied: its wrapped secrets not pinned by the state stay the first ones seen. */
  previous?: TProxyTenant,
): Promise<TTenantVerdict> {
  const fail = (e: unknown): TTenantVerdict => {
    const step = e instanceof StepError ? e : new StepError('tenant_state', 'unexpected failure');
    return { ok: false, errors: [{ tenantId: tenant.tenantId, configId: step.configId, code: step.code, message: step.message }] };
  };
  let signingKey: JWK;
  let signer: TResolvedVerifyKey;
  let state: TTenantState;
  try {
    signingKey = await checkSigningKey(tenant, pin);
    // Imported once for the state and every configuration it lists.
    signer = await resolveVerifyKey(signingKey).catch((cause: unknown) => {
      throw new StepError('tenant_key', `The tenant signing key cannot be used: ${messageOf(cause)}`);
    });
    state = await checkState(tenant, signer, pin);
    // On the state itself, approved or not: an EDEK made before keeps naming its configuration.
    const conflict = findKmsConfigIdConflict(state, known);
    if (conflict) throw new StepError('kms_config_id_changed', conflict.message, conflict.configId);
  } catch (e) {
    return fail(e);
  }
  const kmsConfigIds = withKmsConfigIds(state, known);
  // checkState refused anything older, so this state is the newest applied.
  const nextPin: TTenantPin = { signingKey, seq: state.seq, state: signatureOf(tenant.state), configs: state.configs.length };
  const approved = state.recipients.includes(deployment.kid);
  if (tenant.status === 'suspended' || !approved) {
    return { ok: true, tenant: viewOf(tenant, state, approved, []), pin: nextPin, kmsConfigIds, errors: [] };
  }
  // Every configuration is checked so one report lists all failures; none is applied unless all pass.
  const results = await Promise.allSettled(state.configs.map((entry) => openOne(tenant, entry, signer, deployment)));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? fail(r.reason as unknown) : { ok: true as const }))
    .flatMap((v) => (v.ok ? [] : v.errors));
  if (errors.length > 0) return { ok: false, errors };
  const configs = results.map((r) => (r as PromiseFulfilledResult<TProxyConfig>).value);
  const { secrets, errors: secretErrors } = await verifySecrets(tenant, state, previous?.secrets);
  return { ok: true, tenant: viewOf(tenant, state, approved, configs, secrets), pin: nextPin, kmsConfigIds, errors: secretErrors };
}
