// Rotating the tenant keys in the admin's browser (PROTOCOL.md "Keys" 4),
// after an administrator was removed: every configuration the verified state
// lists is opened with the current keys, then lib/crypto/tenant-key-rotation.ts
// makes the new keys, the rotation statement, the re-sealed versions and the
// next state. One request, all or nothing. The new private keys are kept in
// this browser (non-extractable) and wrapped only to this admin, and this
// browser's pin moves to the new signing key; the recovery code, if any, is
// returned to be shown once.
import { buildKeyRotation } from '@/lib/crypto/tenant-key-rotation';
import { api, type TAccount } from './api';
import { checkNotRolledBack, highestGivenKmsConfigId, openVersion, verifiedState, type TTenantContext } from './configs';
import { saveTenantKeys } from './key-store';
import { ownAdminPublicJwk } from './own-admin-key';
import { deploymentRecipients } from './recipients';
import { storedTenantKeys } from './session-keys';
import { checkSigningKey, pinSigningKey } from './tenant-key-pin';

export type TRotationProgress = { step: 'open' | 'seal' | 'send'; done: number; total: number };

export async function rotateTenantKeys(
  ctx: TTenantContext,
  account: Pick<TAccount, 'id' | 'adminPublicJwk'>,
  options: { withRecoveryKit: boolean },
  onProgress?: (p: TRotationProgress) => void,
): Promise<{ recoveryCode?: string }> {
  // The new keys go to the admin key unlocked here, never to the broker's word for it (lib/client/own-admin-key.ts).
  const adminPublicJwk = await ownAdminPublicJwk(account.id, account.adminPublicJwk);
  const listing = await api.configs(ctx.tenantId);
  checkNotRolledBack(ctx.tenantId, listing.seq);
  const previous = await verifiedState(ctx, listing);
  const entries = previous?.configs ?? [];
  const deployments = await deploymentRecipients(ctx.tenantId, previous?.recipients ?? []);
  const documents = [];
  onProgress?.({ step: 'open', done: 0, total: entries.length });
  for (const entry of entries) {
    const row = listing.configs.find((c) => c.id === entry.configId);
    if (!row?.latest || row.latest.version !== entry.version || row.latest.digest !== entry.digest) {
      throw new Error('The broker’s copy of a configuration is not the version the signed state lists. Reload; if it persists, do not continue.');
    }
    documents.push({ configId: entry.configId, document: await openVersion(ctx, entry.configId, entry.version, row.latest.jwe, entry.digest) });
    onProgress?.({ step: 'open', done: documents.length, total: entries.length });
  }
  const rotation = await buildKeyRotation({
    tenantId: ctx.tenantId,
    current: ctx.keys,
    adminPublicJwk,
    previous,
    documents,
    deployments,
    withRecoveryKit: options.withRecoveryKit,
    highestKmsConfigId: highestGivenKmsConfigId(ctx.tenantId, listing),
    onProgress: (done, total) => onProgress?.({ step: 'seal', done, total }),
  });
  // The pin moves only along a verified chain, here the statement just signed by the key this browser trusts.
  // Checked before sending, moved only once the broker took the rotation: a failed request leaves the old keys trusted.
  const keys = await storedTenantKeys(rotation.privates);
  const nextPin = await checkSigningKey(ctx.tenantId, keys.signingPublicJwk, [...(ctx.info.keyRotations ?? []), rotation.change.rotate.statement]);
  onProgress?.({ step: 'send', done: 0, total: 1 });
  await api.change(ctx.tenantId, rotation.change);
  pinSigningKey(ctx.tenantId, nextPin);
  await saveTenantKeys(account.id, ctx.tenantId, keys);
  onProgress?.({ step: 'send', done: 1, total: 1 });
  return { recoveryCode: rotation.recoveryCode };
}
