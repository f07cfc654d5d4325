import 'server-only';
// SIEM delivery health (issue 22): what each proxy instance reports about its
// delivery to each SIEM configuration, kept per (deployment, instance, tenant,
// configuration) in siem_delivery_status. Telemetry, not history: never in the
// audit trail, bounded by what proxies serve — rows leave when an instance's
// full list omits them, after 24 hours without a report, and when a deployment
// has more than MAX_INSTANCES instances on record (the longest silent first).
import type { TProxyStatus } from '@/lib/schemas/deployments';
import type { TSiemDelivery, TSiemDeliveryInstance, TSiemDeliverySummary } from '@/lib/schemas/siem-delivery';
import type { TSiemErrorCode, TSiemHealth } from '@/lib/schemas/siem-health';
import type { Prisma } from '@/lib/generated/prisma/client';
import { siemDeploymentState, siemInstanceState } from '@/lib/siem-delivery-state';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import type { ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { AppError } from '@/lib/server/errors';

/** Rows not named by any report for this long are forgotten. */
export const SIEM_KEEP_MS = 24 * 3_600_000;
/** Instances one deployment keeps on record (replicas, and restarts under new ids within a day). */
export const MAX_INSTANCES = 64;

/**
 * Stores the report's SIEM health, in the status report's transaction (after its deployment row lock, so one
 * deployment's reports never interleave). Tenants are matched by external id in the deployment's environment, among
 * those that approved it (only they hand it their configurations), and configurations must be that tenant's SIEM
 * configurations: anything else is ignored. Returns the rows written.
 */
export async function recordSiemHealth(tx: Prisma.TransactionClient, deployment: ProxyPrincipal, report: TProxyStatus, now: Date): Promise<number> {
  // Rows not named for a day go, whatever the report holds (a proxy downgraded to one that reports none included).
  await tx.$executeRawUnsafe('DELETE FROM siem_delivery_status WHERE deployment_id = $1 AND reported_at < $2', deployment.id, new Date(now.getTime() - SIEM_KEEP_MS));
  if (report.instanceId === undefined || (report.siem === undefined && !report.siemFull)) return 0;
  const instanceId = report.instanceId;
  // The last entry for a configuration wins: one statement cannot update a row twice.
  const entries = [...new Map((report.siem ?? []).map((e) => [`${e.tenantId}\u0000${e.configId}`, e])).values()];
  const isNew =
    (await tx.$queryRawUnsafe<unknown[]>('SELECT 1 FROM siem_delivery_status WHERE deployment_id = $1 AND instance_id = $2 LIMIT 1', deployment.id, instanceId)).length === 0;
  let written = 0;
  if (entries.length) {
    const col = <V>(pick: (e: TSiemHealth) => V) => entries.map(pick);
    written = await tx.$executeRawUnsafe(
      `INSERT INTO siem_delivery_status AS s (deployment_id, instance_id, tenant_id, config_id, version, sent, retried, dropped, backlog,
              last_success_at, last_error_code, failing_since, on_full, dropped_at, reported_at)
       SELECT $1, $2, t.id, c.id, x.version, x.sent, x.retried, x.dropped, x.backlog, x.last_success_at, x.code, x.failing_since, x.on_full,
              CASE WHEN x.dropped > 0 THEN $15::timestamptz END, $15
         FROM unnest($3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                     $10::timestamptz[], $11::text[], $12::timestamptz[], $13::text[])
              AS x(ext, config, version, sent, retried, dropped, backlog, last_success_at, code, failing_since, on_full)
         JOIN tenant t ON t.external_id = x.ext AND t.environment_id = $14 AND $16 = ANY(t.recipient_kids)
         JOIN tenant_config c ON c.id = x.config AND c.tenant_id = t.id AND c.kind = 'siem'
       ON CONFLICT (deployment_id, instance_id, tenant_id, config_id) DO UPDATE
         SET version = EXCLUDED.version, sent = EXCLUDED.sent, retried = EXCLUDED.retried, dropped = EXCLUDED.dropped, backlog = EXCLUDED.backlog,
             last_success_at = EXCLUDED.last_success_at, last_error_code = EXCLUDED.last_error_code, failing_since = EXCLUDED.failing_since,
             on_full = EXCLUDED.on_full, reported_at = EXCLUDED.reported_at,
             -- Counts restart with the instance: only a rise is a new loss.
             dropped_at = CASE WHEN EXCLUDED.dropped > s.dropped OR (EXCLUDED.dropped > 0 AND EXCLUDED.dropped < s.dropped) THEN EXCLUDED.reported_at ELSE s.dropped_at END`,
      deployment.id,
      instanceId,
      col((e) => e.tenantId),
      col((e) => e.configId),
      col((e) => e.version),
      col((e) => e.sent),
      col((e) => e.retried),
      col((e) => e.dropped),
      col((e) => e.backlog),
      col((e) => e.lastSuccessAt),
      col((e) => e.lastErrorCode),
      col((e) => e.failingSince),
      col((e) => e.onFull),
      deployment.environmentId,
      now,
      deployment.kid,
    );
  }
  // A full list: what it does not name (or named but was ignored) this instance no longer serves.
  if (report.siemFull) {
    await tx.$executeRawUnsafe('DELETE FROM siem_delivery_status WHERE deployment_id = $1 AND instance_id = $2 AND reported_at < $3', deployment.id, instanceId, now);
  }
  if (isNew && written > 0) {
    await tx.$executeRawUnsafe(
      `DELETE FROM siem_delivery_status WHERE deployment_id = $1 AND instance_id IN (
         SELECT instance_id FROM siem_delivery_status WHERE deployment_id = $1 GROUP BY instance_id ORDER BY max(reported_at) DESC, instance_id OFFSET $2)`,
      deployment.id,
      MAX_INSTANCES,
    );
  }
  return written;
}

type Row = {
  deploymentId: string;
  instanceId: string;
  version: number;
  sent: bigint;
  retried: bigint;
  dropped: bigint;
  backlog: bigint;
  lastSuccessAt: Date | null;
  lastErrorCode: string | null;
  failingSince: Date | null;
  droppedAt: Date | null;
  onFull: string;
  reportedAt: Date;
};

function toInstance(r: Row, now: number): TSiemDeliveryInstance {
  const base = {
    instanceId: r.instanceId,
    version: r.version,
    sent: Number(r.sent),
    retried: Number(r.retried),
    dropped: Number(r.dropped),
    backlog: Number(r.backlog),
    lastSuccessAt: r.lastSuccessAt?.toISOString() ?? null,
    lastErrorCode: r.lastErrorCode as TSiemErrorCode | null,
    failingSince: r.failingSince?.toISOString() ?? null,
    droppedAt: r.droppedAt?.toISOString() ?? null,
    onFull: r.onFull === 'refuse' ? ('refuse' as const) : ('drop' as const),
    reportedAt: r.reportedAt.toISOString(),
  };
  return { ...base, state: siemInstanceState(base, now) };
}

const ROW_SELECT = {
  deploymentId: true, instanceId: true, version: true, sent: true, retried: true, dropped: true, backlog: true,
  lastSuccessAt: true, lastErrorCode: true, failingSince: true, droppedAt: true, onFull: true, reportedAt: true,
} as const;

/** A tenant admin's view of delivery to one of the tenant's SIEM configurations; another tenant's id is not found. */
export async function getConfigDelivery(access: TenantAccess, configId: string): Promise<TSiemDelivery> {
  const db = await getPrisma();
  const config = await db.tenantConfig.findFirst({ where: { id: configId, tenantId: access.tenant.id }, select: { id: true, tenant: { select: { environmentId: true } } } });
  if (!config) throw new AppError('not_found');
  const rows = await db.siemDeliveryStatus.findMany({
    where: { tenantId: access.tenant.id, configId: config.id, deployment: { environmentId: config.tenant.environmentId } },
    orderBy: [{ deploymentId: 'asc' }, { instanceId: 'asc' }],
    select: { ...ROW_SELECT, deployment: { select: { name: true } } },
  });
  const now = Date.now();
  const byDeployment = new Map<string, { id: string; name: string; instances: TSiemDeliveryInstance[] }>();
  for (const r of rows) {
    const entry = byDeployment.get(r.deploymentId) ?? { id: r.deploymentId, name: r.deployment.name, instances: [] };
    entry.instances.push(toInstance(r, now));
    byDeployment.set(r.deploymentId, entry);
  }
  const deployments = [...byDeployment.values()]
    .map((d) => ({ ...d, state: siemDeploymentState(d.instances, now) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { generatedAt: new Date(now).toISOString(), deployments };
}

/**
 * For operators: per deployment, how delivery to the tenant's SIEM configurations goes — counts and error codes,
 * nothing of the settings. A configuration counts once per deployment, with the state of its worst current instance.
 */
export async function summarizeSiemDelivery(tenantId: string): Promise<Map<string, TSiemDeliverySummary>> {
  const db = await getPrisma();
  const rows = await db.siemDeliveryStatus.findMany({ where: { tenantId }, select: { ...ROW_SELECT, configId: true } });
  const now = Date.now();
  const grouped = new Map<string, Map<string, TSiemDeliveryInstance[]>>();
  for (const r of rows) {
    const configs = grouped.get(r.deploymentId) ?? new Map<string, TSiemDeliveryInstance[]>();
    configs.set(r.configId, [...(configs.get(r.configId) ?? []), toInstance(r, now)]);
    grouped.set(r.deploymentId, configs);
  }
  const out = new Map<string, TSiemDeliverySummary>();
  for (const [deploymentId, configs] of grouped) {
    const summary: TSiemDeliverySummary = { configs: configs.size, delivering: 0, failing: 0, codes: [], backlog: 0, dropped: 0 };
    const codes = new Set<TSiemErrorCode>();
    for (const instances of configs.values()) {
      const state = siemDeploymentState(instances, now);
      if (state === 'delivering' || state === 'no_events_yet') summary.delivering++;
      if (state === 'failing' || state === 'losing') summary.failing++;
      for (const i of instances) {
        if (i.state === 'stale') continue;
        summary.backlog += i.backlog;
        summary.dropped += i.dropped;
        if (i.lastErrorCode) codes.add(i.lastErrorCode);
      }
    }
    summary.codes = [...codes].sort();
    out.set(deploymentId, summary);
  }
  return out;
}
