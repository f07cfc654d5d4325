// A tenant's configurations held in memory with its private keys, and the
// next signed material for a change: a version sealed to the tenant key and
// the approved deployments, and the next tenant state (seq + 1). The browser
// does the same through lib/client/configs.ts; this form serves Node callers
// that act as a tenant admin: the demo data, seeding, tests.
import type { JWK } from 'jose';
import type { TConfigDocument, TConfigKind } from './config-document';
import { assignKmsConfigIds, highestKmsConfigId } from './kms-config-ids';
import { sealConfig } from './seal-config';
import type { TImportedTenantKeys } from './tenant-keys';
import type { TTenantStateSecret } from './tenant-secrets';
import { signTenantState, type TTenantState } from './tenant-state';

export type THeldConfig = {
  configId: string;
  kind: TConfigKind;
  provider: string;
  version: number;
  status: 'active' | 'disabled';
  primary: boolean;
  digest: string;
  /** KMS only: given by signNextState the first time it signs a state listing the configuration. */
  kmsConfigId?: number;
  settings: Record<string, unknown>;
};

export type THeldTenant = {
  externalId: string;
  keys: TImportedTenantKeys;
  encPublicJwk: JWK;
  seq: number;
  /** Kids of the approved proxy deployments (the state's recipients). */
  recipients: string[];
  configs: THeldConfig[];
  /** The highest kmsConfigId given so far, deleted configurations included (absent: the highest in `configs`). */
  kmsConfigIdMax?: number;
  /** The secrets' rotation state the next state lists (lib/crypto/tenant-secrets.ts); absent: none listed. */
  secrets?: TTenantStateSecret[];
};

export type TRecipientKey = { kid: string; publicJwk: JWK };

const now = () => Math.floor(Date.now() / 1000);

/** Seals one version of `config` to the tenant key and `recipients` (the approved deployments). */
export function sealHeldConfig(tenant: THeldTenant, config: Pick<THeldConfig, 'configId' | 'kind' | 'provider' | 'settings'>, version: number, recipients: TRecipientKey[]) {
  const document: TConfigDocument = { typ: config.kind, tenantId: tenant.externalId, configId: config.configId, version, provider: config.provider, settings: config.settings, iat: now() };
  return sealConfig({
    document,
    signingKey: tenant.keys.signingKey,
    signingKid: tenant.keys.signingKid,
    recipients: [{ kid: tenant.keys.encryptionKid, publicJwk: tenant.encPublicJwk }, ...recipients],
  });
}

/**
 * Signs the tenant's next state from what it holds (seq + 1) and advances its
 * seq. KMS configurations without a kmsConfigId get the next ones, kept in
 * what the tenant holds so that every later state carries them.
 */
export async function signNextState(tenant: THeldTenant): Promise<{ state: TTenantState; jws: string }> {
  const listed = tenant.configs.map(({ configId, kind, version, status, primary, digest, kmsConfigId }) => ({ configId, kind, version, status, primary, digest, kmsConfigId }));
  const configs = assignKmsConfigIds({ configs: listed, previous: [], highestGiven: tenant.kmsConfigIdMax ?? 0 });
  const state: TTenantState = { typ: 'tenant-state', tenantId: tenant.externalId, seq: tenant.seq + 1, configs, recipients: [...tenant.recipients], iat: now(), ...(tenant.secrets ? { secrets: tenant.secrets } : {}) };
  const jws = await signTenantState(state, tenant.keys.signingKey, tenant.keys.signingKid);
  tenant.seq = state.seq;
  for (const [i, held] of tenant.configs.entries()) {
    const id = configs[i]?.kmsConfigId;
    if (id !== undefined) held.kmsConfigId = id;
  }
  tenant.kmsConfigIdMax = Math.max(tenant.kmsConfigIdMax ?? 0, highestKmsConfigId(configs));
  return { state, jws };
}
