import 'server-only';
// Suspending and resuming a tenant. Proxies receive the status with the
// tenant's bundle entry, so each change is a delivery: bumpDelivery last in
// the transaction, the hub told after commit (as lib/server/configs/changes.ts).
import type { CurrentUser } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { bumpDelivery } from '@/lib/server/dal/delivery';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { AppError } from '@/lib/server/errors';

type Status = 'invited' | 'active' | 'suspended';

async function setStatus(externalId: string, next: (current: { status: string; hasKeys: boolean }) => Status) {
  const db = await getPrisma();
  const result = await db.$transaction(async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { externalId }, select: { id: true, status: true, environmentId: true, encKid: true } });
    if (!tenant) throw new AppError('not_found');
    const status = next({ status: tenant.status, hasKeys: tenant.encKid !== null });
    if (status === tenant.status) return { status, seq: null, environmentId: tenant.environmentId };
    await tx.tenant.update({ where: { id: tenant.id }, data: { status } });
    const seq = await bumpDelivery(tx, tenant.environmentId, [tenant.id]);
    return { status, seq, environmentId: tenant.environmentId };
  });
  if (result.seq !== null) getDeliveryHub().publishEnvironment(result.environmentId, result.seq);
  return { externalId, status: result.status, changed: result.seq !== null };
}

/** Suspending again is a no-op. The operator is the one acting (for the audit trail to come). */
export async function suspendTenant(_operator: CurrentUser, externalId: string) {
  return setStatus(externalId, () => 'suspended');
}

/** Back to active — or to invited while no admin has brought the tenant keys yet. */
export async function resumeTenant(_operator: CurrentUser, externalId: string) {
  return setStatus(externalId, ({ status, hasKeys }) => (status !== 'suspended' ? (status as Status) : hasKeys ? 'active' : 'invited'));
}
