// The proxy client's public shapes: what a proxy reads back for a tenant and
// the summary it can print or export. Settings are secrets: they live in these
// objects in memory only and are never written to disk, logs or reports.
import type { TConfigKind } from '@/lib/crypto/config-document';
import type { TBundleSecret } from '@/lib/crypto/bundle';
import type { TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import type { TProxyErrorCode } from '@/lib/schemas/deployments';

export type TProxyConfig = {
  configId: string;
  /** The name the broker shows for it (null when the broker sent none): for display only — the broker could change it, the tenant does not sign it. */
  label: string | null;
  kind: TConfigKind;
  provider: string;
  version: number;
  status: 'active' | 'disabled';
  primary: boolean;
  /**
   * The id written into every EDEK this configuration wraps, signed by the
   * tenant (TSP.md "Decisions"): null for SIEM, and for a KMS configuration
   * whose tenant has made no change since ids were introduced.
   */
  kmsConfigId: number | null;
  /** Validated by the provider's schema. Secret: never log or persist. */
  settings: Record<string, unknown>;
};

export type TProxyTenant = {
  tenantId: string;
  /** 'suspended': the broker marks the tenant suspended; no configuration is served. */
  status: 'active' | 'suspended';
  /** The applied (verified) tenant state's seq. */
  seq: number;
  /** False while the tenant has not approved this deployment (its state does not list our key). */
  approved: boolean;
  /** Empty when suspended or not approved. Disabled ones are kept so data can still be decrypted. */
  configs: TProxyConfig[];
  /** The primary configuration per kind, for new encryptions / events. */
  primary: { kms?: TProxyConfig; siem?: TProxyConfig };
  /** Deterministic-key secrets (docs/tsp.md "Deterministic keys"); empty when suspended or not approved. */
  secrets: TProxySecrets;
};

/** A wrapped tenant secret as the broker stores it: ciphertext of the tenant's KMS, never the secret. */
export type TStoredSecret = TBundleSecret;

export type TProxySecrets = {
  /** The rotation state the tenant signed (its state's `secrets`; a path not listed has secret 1, current). */
  listed: TTenantStateSecret[];
  /**
   * The wrapped secrets the bundle carried that passed every check the proxy can make without the KMS: the
   * state lists them and not as archived, and their digest is the one it pins (or, unpinned, the one first
   * seen). Keyed by `${secretPath}\u0000${tenantSecretId}`.
   */
  stored: ReadonlyMap<string, TStoredSecret & { digest: string }>;
};

/** One failure, as reported to the broker; tenantId '*' is the whole bundle (broker signature, expiry, audience). */
export type TProxyError = {
  tenantId: string;
  configId: string | null;
  code: TProxyErrorCode;
  message: string;
  /** tenant_withheld / tenant_suspended: the last tenant state seq this proxy applied. */
  seq?: number;
};

export type TProxySummary = {
  deploymentId: string;
  /** `stopped`: pinned tenants the broker no longer hands over (tenant_withheld / tenant_suspended). */
  counts: { tenants: number; approved: number; suspended: number; configurations: number; errors: number; stopped: number };
  tenants: { tenantId: string; status: 'active' | 'suspended'; seq: number; approved: boolean }[];
  configurations: (Omit<TProxyConfig, 'settings'> & { tenantId: string })[];
  errors: TProxyError[];
  /** Seconds since the last successful sync (null before the first). */
  staleness: number | null;
  cursor: string | null;
};

export type TProxyLogger = {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};
