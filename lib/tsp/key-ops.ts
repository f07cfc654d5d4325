// The key operations of API v1: wrap, unwrap, rekey and their batches, and
// security events. Each resolves the tenant and configuration at the moment
// of the request (so a revocation applies to the next one), admits the key
// use against the tenant's SIEM policy, calls the KMS through the driver,
// and sends one SIEM event per key use — success or refusal — to every active
// SIEM configuration of the tenant. DEKs exist only in this module's locals
// and the response.
import { randomBytes } from 'node:crypto';
import { KmsError } from '@/lib/kms/types';
import type { TProxyTenant } from '@/lib/proxy-client';
import { requireTenant, unwrapConfig, wrapConfig, type TConfigSource, type TDriverCache, type TKmsConfig } from './configs';
import { decodeEdek, encodeEdek } from './edek';
import type { TLeases } from './lease';
import { asDeriveError, deriveKey, type TTenantSecrets } from './secrets';
import { fromKmsError, TspError } from './errors';
import type { TTspMetrics } from './metrics';
import type { TEventInput, TSiemFanout } from './siem-fanout';
import type { TKeyUse, TUsageCounter } from './usage';
import type { TBatchUnwrapRequest, TBatchWrapRequest, TDeriveRequest, TIclFields, TRekeyRequest, TSecurityEventRequest, TUnwrapRequest, TWrapRequest } from './wire';

export const DEK_BYTES = 32;
/** Items of one batch in flight at once against the KMS. */
const BATCH_CONCURRENCY = 16;

type TContext = { source: TConfigSource; drivers: TDriverCache; siem: TSiemFanout; metrics: TTspMetrics; usage?: TUsageCounter; leases?: TLeases; secrets?: TTenantSecrets };
type TMeta = { iclFields: TIclFields; customFields: Record<string, string> };
type TFailure = { code: number; message: string };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function asTspError(error: unknown, operation: 'wrap' | 'unwrap'): TspError {
  if (error instanceof TspError) return error;
  if (error instanceof KmsError) return fromKmsError(error.code, error.message);
  return new TspError(operation === 'wrap' ? 'kms_wrap_failed' : 'kms_unwrap_failed', `The KMS ${operation} failed.`, { cause: error });
}

async function timed<T>(ctx: TContext, config: TKmsConfig, op: 'wrap' | 'unwrap', run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome = 'success';
  try {
    return await run();
  } catch (error) {
    outcome = error instanceof KmsError ? error.code : 'error';
    throw error;
  } finally {
    ctx.metrics.kmsSeconds.observe({ provider: config.provider, operation: op, outcome }, (performance.now() - started) / 1000);
  }
}

function event(meta: TMeta, name: string, result: { kmsConfigId: number | null; error?: TspError }, details?: TEventInput['details']): TEventInput {
  return {
    category: 'key_use',
    event: name,
    outcome: result.error ? 'failure' : 'success',
    errorCode: result.error?.code ?? null,
    kmsConfigId: result.kmsConfigId,
    iclFields: stripUndefined(meta.iclFields),
    customFields: meta.customFields,
    ...(details ? { details } : {}),
  };
}

/**
 * One key use (or refusal): counted for the configuration it concerns (the
 * usage counters the status reports carry), then sent to the tenant's SIEMs.
 * A refusal before any configuration is known (unknown tenant, no primary)
 * concerns none: it is counted apart and never reported per configuration.
 */
function keyUse(ctx: TContext, tenant: TProxyTenant | undefined, tenantId: string, input: TEventInput): number {
  const configId = input.kmsConfigId === null ? undefined : tenant?.configs.find((c) => c.kind === 'kms' && c.kmsConfigId === input.kmsConfigId)?.configId;
  if (configId !== undefined) ctx.usage?.keyUse(tenantId, configId, input.event as TKeyUse, input.errorCode);
  else if (input.errorCode !== null) ctx.usage?.unattributed();
  return ctx.siem.emit(tenant, tenantId, input);
}

/** The fields without undefined members; as they are when there is none (what the wire schema hands over), not copied per key use. */
function stripUndefined(fields: TIclFields): TEventInput['iclFields'] {
  for (const key in fields) {
    if (fields[key as keyof TIclFields] === undefined) return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as TEventInput['iclFields'];
  }
  return fields as TEventInput['iclFields'];
}

async function wrapWith(ctx: TContext, tenant: TProxyTenant, config: TKmsConfig, dek: Uint8Array): Promise<string> {
  const driver = ctx.drivers.driverFor(tenant.tenantId, config);
  const binding = { tenantId: tenant.tenantId };
  if (ctx.leases?.lifetimeMs(config) !== undefined) {
    // Leased: the DEK is wrapped here under the configuration's leased key, which the KMS wrapped once.
    const leased = await ctx.leases.wrap(tenant.tenantId, config, dek, (key) => timed(ctx, config, 'wrap', () => driver.wrap(key, binding)));
    return encodeEdek({ ...leased, kmsConfigId: config.kmsConfigId, tenantId: tenant.tenantId });
  }
  const encrypted = await timed(ctx, config, 'wrap', () => driver.wrap(dek, binding));
  return encodeEdek({ encryptedDekData: encrypted, kmsConfigId: config.kmsConfigId, tenantId: tenant.tenantId });
}

/** Opens an EDEK of `tenant`: the entry it names, bound to this tenant, with a configuration still active. */
async function unwrapFor(ctx: TContext, tenant: TProxyTenant, edek: string, seen: { kmsConfigId: number | null }): Promise<Uint8Array> {
  const entries = decodeEdek(edek);
  const entry = entries.find((e) => tenant.configs.some((c) => c.kind === 'kms' && c.kmsConfigId === e.kmsConfigId)) ?? entries[0];
  if (!entry) throw new TspError('invalid_edek', 'The EDEK is not valid: it holds no encrypted key.');
  seen.kmsConfigId = entry.kmsConfigId;
  // Every EDEK we make names its tenant; one naming another is refused before any KMS call.
  if (entry.tenantId !== '' && entry.tenantId !== tenant.tenantId) throw new TspError('invalid_edek', 'The EDEK belongs to another tenant.');
  // A disabled configuration is refused here, before any leased key is looked at: a revocation applies at once.
  const config = unwrapConfig(tenant, entry.kmsConfigId);
  const driver = ctx.drivers.driverFor(tenant.tenantId, config);
  const binding = { tenantId: tenant.tenantId };
  const kmsUnwrap = (data: Uint8Array) => timed(ctx, config, 'unwrap', () => driver.unwrap(data, binding));
  let dek: Uint8Array;
  if (entry.leasedKeyId !== 0) {
    if (!ctx.leases) throw new TspError('invalid_edek', 'The EDEK was made with a leased key, which this proxy does not use.');
    dek = await ctx.leases.unwrap(tenant.tenantId, config, entry, kmsUnwrap);
  } else dek = await kmsUnwrap(entry.encryptedDekData);
  if (dek.length !== DEK_BYTES) throw new TspError('kms_unwrap_failed', 'The KMS returned a key that is not a 32-byte DEK.');
  return dek;
}

export async function wrap(ctx: TContext, body: TWrapRequest): Promise<{ dek: string; edek: string }> {
  const tenant = ctx.source.getTenant(body.tenantId);
  let kmsConfigId: number | null = null;
  try {
    const active = requireTenant(ctx.source, body.tenantId);
    const config = wrapConfig(active);
    kmsConfigId = config.kmsConfigId;
    ctx.siem.admit(active);
    const dek = randomBytes(DEK_BYTES);
    const edek = await wrapWith(ctx, active, config, dek);
    keyUse(ctx, active, body.tenantId, event(body, 'wrap', { kmsConfigId }));
    return { dek: b64(dek), edek };
  } catch (error) {
    const failure = asTspError(error, 'wrap');
    keyUse(ctx, tenant, body.tenantId, event(body, 'wrap', { kmsConfigId, error: failure }));
    throw failure;
  }
}

export async function unwrap(ctx: TContext, body: TUnwrapRequest): Promise<{ dek: string }> {
  const tenant = ctx.source.getTenant(body.tenantId);
  const seen = { kmsConfigId: null as number | null };
  try {
    const active = requireTenant(ctx.source, body.tenantId);
    ctx.siem.admit(active);
    const dek = await unwrapFor(ctx, active, body.encryptedDocumentKey, seen);
    keyUse(ctx, active, body.tenantId, event(body, 'unwrap', seen));
    return { dek: b64(dek) };
  } catch (error) {
    const failure = asTspError(error, 'unwrap');
    keyUse(ctx, tenant, body.tenantId, event(body, 'unwrap', { ...seen, error: failure }));
    throw failure;
  }
}

/** Runs `work` over `items` with bounded concurrency; each item's failure is its own. */
async function eachBounded<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
}

export async function batchWrap(ctx: TContext, body: TBatchWrapRequest): Promise<{ keys: Record<string, { dek: string; edek: string }>; failures: Record<string, TFailure> }> {
  // Tenant and configuration are the same for every item: a refusal there refuses the call (and is one event per item).
  const tenant = ctx.source.getTenant(body.tenantId);
  let config: TKmsConfig;
  let active: TProxyTenant;
  try {
    active = requireTenant(ctx.source, body.tenantId);
    config = wrapConfig(active);
    ctx.siem.admit(active, body.documentIds.length);
  } catch (error) {
    const failure = asTspError(error, 'wrap');
    for (const documentId of body.documentIds) keyUse(ctx, tenant, body.tenantId, event(body, 'wrap', { kmsConfigId: null, error: failure }, { documentId }));
    throw failure;
  }
  const keys: Record<string, { dek: string; edek: string }> = Object.create(null);
  const failures: Record<string, TFailure> = Object.create(null);
  await eachBounded(body.documentIds, async (documentId) => {
    try {
      const dek = randomBytes(DEK_BYTES);
      keys[documentId] = { dek: b64(dek), edek: await wrapWith(ctx, active, config, dek) };
      keyUse(ctx, active, body.tenantId, event(body, 'wrap', { kmsConfigId: config.kmsConfigId }, { documentId }));
    } catch (error) {
      const failure = asTspError(error, 'wrap');
      failures[documentId] = failure.toBody();
      keyUse(ctx, active, body.tenantId, event(body, 'wrap', { kmsConfigId: config.kmsConfigId, error: failure }, { documentId }));
    }
  });
  return { keys: { ...keys }, failures: { ...failures } };
}

export async function batchUnwrap(ctx: TContext, body: TBatchUnwrapRequest): Promise<{ keys: Record<string, { dek: string }>; failures: Record<string, TFailure> }> {
  const tenant = ctx.source.getTenant(body.tenantId);
  const items = Object.entries(body.edeks);
  let active: TProxyTenant;
  try {
    active = requireTenant(ctx.source, body.tenantId);
    ctx.siem.admit(active, items.length);
  } catch (error) {
    const failure = asTspError(error, 'unwrap');
    for (const [documentId] of items) keyUse(ctx, tenant, body.tenantId, event(body, 'unwrap', { kmsConfigId: null, error: failure }, { documentId }));
    throw failure;
  }
  const keys: Record<string, { dek: string }> = Object.create(null);
  const failures: Record<string, TFailure> = Object.create(null);
  await eachBounded(items, async ([documentId, edek]) => {
    const seen = { kmsConfigId: null as number | null };
    try {
      keys[documentId] = { dek: b64(await unwrapFor(ctx, active, edek, seen)) };
      keyUse(ctx, active, body.tenantId, event(body, 'unwrap', seen, { documentId }));
    } catch (error) {
      const failure = asTspError(error, 'unwrap');
      failures[documentId] = failure.toBody();
      keyUse(ctx, active, body.tenantId, event(body, 'unwrap', { ...seen, error: failure }, { documentId }));
    }
  });
  return { keys: { ...keys }, failures: { ...failures } };
}

/** The same DEK, opened with the old tenant's key and wrapped with the new tenant's primary: each tenant sees its own key use. */
export async function rekey(ctx: TContext, body: TRekeyRequest): Promise<{ dek: string; edek: string }> {
  const details = { fromTenantId: body.tenantId, toTenantId: body.newTenantId };
  const from = ctx.source.getTenant(body.tenantId);
  const seen = { kmsConfigId: null as number | null };
  let dek: Uint8Array;
  try {
    const active = requireTenant(ctx.source, body.tenantId);
    ctx.siem.admit(active);
    dek = await unwrapFor(ctx, active, body.encryptedDocumentKey, seen);
    keyUse(ctx, active, body.tenantId, event(body, 'rekey', seen, details));
  } catch (error) {
    const failure = asTspError(error, 'unwrap');
    keyUse(ctx, from, body.tenantId, event(body, 'rekey', { ...seen, error: failure }, details));
    throw failure;
  }
  const to = ctx.source.getTenant(body.newTenantId);
  let kmsConfigId: number | null = null;
  try {
    const active = requireTenant(ctx.source, body.newTenantId);
    const config = wrapConfig(active);
    kmsConfigId = config.kmsConfigId;
    ctx.siem.admit(active);
    const edek = await wrapWith(ctx, active, config, dek);
    keyUse(ctx, active, body.newTenantId, event(body, 'rekey', { kmsConfigId }, details));
    return { dek: b64(dek), edek };
  } catch (error) {
    const failure = asTspError(error, 'wrap');
    keyUse(ctx, to, body.newTenantId, event(body, 'rekey', { kmsConfigId, error: failure }, details));
    throw failure;
  }
}

type TDerivedKey = { derivedKey: string; tenantSecretId: number; current: boolean };

/**
 * key/derive-with-secret-path: for each secret path, every derivation path's
 * key under each secret the tenant answers with (the current one, made on
 * first use, and those in rotation). One SIEM event per secret path. A path
 * with no secret to answer with (no primary KMS configuration to make its
 * first one, or none that verifies) is left out, as the reference does; what
 * the caller should retry (KMS down, throttled) or what the tenant revoked
 * (a disabled configuration) refuses the whole request.
 */
export async function derive(ctx: TContext, body: TDeriveRequest): Promise<{ hasPrimaryConfig: boolean; derivedKeys: Record<string, Record<string, TDerivedKey[]>> }> {
  const tenant = ctx.source.getTenant(body.tenantId);
  const secretPaths = Object.keys(body.paths);
  let active: TProxyTenant;
  try {
    if (!ctx.secrets) throw new TspError('unknown', 'This proxy does not derive keys.');
    active = requireTenant(ctx.source, body.tenantId);
    ctx.siem.admit(active, secretPaths.length);
  } catch (error) {
    const failure = asDeriveError(error);
    for (const secretPath of secretPaths) ctx.siem.emit(tenant, body.tenantId, event(body, 'derive', { kmsConfigId: null, error: failure }, { secretPath }));
    throw failure;
  }
  const secrets = ctx.secrets;
  const primary = active.primary.kms;
  const hasPrimaryConfig = primary?.status === 'active' && primary.kmsConfigId !== null;
  const derivedKeys: Record<string, Record<string, TDerivedKey[]>> = Object.create(null);
  // One path at a time: a batch names a handful of secret paths, and each may need a KMS call.
  for (const secretPath of secretPaths) {
    const derivationPaths = body.paths[secretPath] as string[];
    try {
      const answered = await secrets.withSecrets(active, secretPath, (opened) => {
        if (opened.length === 0) return null;
        const keys: Record<string, TDerivedKey[]> = Object.create(null);
        for (const derivationPath of derivationPaths) {
          keys[derivationPath] = opened.map((s) => {
            const key = deriveKey(s.secret, derivationPath);
            const derivedKey = key.toString('base64');
            key.fill(0);
            return { derivedKey, tenantSecretId: s.tenantSecretId, current: s.current };
          });
        }
        const current = opened.find((s) => s.current);
        return { keys: { ...keys }, kmsConfigId: (current ?? opened[0])?.kmsConfigId ?? null, ids: opened.map((s) => s.tenantSecretId).join(',') };
      });
      if (!answered) {
        ctx.siem.emit(active, body.tenantId, event(body, 'derive', { kmsConfigId: null, error: new TspError(hasPrimaryConfig ? 'unknown' : 'no_primary_kms_configuration', 'No secret to derive from.') }, { secretPath }));
        continue;
      }
      derivedKeys[secretPath] = answered.keys;
      ctx.siem.emit(active, body.tenantId, event(body, 'derive', { kmsConfigId: answered.kmsConfigId }, { secretPath, tenantSecretIds: answered.ids, derivationPaths: derivationPaths.length }));
    } catch (error) {
      const failure = asDeriveError(error);
      ctx.siem.emit(active, body.tenantId, event(body, 'derive', { kmsConfigId: null, error: failure }, { secretPath }));
      throw failure;
    }
  }
  return { hasPrimaryConfig, derivedKeys: { ...derivedKeys } };
}

/** A security event from the application, to each active SIEM configuration of the tenant; refused (301) when it has none. */
export function securityEvent(ctx: TContext, body: TSecurityEventRequest): null {
  const tenant = requireTenant(ctx.source, body.tenantId);
  const name = (body.iclFields.event ?? body.event) as string;
  try {
    ctx.siem.admit(tenant);
  } catch (error) {
    throw new TspError('security_event_rejected', (error as Error).message, { retryAfterSeconds: 5 });
  }
  const { event: _name, ...iclFields } = body.iclFields;
  const sent = ctx.siem.emit(tenant, body.tenantId, {
    category: 'security_event',
    event: name,
    outcome: 'success',
    errorCode: null,
    kmsConfigId: null,
    iclFields: stripUndefined({ ...iclFields, event: name }),
    customFields: body.customFields,
    details: { timestampMillis: body.timestampMillis ?? Date.now() },
  });
  if (sent === 0) throw new TspError('security_event_rejected', `Tenant ${JSON.stringify(body.tenantId)} has no active SIEM configuration to receive the event.`);
  return null;
}

export type { TContext as TKeyOpsContext };
