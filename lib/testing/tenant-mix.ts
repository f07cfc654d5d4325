// A realistic mix of tenants for seeding large installations and for the
// tenant-list benchmark: most tenants set up (real keys, 1–3 sealed
// configurations, a signed state — lib/testing/fleet.ts), some still
// invited, a few suspended; most applied by every approved deployment,
// some lagging or reporting errors, some not yet approving a deployment.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import { seedFleet } from './fleet';

export type TenantMixOptions = {
  environmentId: string;
  count: number;
  prefix: string;
  /** Active deployments of the environment: set-up tenants approve them (except every 10th). */
  deployments: { id: string; kid: string; publicJwk: JWK }[];
  batch?: number;
  onProgress?: (done: number, total: number) => void;
};

const pad = (i: number) => String(i).padStart(6, '0');

/** Seeds `count` tenants named `<prefix>-000000`…; returns how many of each kind. */
export async function seedTenantMix(db: PrismaClient, options: TenantMixOptions) {
  const { environmentId, count, prefix, deployments, batch = 250, onProgress } = options;
  const counts = { active: 0, invited: 0, suspended: 0, unapproved: 0, lagging: 0, errors: 0 };
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    // The last 15 % of each batch: invited tenants (no keys yet; an open invitation, every 4th expired).
    const invited = Math.floor(size * 0.15);
    const setUp = size - invited;
    const approving = (start / batch) % 10 === 9 ? [] : deployments;
    if (!approving.length && deployments.length) counts.unapproved += setUp;
    const fleet = await seedFleet(db, {
      environmentId,
      count: setUp,
      configsPerTenant: 1 + ((start / batch) % 3),
      recipients: approving.map((d) => ({ kid: d.kid, publicJwk: d.publicJwk })),
      prefix,
      first: start,
      batch: setUp,
    });
    const invitedRows = Array.from({ length: invited }, (_, k) => start + setUp + k);
    await db.tenant.createMany({
      data: invitedRows.map((i) => ({ id: `ten_${prefix}_${pad(i)}`, externalId: `${prefix}-${pad(i)}`, displayName: `Tenant ${prefix}-${pad(i)}`, environmentId })),
    });
    await db.invitation.createMany({
      data: invitedRows.map((i) => ({
        id: `inv_${prefix}_${pad(i)}`,
        kind: 'tenant_admin',
        tenantId: `ten_${prefix}_${pad(i)}`,
        email: `admin-${pad(i)}@${prefix}.example`,
        tokenHash: randomBytes(32).toString('base64url'),
        expiresAt: new Date(Date.now() + (i % 4 === 0 ? -1 : 7) * 86_400_000),
        lastSentAt: new Date(),
      })),
    });
    // Status reports: most applied; every 8th lags (reported nothing); every 50th reports an error.
    if (approving.length) {
      const reports = fleet.flatMap((t, j) =>
        j % 8 === 3 ? [] : approving.map((d) => ({ deploymentId: d.id, tenantId: t.id, appliedSeq: 1, appliedAt: new Date(), errors: j % 50 === 7 ? [{ tenantId: t.externalId, configId: null, code: 'kms_unreachable', message: null }] : [] })),
      );
      await db.deploymentTenantStatus.createMany({ data: reports });
      // They reported: without a last report they would be "not connected yet" (lib/delivery-state.ts), not lagging.
      await db.proxyDeployment.updateMany({ where: { id: { in: approving.map((d) => d.id) } }, data: { lastStatusAt: new Date() } });
      counts.lagging += fleet.filter((_, j) => j % 8 === 3).length;
      counts.errors += fleet.filter((_, j) => j % 8 !== 3 && j % 50 === 7).length;
    }
    // Every 40th set-up tenant is suspended.
    const suspended = fleet.filter((_, j) => j % 40 === 5).map((t) => t.id);
    await db.tenant.updateMany({ where: { id: { in: suspended } }, data: { status: 'suspended' } });
    counts.suspended += suspended.length;
    counts.active += setUp - suspended.length;
    counts.invited += invited;
    onProgress?.(start + size, count);
  }
  // Fresh statistics for the planner after a bulk load (the embedded database has no autovacuum).
  await db.$executeRawUnsafe('ANALYZE tenant, tenant_admin, invitation, tenant_config, deployment_tenant_status, proxy_deployment');
  return counts;
}
