// What a key request may use, read from the proxy client's last verified
// configuration at the moment of the request: a change the long-poll
// delivered (a revocation) applies to the very next request. Also holds one
// KMS driver per configuration version, created from its verified settings
// on first use and closed when that version is no longer the one in force, or
// when it has not been used for DRIVER_IDLE_MS: an idle tenant then costs no
// driver (for AWS, no SDK client), and its next request makes one again. At
// most maxDrivers are kept (TSP_KMS_DRIVER_CACHE): past that the least
// recently used is let go, and made again on its next request, keeping what
// its memo holds (the AWS role session). A driver let go is closed once the
// calls in flight on it are done.
import type { TKmsDriver, TKmsDriverMemo, TKmsDriverOptions } from '@/lib/kms/types';
import { createKmsDriver } from '@/lib/kms';
import { closeSharedResources } from '@/lib/kms/keep-alive';
import type { TProxyConfig, TProxyTenant } from '@/lib/proxy-client';
import { TspError } from './errors';

export type TConfigSource = {
  getTenant(tenantId: string): TProxyTenant | undefined;
};

export type TKmsConfig = TProxyConfig & { kind: 'kms'; kmsConfigId: number };

/** The tenant, if this deployment may serve it: known, active and approving this deployment (else 201). */
export function requireTenant(source: TConfigSource, tenantId: string): TProxyTenant {
  const tenant = source.getTenant(tenantId);
  // One answer for all three: whether a tenant exists is not the caller's to learn from the code.
  if (!tenant || tenant.status !== 'active' || !tenant.approved) {
    // "No configurations available": the words the reference clients' users search their logs for.
    throw new TspError('unknown_tenant', `No configurations available for tenant ${JSON.stringify(tenantId)}: it is unknown to this proxy, suspended, or has not approved this deployment.`);
  }
  return tenant;
}

const kmsConfigs = (tenant: TProxyTenant) => tenant.configs.filter((c) => c.kind === 'kms');

/** The configuration new keys are wrapped with: the tenant's primary KMS configuration. */
export function wrapConfig(tenant: TProxyTenant): TKmsConfig {
  const active = kmsConfigs(tenant).filter((c) => c.status === 'active');
  if (active.length === 0) throw new TspError('unknown_tenant', `Tenant ${JSON.stringify(tenant.tenantId)} has no active KMS configuration.`);
  const primary = tenant.primary.kms;
  if (!primary || primary.status !== 'active') throw new TspError('no_primary_kms_configuration', `Tenant ${JSON.stringify(tenant.tenantId)} has no primary KMS configuration.`);
  if (primary.kmsConfigId === null) {
    throw new TspError('kms_config_invalid', `Tenant ${JSON.stringify(tenant.tenantId)}'s primary KMS configuration has no kmsConfigId yet; the tenant's next change assigns it.`);
  }
  return primary as TKmsConfig;
}

/** The configuration an EDEK names, if it is still active (a disabled one is a revocation: 202). */
export function unwrapConfig(tenant: TProxyTenant, kmsConfigId: number): TKmsConfig {
  const configs = kmsConfigs(tenant);
  const named = configs.find((c) => c.kmsConfigId === kmsConfigId);
  if (!named) {
    if (!configs.some((c) => c.status === 'active')) throw new TspError('unknown_tenant', `Tenant ${JSON.stringify(tenant.tenantId)} has no active KMS configuration.`);
    throw new TspError('invalid_edek', `The EDEK names KMS configuration ${kmsConfigId}, which tenant ${JSON.stringify(tenant.tenantId)} does not have.`);
  }
  if (named.status !== 'active') throw new TspError('kms_configuration_disabled', `KMS configuration ${kmsConfigId} of tenant ${JSON.stringify(tenant.tenantId)} is disabled.`);
  return named as TKmsConfig;
}

export type TDriverCache = {
  driverFor(tenantId: string, config: TKmsConfig): TKmsDriver;
  /** A driver made with the same factory and options, not kept: a draft's configuration test. The caller closes it. */
  createUncached(provider: string, settings: unknown): TKmsDriver;
  /** Closes drivers of configuration versions no longer in force, and drivers unused for `idleMs`. */
  sweep(source: TConfigSource): void;
  size(): number;
  close(): void;
};

/**
 * How long a driver may go unused before a sweep closes it. Far above any call's deadline, so no call is
 * in flight on a driver it closes; what is lost is its cached role session (one AssumeRole on the next use).
 */
export const DRIVER_IDLE_MS = 10 * 60_000;

/**
 * Drivers kept at most (TSP_KMS_DRIVER_CACHE). An AWS driver is an SDK KMSClient, about 24 KB of heap:
 * 10 000 of them alone would take half of a 512 MB budget. 2 000 is 48 MB; a tenant beyond them pays
 * for a new client (well under a millisecond of CPU), not a new role session (kept in its memo).
 */
export const MAX_DRIVERS = 2_000;

export type TDriverCacheOptions = { idleMs?: number; maxDrivers?: number; now?: () => number };

type TKept = { version: number; memo: TKmsDriverMemo; usedAt: number };

type TEntry = {
  key: string;
  kept: TKept;
  tenantId: string;
  config: TKmsConfig;
  driver: TKmsDriver;
  /** What driverFor hands out: counts the calls in flight, so a driver let go is closed only once they are done. */
  handle: TKmsDriver;
  usedAt: number;
  inFlight: number;
  /** Let go: 'room' (the least recently used, past maxDrivers: its next call takes a new driver), or 'gone' (version no longer in force, idle, closed). */
  released: 'room' | 'gone' | null;
  closed: boolean;
};

export function createDriverCache(options: TKmsDriverOptions, create = createKmsDriver, cacheOptions: TDriverCacheOptions = {}): TDriverCache {
  const { idleMs = DRIVER_IDLE_MS, maxDrivers = MAX_DRIVERS, now = Date.now } = cacheOptions;
  // Map order is use order: each use moves its entry to the end, so the first is the least recently used.
  const drivers = new Map<string, TEntry>();
  // Per configuration version, what its drivers keep beyond their own life (TKmsDriverMemo): the AWS role session.
  const memos = new Map<string, TKept>();
  const keyOf = (tenantId: string, configId: string) => `${tenantId}\u0000${configId}`;

  const closeIfIdle = (entry: TEntry) => {
    if (entry.released === null || entry.inFlight > 0 || entry.closed) return;
    entry.closed = true;
    entry.driver.close();
  };
  function release(entry: TEntry, why: 'room' | 'gone') {
    if (drivers.get(entry.key) === entry) drivers.delete(entry.key);
    if (why === 'gone' && memos.get(entry.key)?.version === entry.config.version) memos.delete(entry.key);
    entry.released = why;
    closeIfIdle(entry);
  }

  /** The entry in force for this configuration version, made if needed, moved to the end of the use order. */
  function acquire(tenantId: string, config: TKmsConfig): TEntry {
    const key = keyOf(tenantId, config.configId);
    const held = drivers.get(key);
    if (held && held.config.version === config.version) {
      drivers.delete(key);
      drivers.set(key, held);
      held.usedAt = held.kept.usedAt = now();
      return held;
    }
    if (held) release(held, 'gone');
    let kept = memos.get(key);
    if (kept?.version !== config.version) memos.set(key, (kept = { version: config.version, memo: {}, usedAt: 0 }));
    kept.usedAt = now();
    // createKmsDriver parses the settings with the provider's schema (the proxy client already did) and
    // throws kms_config_invalid for a provider this proxy cannot drive.
    const driver = create(config.provider, config.settings, options, kept.memo);
    const entry: TEntry = { key, kept, tenantId, config, driver, handle: driver, usedAt: now(), inFlight: 0, released: null, closed: false };
    entry.handle = handleOf(entry);
    drivers.set(key, entry);
    for (const oldest of drivers.values()) {
      if (drivers.size <= maxDrivers) break;
      release(oldest, 'room');
    }
    return entry;
  }

  function handleOf(first: TEntry): TKmsDriver {
    async function callOn<T>(call: (driver: TKmsDriver) => Promise<T>): Promise<T> {
      let entry = first;
      // Let go for room between driverFor and this call (a leased key's turn): this configuration's driver now, unless its version changed.
      if (entry.released === 'room') {
        const current = drivers.get(entry.key);
        if (!current || current.config.version === entry.config.version) entry = acquire(entry.tenantId, entry.config);
      }
      entry.inFlight += 1;
      try {
        return await call(entry.driver);
      } finally {
        entry.inFlight -= 1;
        closeIfIdle(entry);
      }
    }
    return {
      provider: first.driver.provider,
      wrap: (dek, binding, signal) => callOn((driver) => driver.wrap(dek, binding, signal)),
      unwrap: (encrypted, binding, signal) => callOn((driver) => driver.unwrap(encrypted, binding, signal)),
      // The cache owns its drivers: it closes them when it lets them go.
      close: () => {},
    };
  }

  return {
    driverFor: (tenantId, config) => acquire(tenantId, config).handle,
    createUncached: (provider, settings) => create(provider, settings, options),
    sweep(source) {
      const idleSince = now() - idleMs;
      for (const entry of drivers.values()) {
        const current = source.getTenant(entry.tenantId)?.configs.find((c) => c.configId === entry.config.configId);
        if (!current || current.version !== entry.config.version || current.status !== 'active' || entry.usedAt < idleSince) release(entry, 'gone');
      }
      // The memos of drivers let go for room: kept while their version is in force and was used lately.
      for (const [key, kept] of memos) {
        if (drivers.has(key)) continue;
        const [tenantId, configId] = key.split('\u0000') as [string, string];
        const current = source.getTenant(tenantId)?.configs.find((c) => c.configId === configId);
        if (!current || current.version !== kept.version || current.status !== 'active' || kept.usedAt < idleSince) memos.delete(key);
      }
    },
    size: () => drivers.size,
    close() {
      for (const entry of [...drivers.values()]) release(entry, 'gone');
      memos.clear();
      // What the drivers shared (the AWS agents and STS clients) goes with the proxy.
      closeSharedResources(options);
    },
  };
}
