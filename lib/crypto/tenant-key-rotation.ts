// Rotating a tenant's keys (PROTOCOL.md "Keys" 4), in the rotating admin's
// browser (lib/client/key-rotation.ts) or a Node caller acting as one (tests):
// fresh key pairs; a cmk-key-rotation+jws statement by the current signing key
// naming the new one, so proxies pinned to the old key follow; every
// configuration's latest content sealed again as its next version to the new
// encryption key and the same approved deployments, signed by the new key;
// the next tenant state, signed by the new key; the new private keys wrapped
// to the rotating admin, and optionally a new recovery kit.
//
// The caller opens the configurations with the current keys and verifies the
// current state first; nothing here reads anything from the broker.
import type { JWK } from 'jose';
import type { TConfigDocument } from './config-document';
import { signKeyRotation } from './key-rotation';
import { assignKmsConfigIds } from './kms-config-ids';
import { generateRecoveryCode, sealRecoveryKit } from './recovery-kit';
import { sealConfig, type TSealRecipient } from './seal-config';
import { generateTenantKeys, importTenantKeys, wrapTenantKeys, type TImportedTenantKeys, type TTenantPrivateKeys } from './tenant-keys';
import { signTenantState, type TTenantState } from './tenant-state';

export type TKeyRotationInput = {
  tenantId: string;
  /** The keys being replaced (the statement is signed with the signing key). */
  current: TImportedTenantKeys;
  /** The rotating admin's ECDH public key: the only one the new keys are wrapped to. */
  adminPublicJwk: JWK;
  /** The current verified state; null if the tenant has none yet. */
  previous: TTenantState | null;
  /** Each configuration the state lists, opened and verified with the current keys. */
  documents: { configId: string; document: TConfigDocument }[];
  /** The approved proxy deployments (the state's recipients), keys checked against their kids. */
  deployments: TSealRecipient[];
  withRecoveryKit: boolean;
  /** The highest kmsConfigId known to have been given (the broker's record, what this browser saw); ids are never reused. */
  highestKmsConfigId?: number;
  /** Told after each configuration is sealed again. */
  onProgress?: (done: number, total: number) => void;
};

export type TKeyRotation = {
  /** What POST /api/v1/tenants/{tenant}/changes takes. */
  change: {
    state: string;
    reseal?: { configId: string; version: number; jwe: object }[];
    rotate: { statement: string; encPublicJwk: JWK; sigPublicJwk: JWK; wrappedTenantKeys: string; recoveryKit?: string };
  };
  /** The new keys: kept by the caller (never sent). */
  privates: TTenantPrivateKeys;
  keys: TImportedTenantKeys;
  recoveryCode?: string;
};

export async function buildKeyRotation(input: TKeyRotationInput): Promise<TKeyRotation> {
  const { tenantId, current, previous } = input;
  const entries = previous?.configs ?? [];
  if (input.documents.length !== entries.length || entries.some((e) => !input.documents.some((d) => d.configId === e.configId))) {
    throw new Error('Every configuration the state lists must be opened before the keys are rotated.');
  }
  const pairs = await generateTenantKeys();
  const privates: TTenantPrivateKeys = { encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk };
  const keys = await importTenantKeys(privates);
  const statement = await signKeyRotation({ subject: `tenant:${tenantId}`, next: pairs.signing.publicJwk }, current.signingKey, current.signingKid);

  const recipients: TSealRecipient[] = [{ kid: keys.encryptionKid, publicJwk: pairs.encryption.publicJwk }, ...input.deployments];
  const iat = Math.floor(Date.now() / 1000);
  const reseal: { configId: string; version: number; jwe: object }[] = [];
  const configs: TTenantState['configs'] = [];
  for (const entry of entries) {
    const { document } = input.documents.find((d) => d.configId === entry.configId) as { document: TConfigDocument };
    const version = entry.version + 1;
    const { jwe, digest } = await sealConfig({ document: { ...document, version, iat }, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients });
    reseal.push({ configId: entry.configId, version, jwe });
    configs.push({ ...entry, version, digest });
    input.onProgress?.(reseal.length, entries.length);
  }
  const next: TTenantState = {
    typ: 'tenant-state',
    tenantId,
    seq: (previous?.seq ?? 0) + 1,
    configs: assignKmsConfigIds({ configs, previous: entries, highestGiven: input.highestKmsConfigId }),
    recipients: [...(previous?.recipients ?? [])],
    iat,
    // The tenant's secrets keep their rotation state; the new signing key re-signs it.
    ...(previous?.secrets ? { secrets: previous.secrets } : {}),
  };
  const state = await signTenantState(next, keys.signingKey, keys.signingKid);

  const wrappedTenantKeys = await wrapTenantKeys(privates, input.adminPublicJwk, tenantId);
  const recoveryCode = input.withRecoveryKit ? generateRecoveryCode() : undefined;
  const recoveryKit = recoveryCode ? await sealRecoveryKit(privates, recoveryCode, tenantId) : undefined;
  return {
    change: {
      state,
      ...(reseal.length ? { reseal } : {}),
      rotate: { statement, encPublicJwk: pairs.encryption.publicJwk, sigPublicJwk: pairs.signing.publicJwk, wrappedTenantKeys, ...(recoveryKit ? { recoveryKit } : {}) },
    },
    privates,
    keys,
    recoveryCode,
  };
}
