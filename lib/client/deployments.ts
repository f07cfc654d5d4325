// Approving or removing a proxy deployment, in the tenant admin's browser.
// The set of approved deployments is part of the signed tenant state, and
// every configuration must be readable by exactly that set: so each change
// opens every configuration's latest version with the tenant key, seals it
// again as version + 1 to the tenant key and the new set, and signs the next
// state listing the new recipients and digests — one request, all or nothing.
import { sealConfig } from '@/lib/crypto/seal-config';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { api, type TReseal, type TTenantDeployments } from './api';
import { checkNotRolledBack, openVersion, sealRecipients, signNext, verifiedState, type TTenantContext } from './configs';
import { isKeyGenuine } from './recipients';

export type TApprovalEdit = { approve: string } | { remove: string };
export type TResealProgress = { done: number; total: number };

/** The approved kids after `edit`, from the kids the verified state lists. */
export function nextRecipients(current: readonly string[], edit: TApprovalEdit): string[] {
  if ('approve' in edit) return current.includes(edit.approve) ? [...current] : [...current, edit.approve];
  return current.filter((kid) => kid !== edit.remove);
}

/**
 * Signs and sends the change that approves or removes one deployment. The
 * approvals are taken from the latest verified state (not from the broker's
 * list), a newly approved key must hash to its kid, and every configuration
 * is re-sealed; `onProgress` is told after each one.
 */
export async function changeApproval(ctx: TTenantContext, deployments: TTenantDeployments, edit: TApprovalEdit, onProgress?: (p: TResealProgress) => void) {
  const listing = await api.configs(ctx.tenantId);
  checkNotRolledBack(ctx.tenantId, listing.seq);
  const previous = await verifiedState(ctx, listing);
  if (deployments.seq !== listing.seq) throw new Error('The deployments list is older than the configurations. Reload and try again.');
  const current = previous?.recipients ?? [];

  if ('approve' in edit) {
    const target = deployments.deployments.find((d) => d.kid === edit.approve);
    if (!target || target.status !== 'active') throw new Error('Only an active deployment can be approved.');
    if (!(await isKeyGenuine(target))) throw new Error('The broker sent a key for this deployment that does not match its fingerprint. Do not approve it; tell the vendor.');
    if (current.includes(edit.approve)) throw new Error('This deployment is already approved.');
  } else if (!current.includes(edit.remove)) {
    throw new Error('This deployment is not approved.');
  }

  const kids = nextRecipients(current, edit);
  const recipients = await sealRecipients(ctx, previous, kids, deployments);
  const entries = previous?.configs ?? [];
  const reseal: TReseal[] = [];
  const configs: TTenantState['configs'] = [];
  onProgress?.({ done: 0, total: entries.length });
  for (const entry of entries) {
    const row = listing.configs.find((c) => c.id === entry.configId);
    if (!row?.latest || row.latest.version !== entry.version || row.latest.digest !== entry.digest) {
      throw new Error('The broker’s copy of a configuration is not the version the signed state lists. Reload; if it persists, do not continue.');
    }
    const document = await openVersion(ctx, entry.configId, entry.version, row.latest.jwe, entry.digest);
    const version = entry.version + 1;
    const { jwe, digest } = await sealConfig({
      document: { ...document, version, iat: Math.floor(Date.now() / 1000) },
      signingKey: ctx.keys.signingKey,
      signingKid: ctx.keys.signingKid,
      recipients,
    });
    reseal.push({ configId: entry.configId, version, jwe });
    configs.push({ ...entry, version, digest });
    onProgress?.({ done: reseal.length, total: entries.length });
  }
  const state = await signNext(ctx, listing, previous, configs, kids);
  return api.change(ctx.tenantId, reseal.length > 0 ? { state, reseal } : { state });
}
