// kmsConfigIds on the proxy's side (TSP.md "Decisions"): an EDEK names the KMS
// configuration that wrapped it by this id alone, so the id must keep naming
// the same configuration. The tenant signs it and the broker cannot change
// it; what is left is the tenant's own states disagreeing — a fork or a
// replay after lost changes. The proxy remembers, per tenant, every id it has
// applied in this process and refuses a state that moves one (the tenant's
// update is dropped, the last good kept, `kms_config_id_changed` reported).
// Memory only: after a restart the first state applied is the reference again.
import type { TTenantState } from '@/lib/crypto/tenant-state';

import type { TProxyConfig, TProxyTenant } from './types';

/** Every kmsConfigId applied for one tenant in this process, with the configuration it named. */
export type TKnownKmsConfigIds = ReadonlyMap<number, string>;

export type TKmsConfigIdConflict = { configId: string; message: string };

/** The first way `state` moves an id already applied, or null when it keeps them all. */
export function findKmsConfigIdConflict(state: TTenantState, known: TKnownKmsConfigIds | undefined): TKmsConfigIdConflict | null {
  if (!known || known.size === 0) return null;
  const byConfig = new Map([...known].map(([id, configId]) => [configId, id]));
  for (const { configId, kmsConfigId } of state.configs) {
    const applied = byConfig.get(configId);
    if (applied !== undefined && kmsConfigId !== applied) {
      const now = kmsConfigId === undefined ? 'none' : String(kmsConfigId);
      return { configId, message: `The tenant state gives this configuration KMS configuration id ${now}; an applied state gave it ${applied}.` };
    }
    const holder = kmsConfigId === undefined ? undefined : known.get(kmsConfigId);
    if (holder !== undefined && holder !== configId) {
      return { configId, message: `The tenant state gives this configuration KMS configuration id ${kmsConfigId}, which an applied state gave to ${holder}.` };
    }
  }
  return null;
}

/** `known` with the ids of `state` added (a new map; ids are never forgotten, so a reused one is caught too). */
export function withKmsConfigIds(state: TTenantState, known: TKnownKmsConfigIds | undefined): TKnownKmsConfigIds {
  const next = new Map(known);
  for (const { configId, kmsConfigId } of state.configs) if (kmsConfigId !== undefined) next.set(kmsConfigId, configId);
  return next;
}

/**
 * The KMS configuration an EDEK names, or undefined. A disabled one is
 * returned too: the caller tells "disabled" from "unknown" (TSP.md: unwrap
 * uses exactly that configuration, if it is still active).
 */
export function findKmsConfig(tenant: Pick<TProxyTenant, 'configs'> | undefined, kmsConfigId: number): TProxyConfig | undefined {
  return tenant?.configs.find((c) => c.kind === 'kms' && c.kmsConfigId === kmsConfigId);
}
