// Re-issuing the tenant state in the admin's browser after the broker lost
// changes (docs/configurations.md "Re-issuing the state after lost changes").
// The broker's current state is verified with the tenant signing key, the
// highest seq seen is the larger of this browser's and what any proxy
// deployment reports it applied, and lib/crypto/tenant-state-reissue.ts signs
// the state one past it. Nothing is sent until the admin has reviewed it.
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { buildReissue } from '@/lib/crypto/tenant-state-reissue';
import { api } from './api';
import { highestGivenKmsConfigId, markSeen, rememberState, seenDisabled, seenSeq, verifiedState, type TTenantContext } from './configs';

export type TReissueConfig = { configId: string; label: string; kind: 'kms' | 'siem'; version: number; status: 'active' | 'disabled'; primary: boolean };

export type TReissuePlan = {
  /** The broker's current state, verified. */
  current: TTenantState;
  configs: TReissueConfig[];
  /** Where the highest seq seen comes from. */
  seenHere: number;
  appliedByProxies: number;
  /** The seq the re-issued state will have. */
  seq: number;
  /** Disabled in the newest state this browser saw but active in the broker's: disabled again unless the admin decides otherwise. */
  lostRevocations: string[];
  /** The highest kmsConfigId given so far: new ones in the re-issue go above it. */
  highestKmsConfigId: number;
};

export async function planReissue(ctx: TTenantContext): Promise<TReissuePlan> {
  const [listing, deployments] = await Promise.all([api.configs(ctx.tenantId), api.tenantDeployments(ctx.tenantId)]);
  const current = await verifiedState(ctx, listing);
  if (!current) throw new Error('This tenant has no configurations yet; there is nothing to re-issue.');
  const seenHere = seenSeq(ctx.tenantId);
  const appliedByProxies = Math.max(0, ...deployments.deployments.map((d) => d.appliedSeq ?? 0));
  const highest = Math.max(seenHere, appliedByProxies);
  const remembered = seenDisabled(ctx.tenantId);
  const active = new Set(current.configs.filter((c) => c.status === 'active').map((c) => c.configId));
  const lostRevocations = remembered && remembered.seq > current.seq ? remembered.disabled.filter((id) => active.has(id)) : [];
  const configs = current.configs.map((c) => {
    const row = listing.configs.find((r) => r.id === c.configId);
    return { configId: c.configId, label: row?.label ?? c.configId, kind: c.kind, version: c.version, status: c.status, primary: c.primary };
  });
  return { current, configs, seenHere, appliedByProxies, seq: highest + 1, lostRevocations, highestKmsConfigId: highestGivenKmsConfigId(ctx.tenantId, listing) };
}

/** Signs and sends the re-issue the admin reviewed; returns its seq. */
export async function reissueState(ctx: TTenantContext, plan: TReissuePlan, disable: ReadonlySet<string>): Promise<number> {
  const { state, change } = await buildReissue({
    tenantId: ctx.tenantId,
    signingKey: ctx.keys.signingKey,
    signingKid: ctx.keys.signingKid,
    current: plan.current,
    highestSeen: plan.seq - 1,
    disable,
    highestKmsConfigId: plan.highestKmsConfigId,
  });
  await api.change(ctx.tenantId, change);
  markSeen(ctx.tenantId, state.seq);
  rememberState(state);
  return state.seq;
}
