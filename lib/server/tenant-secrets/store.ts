import 'server-only';
// POST /api/v1/proxy/secrets: a proxy deployment stores the wrapped form of a
// tenant secret it made (docs/proxy-api.md "Tenant secrets"). The broker
// cannot read it; what it checks is that the secret is one the tenant's own
// signed state asks for — the path's current secret, not yet pinned to
// another wrapped form — and wrapped by the state's primary KMS
// configuration. First writer wins: replicas racing for one path all end up
// with the row that was stored first.
//
// Everything runs in one transaction that holds the tenant's row: the state
// cannot move on, and the path limit cannot be overrun, between the checks and
// the insert. A new row bumps the tenant's delivery, so connected proxies'
// long-polls carry it at once.
import { secretDigest, secretsOfPath } from '@/lib/crypto/tenant-secrets';
import { decodeTenantStateUnverified, type TTenantState } from '@/lib/crypto/tenant-state';
import type { Prisma } from '@/lib/generated/prisma/client';
import { MAX_SECRET_PATHS_PER_TENANT, type TStoredSecretAnswer, type TStoreTenantSecret } from '@/lib/schemas/tenant-secrets';
import { recordAudit, type AuditContext } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import { bumpDelivery } from '@/lib/server/dal/delivery';
import { countSecretPaths, findTenantSecret, hasSecretPath, insertTenantSecretIfAbsent, type StoredTenantSecret } from '@/lib/server/dal/tenant-secrets';
import type { ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { AppError } from '@/lib/server/errors';

export type StoreSecretResult = { created: boolean; secret: TStoredSecretAnswer };

const conflict = (message: string) => new AppError('conflict', { message });

export const secretAnswer = (row: StoredTenantSecret): TStoredSecretAnswer => ({
  secretPath: row.secretPath,
  tenantSecretId: row.tenantSecretId,
  kmsConfigId: row.kmsConfigId,
  wrapped: row.wrapped,
  createdAt: row.createdAt.toISOString(),
});

/** The kmsConfigId of the state's primary KMS configuration, or a 409 that says why there is none. */
function primaryKmsConfigId(state: TTenantState | null): number {
  const primary = state?.configs.find((c) => c.kind === 'kms' && c.primary && c.status === 'active');
  if (!primary) throw conflict('The tenant has no primary KMS configuration: no new secret can be wrapped.');
  if (primary.kmsConfigId === undefined) throw conflict('The tenant state gives its primary KMS configuration no kmsConfigId yet; it needs a new state from a tenant admin.');
  return primary.kmsConfigId;
}

async function lockedTenant(tx: Prisma.TransactionClient, deployment: ProxyPrincipal, externalId: string) {
  // FOR UPDATE: a configuration change (which moves the tenant's seq) and another secret wait for this one.
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM tenant WHERE external_id = ${externalId} FOR UPDATE`;
  const tenant = row
    ? await tx.tenant.findUnique({ where: { id: row.id }, select: { id: true, externalId: true, environmentId: true, status: true, stateSeq: true, recipientKids: true } })
    : null;
  // One answer for unknown, elsewhere, suspended and not approved: nothing about other tenants is learnt here.
  if (!tenant || tenant.environmentId !== deployment.environmentId || tenant.status !== 'active' || !tenant.recipientKids.includes(deployment.kid)) {
    throw new AppError('not_found', { message: 'No such tenant for this deployment.' });
  }
  return tenant;
}

export async function storeTenantSecret(deployment: ProxyPrincipal, body: TStoreTenantSecret, context?: AuditContext): Promise<StoreSecretResult> {
  const db = await getPrisma();
  const digest = await secretDigest(body.kmsConfigId, body.wrapped);
  const key = { secretPath: body.secretPath, tenantSecretId: body.tenantSecretId };
  const name = `secret ${body.tenantSecretId} of path "${body.secretPath}"`;

  const result = await db.$transaction(async (tx) => {
    const tenant = await lockedTenant(tx, deployment, body.tenantId);
    const stored = tenant.stateSeq > 0 ? await tx.tenantState.findUnique({ where: { tenantId_seq: { tenantId: tenant.id, seq: tenant.stateSeq } }, select: { jws: true } }) : null;
    // The broker's own stored state, checked when it was accepted: what the tenant asked for last.
    const state = stored ? decodeTenantStateUnverified(stored.jws).state : null;
    const entry = secretsOfPath(state?.secrets, body.secretPath).find((s) => s.tenantSecretId === body.tenantSecretId);
    if (!entry || entry.status !== 'current') throw conflict(`The tenant state does not list ${name} as the path's current secret.`);

    const existing = await findTenantSecret(tx, tenant.id, key);
    if (entry.digest !== undefined && existing?.digest !== entry.digest) {
      throw conflict(`The tenant state pins ${name} to a wrapped secret the broker does not hold; a new one cannot take its place.`);
    }
    // Made already (by another replica, or by this one before): that row stands, whatever this caller wrapped.
    if (existing) return { created: false, row: existing, delivery: null };

    const primary = primaryKmsConfigId(state);
    if (body.kmsConfigId !== primary) throw conflict(`A new secret must be wrapped by the tenant's primary KMS configuration (kmsConfigId ${primary}), not ${body.kmsConfigId}.`);
    if (!(await hasSecretPath(tx, tenant.id, body.secretPath)) && (await countSecretPaths(tx, tenant.id)) >= MAX_SECRET_PATHS_PER_TENANT) {
      throw conflict(`The tenant has ${MAX_SECRET_PATHS_PER_TENANT} secret paths, the most the broker stores for one tenant.`);
    }

    const created = await insertTenantSecretIfAbsent(tx, { tenantId: tenant.id, ...key, kmsConfigId: body.kmsConfigId, wrapped: body.wrapped, digest, createdByDeploymentId: deployment.id });
    const row = await findTenantSecret(tx, tenant.id, key);
    if (!row) throw new AppError('internal', { message: 'The secret vanished while it was stored.' });
    if (!created) return { created: false, row, delivery: null };

    const deliverySeq = await bumpDelivery(tx, tenant.environmentId, [tenant.id]);
    // Last (its chain lock must be the transaction's last lock). Ids and the digest only, never the wrapped bytes.
    await recordAudit(tx, {
      actor: { type: 'deployment', id: deployment.id, label: row.createdByDeploymentName },
      action: 'tenant_secret.created',
      tenantExternalId: tenant.externalId,
      // The tenant, not the path: operators see targets, and see secrets as counts only; the path is in the details (the tenant's).
      target: { type: 'tenant', id: tenant.externalId },
      details: { path: body.secretPath, id: body.tenantSecretId, kmsConfigId: body.kmsConfigId, digest, deploymentId: deployment.id },
      context,
    });
    return { created: true, row, delivery: { environmentId: tenant.environmentId, seq: deliverySeq } };
  });
  if (result.delivery) getDeliveryHub().publishEnvironment(result.delivery.environmentId, result.delivery.seq);
  return { created: result.created, secret: secretAnswer(result.row) };
}
