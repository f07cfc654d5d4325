// Tenant secrets and the keys derived from them (issue 25; docs/tsp.md
// "Deterministic keys"): what `key/derive-with-secret-path` answers with.
//
// A secret is 64 random bytes made here, the first time a tenant's path needs
// its current secret, wrapped by the tenant's primary KMS configuration with
// the tenant, the path and the id bound in the KMS call, and stored at the
// broker (first writer wins: a replica that loses the race uses the winner's).
// The proxy client has already checked each stored secret against the
// tenant's signed state (listed, not archived, digest); what only the KMS can
// check — that the secret was wrapped for this tenant, path and id — is
// checked here, by unwrapping with that binding. A secret that fails is not
// served, and the failure is reported to the broker and logged.
//
// Opened secrets are kept only while the configuration that wrapped them has
// leasing on (its signed lifetime bounds how long a key disabled inside the
// KMS goes on working, as for leased keys), in a bounded cache, and
// zero-filled when they go. Otherwise every request asks the KMS, once however
// many ask at the same time.
import { createHmac, randomBytes } from 'node:crypto';
import { base64urlEncode } from '@/lib/crypto/encoding';
import { secretDigest, secretsOfPath } from '@/lib/crypto/tenant-secrets';
import { KmsError, type TKmsBinding } from '@/lib/kms/types';
import type { TProxyError, TProxyTenant } from '@/lib/proxy-client';
import type { TStoredSecret } from '@/lib/proxy-client/types';
import { unwrapConfig, wrapConfig, type TDriverCache, type TKmsConfig } from './configs';
import { fromKmsError, TspError } from './errors';
import type { TLeases } from './lease';
import type { TTspLogger } from './log';

export const SECRET_BYTES = 64;
/** Opened secrets kept at most (only for configurations with leasing on). */
export const DEFAULT_SECRET_CACHE_ENTRIES = 10_000;
/** Secrets this proxy made and stored, kept until the bundle carries them. */
const MAX_CREATED = 10_000;

/**
 * The derived key: HMAC-SHA-512 with the 64-byte secret as the key and the
 * UTF-8 bytes of the derivation path as the message (RFC 2104; a 64-byte key
 * is one SHA-512 block, used as is). 64 bytes, the AES-SIV key the clients use.
 */
export function deriveKey(secret: Uint8Array, derivationPath: string): Buffer {
  return createHmac('sha512', secret).update(derivationPath, 'utf8').digest();
}

/** What the KMS call binds a secret to: the tenant, its path and its id. */
export function secretBinding(tenantId: string, secretPath: string, tenantSecretId: number): TKmsBinding {
  return { tenantId, context: { secretPath, tenantSecretId: String(tenantSecretId) } };
}

export type TOpenSecret = { tenantSecretId: number; current: boolean; kmsConfigId: number; secret: Buffer };

export type TStoreSecret = (input: { tenantId: string; secretPath: string; tenantSecretId: number; kmsConfigId: number; wrapped: string }) => Promise<TStoredSecret>;

export type TTenantSecrets = {
  /**
   * Runs `run` with the secrets `tenant` answers with for `secretPath`: every
   * one not archived that verifies, the current one made first if it is not
   * yet (and the tenant has a primary KMS configuration). The secrets are
   * wiped after `run` unless cached. Throws a TspError for what the caller
   * should retry or the tenant revoked (KMS unreachable, configuration disabled).
   */
  withSecrets<T>(tenant: TProxyTenant, secretPath: string, run: (secrets: TOpenSecret[]) => T): Promise<T>;
  /** Secrets that failed verification, for the status report (cleared when the secret verifies again). */
  problems(): TProxyError[];
  stats(): { cached: number; kmsUnwraps: number; kmsWraps: number };
  /** Wipes cached secrets that expired, or whose configuration is no longer in force as it was, for `tenantIds` (or all). */
  sweep(getTenant: (tenantId: string) => TProxyTenant | undefined, tenantIds?: Iterable<string>): void;
  close(): void;
};

type TCached = { secret: Buffer; expiresAt: number; tenantId: string; configId: string; version: number };

const keyOf = (secretPath: string, tenantSecretId: number) => `${secretPath}\u0000${tenantSecretId}`;

export function createTenantSecrets(options: {
  drivers: TDriverCache;
  leases?: TLeases;
  storeSecret: TStoreSecret;
  logger: TTspLogger;
  /** A secret that failed verification, told to the tenant (its SIEM); the TSP wires this to the fanout. */
  onProblem?: (tenant: TProxyTenant, problem: TProxyError) => void;
  now?: () => number;
  maxCached?: number;
}): TTenantSecrets {
  const now = options.now ?? Date.now;
  const maxCached = options.maxCached ?? DEFAULT_SECRET_CACHE_ENTRIES;
  const cache = new Map<string, TCached>();
  const created = new Map<string, TStoredSecret & { digest: string }>();
  const inFlight = new Map<string, Promise<Uint8Array>>();
  const creating = new Map<string, Promise<TStoredSecret & { digest: string }>>();
  const problems = new Map<string, TProxyError>();
  const counts = { kmsUnwraps: 0, kmsWraps: 0 };

  const forget = (key: string) => {
    const held = cache.get(key);
    if (held) {
      held.secret.fill(0);
      cache.delete(key);
    }
  };

  function report(tenant: TProxyTenant, key: string, problem: Omit<TProxyError, 'tenantId'>): void {
    const full = { tenantId: tenant.tenantId, ...problem };
    const known = problems.get(`${tenant.tenantId}\u0000${key}`);
    problems.set(`${tenant.tenantId}\u0000${key}`, full);
    if (known?.message === full.message) return;
    options.logger.warn({ tenantId: tenant.tenantId, configId: full.configId, code: full.code, problem: full.message }, 'a tenant secret failed verification; not serving it');
    options.onProblem?.(tenant, full);
  }

  const configIdOf = (tenant: TProxyTenant, kmsConfigId: number) => tenant.configs.find((c) => c.kind === 'kms' && c.kmsConfigId === kmsConfigId)?.configId ?? null;

  /** The stored secret to use: the bundle's (already checked against the state) or, until it carries it, the one this proxy stored. */
  function storedOf(tenant: TProxyTenant, secretPath: string, tenantSecretId: number, pinned: string | undefined) {
    const key = keyOf(secretPath, tenantSecretId);
    const fromBundle = tenant.secrets.stored.get(key);
    const ours = created.get(`${tenant.tenantId}\u0000${key}`);
    if (fromBundle) {
      if (ours) created.delete(`${tenant.tenantId}\u0000${key}`);
      if (ours && ours.digest !== fromBundle.digest) {
        report(tenant, key, { configId: configIdOf(tenant, fromBundle.kmsConfigId), code: 'secret_invalid', message: `Secret ${tenantSecretId} of path ${JSON.stringify(secretPath)}: the broker now hands over another wrapped secret than the one it answered this proxy's creation with.` });
      }
      return fromBundle;
    }
    if (ours && pinned !== undefined && ours.digest !== pinned) return undefined;
    return ours;
  }

  /** Opens a stored secret through the KMS, with its binding; null (reported) when it does not verify. */
  async function open(tenant: TProxyTenant, stored: TStoredSecret & { digest: string }): Promise<{ secret: Buffer; cached: boolean } | null> {
    const key = keyOf(stored.secretPath, stored.tenantSecretId);
    const what = `Secret ${stored.tenantSecretId} of path ${JSON.stringify(stored.secretPath)}`;
    const named = tenant.configs.find((c) => c.kind === 'kms' && c.kmsConfigId === stored.kmsConfigId);
    if (!named) {
      report(tenant, key, { configId: null, code: 'secret_invalid', message: `${what} names KMS configuration ${stored.kmsConfigId}, which the tenant does not have.` });
      return null;
    }
    // A disabled configuration is a revocation: refused (202) before any cache is looked at.
    const config = unwrapConfig(tenant, stored.kmsConfigId);
    const cacheKey = `${tenant.tenantId}\u0000${key}\u0000${stored.digest}`;
    const held = cache.get(cacheKey);
    if (held) {
      if (held.expiresAt > now() && held.configId === config.configId && held.version === config.version) {
        cache.delete(cacheKey);
        cache.set(cacheKey, held);
        return { secret: held.secret, cached: true };
      }
      forget(cacheKey);
    }
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      pending = unwrapSecret(tenant, config, stored).finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    let secret: Buffer;
    try {
      // Each request its own copy: the shared answer is wiped once every waiter has copied it (unwrapSecret).
      secret = Buffer.from(await pending);
    } catch (error) {
      // The KMS refusing this ciphertext under this binding: wrapped for another tenant, path or id, or not by this key.
      if (error instanceof KmsError && error.code === 'kms_unwrap_failed') {
        report(tenant, key, { configId: config.configId, code: 'secret_unwrap', message: `${what} does not open under its binding (tenant, path, id) with KMS configuration ${stored.kmsConfigId}: it was wrapped for something else.` });
        return null;
      }
      throw error;
    }
    if (secret.length !== SECRET_BYTES) {
      secret.fill(0);
      report(tenant, key, { configId: config.configId, code: 'secret_unwrap', message: `${what} opens to a key that is not ${SECRET_BYTES} bytes.` });
      return null;
    }
    problems.delete(`${tenant.tenantId}\u0000${key}`);
    const lifetime = options.leases?.lifetimeMs(config);
    if (lifetime === undefined) return { secret, cached: false };
    const raced = cache.get(cacheKey);
    if (raced) {
      // Another request of the same flight cached its copy first.
      secret.fill(0);
      return { secret: raced.secret, cached: true };
    }
    cache.set(cacheKey, { secret, expiresAt: now() + lifetime, tenantId: tenant.tenantId, configId: config.configId, version: config.version });
    while (cache.size > maxCached) forget(cache.keys().next().value as string);
    return { secret, cached: true };
  }

  async function unwrapSecret(tenant: TProxyTenant, config: TKmsConfig, stored: TStoredSecret): Promise<Uint8Array> {
    const driver = options.drivers.driverFor(tenant.tenantId, config);
    counts.kmsUnwraps += 1;
    const bytes = Buffer.from(stored.wrapped, 'base64url');
    const raw = await driver.unwrap(bytes, secretBinding(tenant.tenantId, stored.secretPath, stored.tenantSecretId));
    // Every waiter copies it in the microtasks that follow; a macrotask later nothing reads it any more.
    setImmediate(() => raw.fill(0));
    return raw;
  }

  /** Makes, wraps and stores the current secret of a path; the broker's answer is the winner's, ours or another replica's. */
  async function create(tenant: TProxyTenant, secretPath: string, tenantSecretId: number): Promise<{ stored: TStoredSecret & { digest: string }; secret: Buffer | null }> {
    const config = wrapConfig(tenant);
    const secret = randomBytes(SECRET_BYTES);
    try {
      const driver = options.drivers.driverFor(tenant.tenantId, config);
      counts.kmsWraps += 1;
      const wrapped = base64urlEncode(await driver.wrap(secret, secretBinding(tenant.tenantId, secretPath, tenantSecretId)));
      const winner = await options.storeSecret({ tenantId: tenant.tenantId, secretPath, tenantSecretId, kmsConfigId: config.kmsConfigId, wrapped });
      const stored = { ...winner, digest: await secretDigest(winner.kmsConfigId, winner.wrapped) };
      if (created.size >= MAX_CREATED) created.delete(created.keys().next().value as string);
      created.set(`${tenant.tenantId}\u0000${keyOf(secretPath, tenantSecretId)}`, stored);
      if (winner.wrapped === wrapped && winner.kmsConfigId === config.kmsConfigId) return { stored, secret };
      // Another replica stored first: ours is never used.
      secret.fill(0);
      return { stored, secret: null };
    } catch (error) {
      secret.fill(0);
      throw error;
    }
  }

  return {
    async withSecrets(tenant, secretPath, run) {
      const entries = secretsOfPath(tenant.secrets.listed, secretPath).filter((s) => s.status !== 'archived');
      // Newest first: the current secret, then those in rotation.
      entries.sort((a, b) => b.tenantSecretId - a.tenantSecretId);
      const opened: { entry: TOpenSecret; wipe: boolean }[] = [];
      try {
        for (const entry of entries) {
          const key = keyOf(secretPath, entry.tenantSecretId);
          let stored = storedOf(tenant, secretPath, entry.tenantSecretId, entry.digest);
          let fresh: Buffer | null = null;
          if (!stored) {
            if (entry.status !== 'current' || entry.digest !== undefined) {
              report(tenant, key, { configId: null, code: 'secret_invalid', message: `Secret ${entry.tenantSecretId} of path ${JSON.stringify(secretPath)} is in the tenant's state, but the broker did not hand it over.` });
              continue;
            }
            // The current secret is not made yet: only with a primary KMS configuration (else the answer says hasPrimaryConfig: false).
            const primary = tenant.primary.kms;
            if (!primary || primary.status !== 'active' || primary.kmsConfigId === null) continue;
            const flightKey = `${tenant.tenantId}\u0000${key}`;
            const pending = creating.get(flightKey);
            if (pending) stored = await pending; // another request is making it: open the winner through the KMS
            else {
              const made = create(tenant, secretPath, entry.tenantSecretId);
              const storing = made.then((r) => r.stored);
              creating.set(flightKey, storing);
              void storing.catch(() => undefined).finally(() => creating.delete(flightKey));
              const result = await made;
              stored = result.stored;
              fresh = result.secret;
            }
          }
          if (fresh) {
            opened.push({ entry: { tenantSecretId: entry.tenantSecretId, current: entry.status === 'current', kmsConfigId: stored.kmsConfigId, secret: fresh }, wipe: true });
            continue;
          }
          const result = await open(tenant, stored);
          if (!result) continue;
          opened.push({ entry: { tenantSecretId: entry.tenantSecretId, current: entry.status === 'current', kmsConfigId: stored.kmsConfigId, secret: result.secret }, wipe: !result.cached });
        }
        return run(opened.map((o) => o.entry));
      } finally {
        for (const o of opened) if (o.wipe) o.entry.secret.fill(0);
      }
    },
    problems: () => [...problems.values()],
    stats: () => ({ cached: cache.size, ...counts }),
    sweep(getTenant, tenantIds) {
      const only = tenantIds ? new Set(tenantIds) : null;
      const at = now();
      for (const [key, held] of [...cache]) {
        if (only && !only.has(held.tenantId) && held.expiresAt > at) continue;
        const config = getTenant(held.tenantId)?.configs.find((c) => c.configId === held.configId);
        if (held.expiresAt <= at || !config || config.status !== 'active' || config.version !== held.version) forget(key);
      }
    },
    close() {
      for (const key of [...cache.keys()]) forget(key);
      created.clear();
    },
  };
}

/** For errors a derivation may not hide: a KMS that is down or throttling, a revoked configuration, the broker refusing a new secret. */
export function asDeriveError(error: unknown): TspError {
  if (error instanceof TspError) return error;
  if (error instanceof KmsError) return fromKmsError(error.code, error.message);
  return new TspError('unknown', 'Deriving the keys failed unexpectedly.', { cause: error });
}
