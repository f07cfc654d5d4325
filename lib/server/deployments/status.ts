import 'server-only';
// Status reports (POST /api/v1/proxy/status): what a deployment has applied
// and what failed. Kept per deployment (cursor, environment seq, error list)
// and per tenant (applied state seq, that tenant's errors), so operators see
// propagation and tenant admins see which seq each deployment applied — the
// one way to notice a broker withholding updates. Proxies that deliver to
// SIEMs add their delivery health per configuration (siem-health.ts).
import type { TProxyStatus } from '@/lib/schemas/deployments';
import type { Prisma } from '@/lib/generated/prisma/client';
import { recordAuditBatch, type AuditContext } from '@/lib/server/audit/record';
import { BULK_TRANSACTION, getPrisma } from '@/lib/server/db';
import { environmentSeq } from '@/lib/server/dal/delivery';
import type { ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { decodeCursor } from '@/lib/server/delivery/cursor';
import { recordSiemHealth } from './siem-health';
import { deliveryEvents, type TenantDeliveryStatus } from './status-audit';
import { recordUsage } from './usage';

const KEPT_ERRORS = 100;
/** Samples for the overview charts: at most one a minute per deployment, kept a week. */
const SAMPLE_EVERY_MS = 60_000;
const SAMPLE_KEEP_MS = 7 * 86_400_000;

/** What this deployment last reported per tenant of its environment (by external id), for the report's tenants only. */
async function previousStatus(tx: Prisma.TransactionClient, deployment: ProxyPrincipal, tenants: string[]) {
  const rows = await tx.$queryRawUnsafe<{ ext: string; seq: number | null; errors: unknown }[]>(
    `SELECT t.external_id AS ext, s.applied_seq AS seq, s.errors
       FROM tenant t
       LEFT JOIN deployment_tenant_status s ON s.tenant_id = t.id AND s.deployment_id = $1
      WHERE t.environment_id = $2 AND t.external_id = ANY($3::text[])`,
    deployment.id,
    deployment.environmentId,
    tenants,
  );
  const previous = new Map<string, TenantDeliveryStatus>();
  const known = new Set<string>();
  for (const row of rows) {
    known.add(row.ext);
    if (row.seq === null) continue;
    const stored = typeof row.errors === 'string' ? (JSON.parse(row.errors) as unknown) : row.errors;
    const errors = Array.isArray(stored) ? (stored as { configId: string | null; code: string }[]) : [];
    // An error-only row has applied_seq 0: nothing applied yet.
    previous.set(row.ext, { seq: Number(row.seq) === 0 ? null : Number(row.seq), errors });
  }
  return { previous, known };
}

const only = <V>(map: Map<string, V>, keep: Set<string>) => new Map([...map].filter(([k]) => keep.has(k)));

export async function recordStatus(deployment: ProxyPrincipal, report: TProxyStatus, context?: AuditContext): Promise<{ tenants: number; errors: number }> {
  const db = await getPrisma();
  const envSeq = await environmentSeq(db, deployment.environmentId);
  const cursor = report.cursor === null ? null : decodeCursor(report.cursor, envSeq);
  const appliedSeq = cursor?.kind === 'delta' ? cursor.seq : null;

  const applied = new Map(report.tenants.map((t) => [t.tenantId, t.seq]));
  const errorsByTenant = new Map<string, { configId: string | null; code: string; message: string | null; seq?: number }[]>();
  for (const e of report.errors) {
    const list = errorsByTenant.get(e.tenantId) ?? [];
    // seq: the last tenant state a proxy applied before the broker stopped handing the tenant over (tenant_withheld, tenant_suspended).
    list.push({ configId: e.configId ?? null, code: e.code, message: e.message ?? null, ...(e.seq === undefined ? {} : { seq: e.seq }) });
    errorsByTenant.set(e.tenantId, list);
  }
  const now = new Date();

  return db.$transaction(async (tx) => {
    // One report at a time per deployment (its replicas report concurrently): without this row lock,
    // two reports upserting the same tenants' rows in different orders deadlock on PostgreSQL.
    await tx.$executeRawUnsafe('SELECT 1 FROM proxy_deployment WHERE id = $1 FOR UPDATE', deployment.id);
    const { previous: before, known } = await previousStatus(tx, deployment, [...new Set([...applied.keys(), ...errorsByTenant.keys()])]);
    let tenants = 0;
    if (applied.size) {
      tenants = await tx.$executeRawUnsafe(
        `INSERT INTO deployment_tenant_status (deployment_id, tenant_id, applied_seq, applied_at, errors, updated_at)
         SELECT $1, t.id, x.seq, $4, '[]'::jsonb, $4
           FROM unnest($2::text[], $3::int[]) AS x(ext, seq)
           JOIN tenant t ON t.external_id = x.ext AND t.environment_id = $5
         ON CONFLICT (deployment_id, tenant_id) DO UPDATE
           SET applied_at = CASE WHEN deployment_tenant_status.applied_seq <> EXCLUDED.applied_seq THEN EXCLUDED.applied_at ELSE deployment_tenant_status.applied_at END,
               applied_seq = EXCLUDED.applied_seq,
               updated_at = EXCLUDED.updated_at`,
        deployment.id,
        [...applied.keys()],
        [...applied.values()],
        now,
        deployment.environmentId,
      );
    }
    // The error list replaces the previous one.
    await tx.$executeRawUnsafe(`UPDATE deployment_tenant_status SET errors = '[]'::jsonb, updated_at = $2 WHERE deployment_id = $1 AND errors <> '[]'::jsonb`, deployment.id, now);
    if (errorsByTenant.size) {
      await tx.$executeRawUnsafe(
        `INSERT INTO deployment_tenant_status (deployment_id, tenant_id, applied_seq, errors, updated_at)
         SELECT $1, t.id, 0, x.errors::jsonb, $4
           FROM unnest($2::text[], $3::text[]) AS x(ext, errors)
           JOIN tenant t ON t.external_id = x.ext AND t.environment_id = $5
         ON CONFLICT (deployment_id, tenant_id) DO UPDATE SET errors = EXCLUDED.errors, updated_at = EXCLUDED.updated_at`,
        deployment.id,
        [...errorsByTenant.keys()],
        [...errorsByTenant.values()].map((list) => JSON.stringify(list)),
        now,
        deployment.environmentId,
      );
    }
    const { name } = await tx.proxyDeployment.update({
      select: { name: true },
      where: { id: deployment.id },
      data: {
        lastStatusAt: now,
        ...(report.cursor !== null ? { appliedCursor: report.cursor } : {}),
        ...(appliedSeq !== null ? { appliedSeq } : {}),
        errorCount: report.errors.length,
        errors: report.errors.slice(0, KEPT_ERRORS).map((e) => ({ tenantId: e.tenantId, configId: e.configId ?? null, code: e.code, message: e.message ?? null, ...(e.seq === undefined ? {} : { seq: e.seq }) })),
      },
    });
    const previous = await tx.deploymentStatusSample.findFirst({ where: { deploymentId: deployment.id }, orderBy: { at: 'desc' }, select: { at: true } });
    if (!previous || now.getTime() - previous.at.getTime() >= SAMPLE_EVERY_MS) {
      await tx.deploymentStatusSample.create({
        data: { deploymentId: deployment.id, at: now, lag: appliedSeq === null ? null : Math.max(0, envSeq - appliedSeq), errorCount: report.errors.length },
      });
      await tx.deploymentStatusSample.deleteMany({ where: { deploymentId: deployment.id, at: { lt: new Date(now.getTime() - SAMPLE_KEEP_MS) } } });
    }
    // SIEM delivery health: telemetry, kept apart from the audit trail.
    await recordSiemHealth(tx, deployment, report, now);
    // Key-use counters per configuration and minute (SET: a repeated report replaces), with their hourly rollup.
    await recordUsage(tx, deployment, report, now);
    // Last: the audit chain lock.
    await recordAuditBatch(tx, deliveryEvents({ id: deployment.id, name }, before, only(applied, known), only(errorsByTenant, known), context));
    return { tenants, errors: report.errors.length };
  }, BULK_TRANSACTION);
}
