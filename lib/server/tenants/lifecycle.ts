import 'server-only';
// What an operator can do to a tenant as a whole: suspend it (its proxies
// then receive it as suspended and serve none of its configurations) and
// resume it, and delete it — only once it has no configurations left, and
// only 36 hours after the deletion was requested, so a mistaken or coerced
// deletion can still be noticed and cancelled. The clock is injectable for tests.
import { operatorActor, recordAudit, type AuditOptions } from '@/lib/server/audit/record';
import type { CurrentUser } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { bumpDelivery } from '@/lib/server/dal/delivery';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { AppError, isAppError } from '@/lib/server/errors';

export { getTenantDetail } from './detail';

/** How long a requested deletion waits before it may be carried out. */
export const DELETION_WAIT_MS = 36 * 60 * 60 * 1000;

export type Clock = { now?: () => Date };
const nowOf = (clock?: Clock) => (clock?.now ? clock.now() : new Date());

type StatusResult = { externalId: string; status: 'invited' | 'active' | 'suspended'; deliverySeq: number };

/** The actor is the operator unless the options name another (the vendor API names its token). */
const auditOf = (operator: CurrentUser, audit?: AuditOptions) => ({ actor: audit?.actor ?? operatorActor(operator), context: audit?.context });

async function setSuspended(externalId: string, suspend: boolean, audit: ReturnType<typeof auditOf>, clock?: Clock): Promise<StatusResult> {
  const db = await getPrisma();
  const result = await db.$transaction(async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { externalId }, select: { id: true, status: true, encKid: true, environmentId: true } });
    if (!tenant) throw new AppError('not_found');
    // Resuming restores what the tenant was: active once an admin brought its keys, invited before.
    const status = suspend ? 'suspended' : tenant.encKid ? 'active' : 'invited';
    if ((tenant.status === 'suspended') === suspend) throw new AppError('conflict', { message: suspend ? 'This tenant is already suspended.' : 'This tenant is not suspended.' });
    await tx.tenant.update({ where: { id: tenant.id }, data: { status, lastChangeAt: nowOf(clock) } });
    // Last: proxies receive the tenant with its new status in the next delta.
    const deliverySeq = await bumpDelivery(tx, tenant.environmentId, [tenant.id]);
    await recordAudit(tx, { ...audit, action: suspend ? 'tenant.suspend' : 'tenant.resume', tenantExternalId: externalId, target: { type: 'tenant', id: externalId }, details: { status, previousStatus: tenant.status } });
    return { externalId, status, environmentId: tenant.environmentId, deliverySeq } as const;
  });
  getDeliveryHub().publishEnvironment(result.environmentId, result.deliverySeq);
  return { externalId: result.externalId, status: result.status, deliverySeq: result.deliverySeq };
}

export function suspendTenant(operator: CurrentUser, externalId: string, clock?: Clock, audit?: AuditOptions): Promise<StatusResult> {
  return setSuspended(externalId, true, auditOf(operator, audit), clock);
}

export function resumeTenant(operator: CurrentUser, externalId: string, clock?: Clock, audit?: AuditOptions): Promise<StatusResult> {
  return setSuspended(externalId, false, auditOf(operator, audit), clock);
}

/**
 * The vendor API's idempotent form: suspending a suspended tenant (or resuming
 * one that is not suspended) changes nothing and answers `changed: false`.
 */
export async function setTenantSuspension(operator: CurrentUser, externalId: string, suspend: boolean, audit?: AuditOptions) {
  try {
    const result = await (suspend ? suspendTenant : resumeTenant)(operator, externalId, undefined, audit);
    return { externalId: result.externalId, status: result.status, changed: true };
  } catch (error) {
    if (!(isAppError(error) && error.code === 'conflict')) throw error;
    const tenant = await (await getPrisma()).tenant.findUnique({ where: { externalId }, select: { status: true } });
    if (!tenant) throw new AppError('not_found');
    return { externalId, status: tenant.status as StatusResult['status'], changed: false };
  }
}

const HAS_CONFIGS = 'Delete every configuration first: a tenant can be deleted only when it has no configurations left (its admins disable and delete them).';

export type DeletionState = { requestedAt: string; eligibleAt: string };

/** Starts the 36-hour wait. Refused while the tenant has configurations. */
export async function requestTenantDeletion(operator: CurrentUser, externalId: string, clock?: Clock, audit?: AuditOptions): Promise<DeletionState> {
  const db = await getPrisma();
  const tenant = await db.tenant.findUnique({ where: { externalId }, select: { id: true, deletionRequestedAt: true, _count: { select: { configs: true } } } });
  if (!tenant) throw new AppError('not_found');
  if (tenant._count.configs > 0) throw new AppError('conflict', { message: HAS_CONFIGS });
  if (tenant.deletionRequestedAt) return deletionState(tenant.deletionRequestedAt);
  const requestedAt = nowOf(clock);
  await db.$transaction(async (tx) => {
    await tx.tenant.update({ where: { id: tenant.id }, data: { deletionRequestedAt: requestedAt, deletionRequestedById: operator.id } });
    await recordAudit(tx, { ...auditOf(operator, audit), action: 'tenant.deletion_request', tenantExternalId: externalId, target: { type: 'tenant', id: externalId }, details: deletionState(requestedAt) });
  });
  return deletionState(requestedAt);
}

export async function cancelTenantDeletion(operator: CurrentUser, externalId: string, audit?: AuditOptions): Promise<{ cancelled: true }> {
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    const { count } = await tx.tenant.updateMany({ where: { externalId }, data: { deletionRequestedAt: null, deletionRequestedById: null } });
    if (count !== 1) throw new AppError('not_found');
    await recordAudit(tx, { ...auditOf(operator, audit), action: 'tenant.deletion_cancel', tenantExternalId: externalId, target: { type: 'tenant', id: externalId } });
  });
  return { cancelled: true };
}

/**
 * Deletes the tenant with its admins' memberships, invitations, states and
 * delivery records. `confirm` must be the tenant id typed by the operator.
 */
export async function deleteTenant(operator: CurrentUser, externalId: string, input: { confirm: string }, clock?: Clock, audit?: AuditOptions): Promise<{ deleted: true }> {
  const db = await getPrisma();
  if (input.confirm !== externalId) {
    throw new AppError('validation_failed', { message: 'Type the tenant id exactly to confirm.', fields: [{ path: 'confirm', message: 'Type the tenant id exactly to confirm.' }] });
  }
  const now = nowOf(clock);
  await db.$transaction(async (tx) => {
    const tenant = await tx.tenant.findUnique({ where: { externalId }, select: { id: true, deletionRequestedAt: true, _count: { select: { configs: true } } } });
    if (!tenant) throw new AppError('not_found');
    if (tenant._count.configs > 0) throw new AppError('conflict', { message: HAS_CONFIGS });
    if (!tenant.deletionRequestedAt) throw new AppError('conflict', { message: 'Request the deletion first; it can be carried out 36 hours later.' });
    const eligibleAt = new Date(tenant.deletionRequestedAt.getTime() + DELETION_WAIT_MS);
    if (now < eligibleAt) throw new AppError('conflict', { message: `The 36-hour wait is not over: the tenant can be deleted from ${eligibleAt.toISOString()}.` });
    await tx.tenant.delete({ where: { id: tenant.id } });
    // The event keeps the tenant's external id: its chain outlives the tenant.
    await recordAudit(tx, { ...auditOf(operator, audit), action: 'tenant.delete', tenantExternalId: externalId, target: { type: 'tenant', id: externalId }, details: { requestedAt: tenant.deletionRequestedAt.toISOString() } });
  });
  return { deleted: true };
}

export function deletionState(requestedAt: Date): DeletionState {
  return { requestedAt: requestedAt.toISOString(), eligibleAt: new Date(requestedAt.getTime() + DELETION_WAIT_MS).toISOString() };
}
