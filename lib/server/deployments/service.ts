import 'server-only';
// What vendor operators do with proxy deployments: create one (the browser
// made its key pair and sends only the public half; the API key is returned
// once and stored as a hash), list and inspect them, rotate the API key with
// an overlap window, disable (401 at once), re-enable, delete.
import { randomBytes } from 'node:crypto';
import { deliveryState } from '@/lib/delivery-state';
import { getEnv } from '@/lib/env';
import type { TCreateDeployment, TDeploymentRow } from '@/lib/schemas/deployments';
import { MAX_KEY_OVERLAP_DAYS } from '@/lib/schemas/deployments';
import type { AuditAction } from '@/lib/schemas/audit';
import { operatorActor, recordAuditBatch, SYSTEM_ACTOR, type AuditContext, type AuditEventInput, type AuditOptions } from '@/lib/server/audit/record';
import type { CurrentUser } from '@/lib/server/authz';
import { BULK_TRANSACTION, getPrisma } from '@/lib/server/db';
import { notify } from '@/lib/server/dal/delivery';
import { approvalCounts, findDeploymentRecord, listDeploymentRecords, pendingChangeTimes, type DeploymentRecord } from '@/lib/server/dal/deployments';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { deliveryPayload } from '@/lib/server/delivery/listener';
import { AppError } from '@/lib/server/errors';
import { hashToken, newId } from '@/lib/server/ids';
import { canonicalPublicJwk } from '@/lib/server/keys';
import { publishedJwks } from '@/lib/server/signing';
import type { Prisma } from '@/lib/generated/prisma/client';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const newApiKey = () => `cmkp_${randomBytes(32).toString('base64url')}`;

type TRowContext = { counts: Awaited<ReturnType<typeof approvalCounts>>; pending: Map<string, Date | null>; now: number };

function toRow(d: DeploymentRecord, { counts, pending, now }: TRowContext): TDeploymentRow {
  const errors = Array.isArray(d.errors) ? (d.errors as TDeploymentRow['errors']) : [];
  return {
    id: d.id,
    name: d.name,
    environment: { id: d.environment.id, slug: d.environment.slug, displayName: d.environment.displayName },
    kid: d.kid,
    publicJwk: d.publicJwk as TDeploymentRow['publicJwk'],
    status: d.status === 'disabled' ? 'disabled' : 'active',
    createdAt: d.createdAt.toISOString(),
    disabledAt: iso(d.disabledAt),
    apiKeys: d.apiKeys.map((k) => ({ id: k.id, createdAt: k.createdAt.toISOString(), expiresAt: iso(k.expiresAt), lastUsedAt: iso(k.lastUsedAt), revokedAt: iso(k.revokedAt) })),
    lastUsedAt: iso(d.lastUsedAt),
    lastStatusAt: iso(d.lastStatusAt),
    appliedCursor: d.appliedCursor,
    lag: d.appliedSeq === null ? null : Math.max(0, d.environment.deliverySeq - d.appliedSeq),
    delivery: deliveryState({ lastReportAt: iso(d.lastStatusAt), appliedSeq: d.appliedSeq, currentSeq: d.environment.deliverySeq, changedAt: iso(pending.get(d.id) ?? null) }, now),
    errorCount: d.errorCount,
    errors: errors.slice(0, 20),
    tenantsInEnvironment: counts.inEnvironment.get(d.environment.id) ?? 0,
    tenantsApproved: counts.approved.get(d.kid) ?? 0,
  };
}

async function rows(records: DeploymentRecord[], now = Date.now()): Promise<TDeploymentRow[]> {
  const db = await getPrisma();
  const [counts, pending] = await Promise.all([approvalCounts(db, records.map((r) => ({ kid: r.kid, environmentId: r.environment.id }))), pendingChangeTimes(db, records)]);
  return records.map((r) => toRow(r, { counts, pending, now }));
}

export async function listDeployments(now = Date.now()): Promise<TDeploymentRow[]> {
  return rows(await listDeploymentRecords(await getPrisma()), now);
}

export async function getDeployment(id: string): Promise<TDeploymentRow> {
  const record = await findDeploymentRecord(await getPrisma(), id);
  if (!record) throw new AppError('not_found');
  const [row] = await rows([record]);
  return row as TDeploymentRow;
}

/** Records an operator's action on a deployment, last in its transaction (with `also`, further events in the same batch). */
function auditDeployment(tx: Prisma.TransactionClient, action: AuditAction, id: string, details: Record<string, unknown>, audit?: AuditOptions, also: AuditEventInput[] = []) {
  return recordAuditBatch(tx, [{ actor: audit?.actor ?? SYSTEM_ACTOR, action, target: { type: 'deployment', id }, details, context: audit?.context }, ...also]);
}

/**
 * A deployment that can receive bundles but is not yet approved: one event in
 * the chain of every tenant of its environment that has not approved its key,
 * so their admins see (and are mailed) that it awaits them.
 */
async function awaitingApproval(tx: Prisma.TransactionClient, deployment: { id: string; name: string; kid: string; environmentId: string }, audit?: AuditOptions): Promise<AuditEventInput[]> {
  const tenants = await tx.tenant.findMany({
    where: { environmentId: deployment.environmentId, NOT: { recipientKids: { has: deployment.kid } } },
    orderBy: { externalId: 'asc' },
    select: { externalId: true },
  });
  return tenants.map((t) => ({
    actor: audit?.actor ?? SYSTEM_ACTOR,
    action: 'deployment.awaiting_approval' as const,
    tenantExternalId: t.externalId,
    target: { type: 'deployment', id: deployment.id },
    details: { deploymentId: deployment.id, name: deployment.name, kid: deployment.kid },
    context: audit?.context,
  }));
}

/** Wakes the deployment's held polls here and in other instances, so a disable answers 401 at once. */
async function signalDeployment(tx: Prisma.TransactionClient, deploymentId: string) {
  await notify(tx, deliveryPayload({ deploymentId }));
}

export async function createDeployment(operator: CurrentUser, input: TCreateDeployment, audit?: AuditContext) {
  const db = await getPrisma();
  const { jwk, kid } = await canonicalPublicJwk(input.publicJwk, 'enc', 'publicJwk');
  const environment = await db.environment.findUnique({ where: { id: input.environmentId }, select: { id: true } });
  if (!environment) throw new AppError('validation_failed', { fields: [{ path: 'environmentId', message: 'Choose an existing environment.' }] });
  const taken = await db.proxyDeployment.count({ where: { kid } });
  if (taken) throw new AppError('validation_failed', { fields: [{ path: 'publicJwk', message: 'This key already belongs to another deployment; generate a new one.' }] });
  const apiKey = newApiKey();
  const id = newId('dep');
  const keyId = newId('dak');
  await db.$transaction(async (tx) => {
    await tx.proxyDeployment.create({
      data: {
        id,
        name: input.name,
        environmentId: environment.id,
        publicJwk: jwk as object,
        kid,
        createdById: operator.id,
        apiKeys: { create: { id: keyId, keyHash: hashToken(apiKey) } },
      },
    });
    const by = { actor: operatorActor(operator), context: audit };
    const awaiting = await awaitingApproval(tx, { id, name: input.name, kid, environmentId: environment.id }, by);
    await auditDeployment(tx, 'deployment.create', id, { name: input.name, environmentId: environment.id, kid, keyId }, by, awaiting);
  }, BULK_TRANSACTION);
  const deployment = await getDeployment(id);
  return {
    deployment,
    apiKey,
    // Everything the credentials file needs except the private key, which only the operator's browser has.
    credentials: { brokerUrl: getEnv().PUBLIC_URL, deploymentId: id, apiKey, brokerJwks: await publishedJwks() },
  };
}

export async function updateDeployment(id: string, input: { status?: 'active' | 'disabled'; name?: string }, audit?: AuditOptions) {
  const db = await getPrisma();
  const current = await db.proxyDeployment.findUnique({ where: { id }, select: { status: true, name: true, kid: true, environmentId: true } });
  if (!current || current.status === 'deleted') throw new AppError('not_found');
  const disabling = input.status === 'disabled' && current.status !== 'disabled';
  await db.$transaction(async (tx) => {
    await tx.proxyDeployment.update({
      where: { id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.status !== undefined ? { status: input.status, disabledAt: input.status === 'disabled' ? (current.status === 'disabled' ? undefined : new Date()) : null } : {}),
      },
    });
    if (disabling) await signalDeployment(tx, id);
    const action = input.status && input.status !== current.status ? (input.status === 'disabled' ? 'deployment.disable' : 'deployment.enable') : 'deployment.update';
    const awaiting = action === 'deployment.enable' ? await awaitingApproval(tx, { id, name: input.name ?? current.name, kid: current.kid, environmentId: current.environmentId }, audit) : [];
    await auditDeployment(tx, action, id, { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.status ? { status: input.status, previousStatus: current.status } : {}) }, audit, awaiting);
  }, BULK_TRANSACTION);
  if (disabling) getDeliveryHub().publishDeployment(id);
  return getDeployment(id);
}

/**
 * Deleting ends the deployment for good: its API keys are revoked and it gets
 * no more bundles. The row stays as a tombstone with its public key, because
 * tenants that approved it still list it in their signed state until an
 * admin removes it (re-sealing needs to know what is being removed).
 */
export async function deleteDeployment(id: string, audit?: AuditOptions) {
  const db = await getPrisma();
  const now = new Date();
  await db.$transaction(async (tx) => {
    const deleted = await tx.proxyDeployment.updateMany({ where: { id, status: { not: 'deleted' } }, data: { status: 'deleted', disabledAt: now } });
    if (deleted.count !== 1) throw new AppError('not_found');
    const revoked = await tx.deploymentApiKey.updateMany({ where: { deploymentId: id, revokedAt: null }, data: { revokedAt: now } });
    await signalDeployment(tx, id);
    await auditDeployment(tx, 'deployment.delete', id, { revokedKeys: revoked.count }, audit);
  });
  getDeliveryHub().publishDeployment(id);
  return { deleted: true as const };
}

/** A new API key; the live old ones keep working until `oldKeyExpiresAt` (at most 30 days; now or earlier ends them at once). */
export async function rotateApiKey(id: string, oldKeyExpiresAt: Date, audit?: AuditOptions) {
  const now = new Date();
  const limit = now.getTime() + MAX_KEY_OVERLAP_DAYS * 86_400_000;
  if (oldKeyExpiresAt.getTime() > limit) {
    throw new AppError('validation_failed', { fields: [{ path: 'oldKeyExpiresAt', message: `The old key may keep working for at most ${MAX_KEY_OVERLAP_DAYS} days.` }] });
  }
  const immediate = oldKeyExpiresAt.getTime() <= now.getTime();
  const db = await getPrisma();
  const apiKey = newApiKey();
  const keyId = newId('dak');
  await db.$transaction(async (tx) => {
    const exists = await tx.proxyDeployment.count({ where: { id, status: { not: 'deleted' } } });
    if (!exists) throw new AppError('not_found');
    const live = { deploymentId: id, revokedAt: null };
    if (immediate) {
      await tx.deploymentApiKey.updateMany({ where: live, data: { revokedAt: now } });
    } else {
      // Shorten, never extend, a key that already had an end.
      await tx.deploymentApiKey.updateMany({ where: { ...live, OR: [{ expiresAt: null }, { expiresAt: { gt: oldKeyExpiresAt } }] }, data: { expiresAt: oldKeyExpiresAt } });
    }
    // Either way the old keys changed: held polls re-check them, and caches drop them.
    await signalDeployment(tx, id);
    await tx.deploymentApiKey.create({ data: { id: keyId, deploymentId: id, keyHash: hashToken(apiKey) } });
    await auditDeployment(tx, 'deployment.rotate_key', id, { keyId, oldKeysEnd: immediate ? 'now' : oldKeyExpiresAt.toISOString() }, audit);
  });
  getDeliveryHub().publishDeployment(id);
  return { apiKey, keyId, deployment: await getDeployment(id) };
}
