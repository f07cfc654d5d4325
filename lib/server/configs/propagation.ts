import 'server-only';
// For each configuration, the seq of the signed tenant state from which its
// entry — version, digest, status, primary, kmsConfigId — has been what it is
// now: a proxy deployment that reported applying that seq (or a later one)
// runs the configuration as the tenant last set it. The configurations page
// compares it with each approved deployment's applied seq ("Applied by 2 of 2
// deployments"). Read from the stored states the broker itself keeps, so, like
// the delivery states, it is informational: the broker is not trusted.
//
// Only the states a deployment may still be on are read: from the lowest seq an
// approved deployment reported applying (at most MAX_STATES_READ of them).
// When an entry is unchanged that far back, the oldest state read stands in —
// every approved deployment that applied anything has reached it.
import { decodeTenantStateUnverified, type TTenantStateConfig } from '@/lib/crypto/tenant-state';
import type { Prisma } from '@/lib/generated/prisma/client';

export const MAX_STATES_READ = 200;

type TStoredState = { seq: number; jws: string; createdAt: Date };

const sameEntry = (a: TTenantStateConfig, b: TTenantStateConfig) =>
  a.kind === b.kind && a.version === b.version && a.digest === b.digest && a.status === b.status && a.primary === b.primary && (a.kmsConfigId ?? null) === (b.kmsConfigId ?? null);

/**
 * configId → the seq from which its entry is unchanged, walking back from the newest of `states` (newest first).
 * A gap in the seqs (a re-issue past changes the broker lost) ends the walk: a deployment may have applied a lost
 * state that said something else.
 */
export function changedSeqs(states: readonly Pick<TStoredState, 'seq' | 'jws'>[]): Map<string, number> {
  const decoded: { seq: number; entries: Map<string, TTenantStateConfig> }[] = [];
  for (const s of states) {
    try {
      decoded.push({ seq: s.seq, entries: new Map(decodeTenantStateUnverified(s.jws).state.configs.map((c) => [c.configId, c])) });
    } catch {
      // The broker stored only states it accepted; one that no longer decodes ends the walk like a gap.
      break;
    }
  }
  const result = new Map<string, number>();
  const [latest, ...older] = decoded;
  if (!latest) return result;
  for (const [configId, entry] of latest.entries) {
    let since = latest.seq;
    for (const state of older) {
      const before = state.entries.get(configId);
      if (state.seq !== since - 1 || !before || !sameEntry(before, entry)) break;
      since = state.seq;
    }
    result.set(configId, since);
  }
  return result;
}

/** The stored states a propagation answer needs, newest first: back to the lowest seq an approved deployment applied. */
export async function statesForPropagation(tx: Prisma.TransactionClient, tenant: { id: string; stateSeq: number; recipientKids: string[] }): Promise<TStoredState[]> {
  const lowest = tenant.recipientKids.length
    ? await tx.deploymentTenantStatus.aggregate({
        where: { tenantId: tenant.id, appliedSeq: { gt: 0 }, deployment: { kid: { in: tenant.recipientKids } } },
        _min: { appliedSeq: true },
      })
    : null;
  // Without one, only the latest state: a deployment that applied nothing is behind on every configuration anyway.
  const floor = Math.min(lowest?._min.appliedSeq ?? tenant.stateSeq, tenant.stateSeq);
  return tx.tenantState.findMany({
    where: { tenantId: tenant.id, seq: { gte: floor } },
    orderBy: { seq: 'desc' },
    take: MAX_STATES_READ,
    select: { seq: true, jws: true, createdAt: true },
  });
}
