// What a key request may use, read from the proxy client's last verified
// configuration at the moment of the request: a change the long-poll
// delivered (a revocation) applies to the very next request. Also holds one
// KMS driver per configuration version, created from its verified settings
// on first use and closed when that version is no longer the one in force, or
// when it has not been used for DRIVER_IDLE_MS: an idle tenant then costs no
// driver (for AWS, no SDK client), and its next request makes one again.
import type { TKmsDriver, TKmsDriverOptions } from '@/lib/kms/types';
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

export function createDriverCache(options: TKmsDriverOptions, create = createKmsDriver, idleMs = DRIVER_IDLE_MS, now = Date.now): TDriverCache {
  const drivers = new Map<string, { tenantId: string; configId: string; version: number; driver: TKmsDriver; usedAt: number }>();
  const keyOf = (tenantId: string, configId: string) => `${tenantId}\u0000${configId}`;
  return {
    driverFor(tenantId, config) {
      const key = keyOf(tenantId, config.configId);
      const held = drivers.get(key);
      if (held && held.version === config.version) {
        held.usedAt = now();
        return held.driver;
      }
      held?.driver.close();
      // createKmsDriver parses the settings with the provider's schema (the proxy client already did) and
      // throws kms_config_invalid for a provider this proxy cannot drive.
      const driver = create(config.provider, config.settings, options);
      drivers.set(key, { tenantId, configId: config.configId, version: config.version, driver, usedAt: now() });
      return driver;
    },
    createUncached: (provider, settings) => create(provider, settings, options),
    sweep(source) {
      const idleSince = now() - idleMs;
      for (const [key, held] of drivers) {
        const current = source.getTenant(held.tenantId)?.configs.find((c) => c.configId === held.configId);
        if (!current || current.version !== held.version || current.status !== 'active' || held.usedAt < idleSince) {
          held.driver.close();
          drivers.delete(key);
        }
      }
    },
    size: () => drivers.size,
    close() {
      for (const held of drivers.values()) held.driver.close();
      drivers.clear();
      // What the drivers shared (the AWS agents and STS clients) goes with the proxy.
      closeSharedResources(options);
    },
  };
}
