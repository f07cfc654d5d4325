import 'server-only';
// Key-use counters (issue 23 "Usage", docs/database.md "Usage counters"):
// what each proxy instance reports per configuration and whole minute, SET in
// config_usage_minute by (deployment, instance, tenant, configuration,
// minute) in the status report's transaction, and rolled up per hour (the
// instances summed) into config_usage_hour by difference (new minus stored).
// Minute rows are kept 3 hours (reports more than 2 hours late are refused),
// hour rows 30 days; each report prunes a
// bounded number of its deployment's old rows. Telemetry, never audited, and
// not proven: every figure names the deployment that reported it.
import type { Prisma } from '@/lib/generated/prisma/client';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import { ZERO_USAGE, type TConfigUsageView, type TTenantUsageSummary, type TTopTenantUsage, type TUsageCounts, type TUsageMinute, type TUsageRange } from '@/lib/schemas/usage';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import type { ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { AppError } from '@/lib/server/errors';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Minute rows are needed only to recompute an hour a late report touches: the late window plus the hour. */
export const USAGE_MINUTES_KEEP_MS = 3 * HOUR;
export const USAGE_HOURS_KEEP_MS = 30 * DAY + HOUR;
/** Minutes older than this are refused: their hour could no longer be recomputed from minute rows. */
export const USAGE_LATE_MS = USAGE_MINUTES_KEEP_MS - HOUR;
/** Rows one report prunes at most, per table: more than a minute of reports from 10 000 tenants adds. */
export const USAGE_PRUNE_BATCH = 50_000;
const INT_MAX = 2_147_483_647;

const clamp = (n: number) => Math.min(n, INT_MAX);
const sumFailures = (f: Record<string, number>) => Object.values(f).reduce((a, b) => a + b, 0);

/** Deletes at most `limit` of the deployment's rows older than `before` from one usage table. */
async function pruneTable(tx: Prisma.TransactionClient, table: 'config_usage_minute' | 'config_usage_hour', deploymentId: string, before: Date, limit: number): Promise<number> {
  const column = table === 'config_usage_minute' ? 'minute' : 'hour';
  return tx.$executeRawUnsafe(
    `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE deployment_id = $1 AND ${column} < $2 LIMIT $3)`,
    deploymentId,
    before,
    limit,
  );
}

export async function pruneUsage(tx: Prisma.TransactionClient, deploymentId: string, now: Date, limit = USAGE_PRUNE_BATCH): Promise<{ minutes: number; hours: number }> {
  const minutes = await pruneTable(tx, 'config_usage_minute', deploymentId, new Date(now.getTime() - USAGE_MINUTES_KEEP_MS), limit);
  const hours = await pruneTable(tx, 'config_usage_hour', deploymentId, new Date(now.getTime() - USAGE_HOURS_KEEP_MS), limit);
  return { minutes, hours };
}

/**
 * Stores the report's usage, in the status report's transaction (after its deployment row lock). Tenants are matched
 * by external id in the deployment's environment among those that approved it, configurations must be the tenant's;
 * anything else is ignored, as are minutes too old to roll up or more than five minutes ahead. Returns the minute rows
 * written.
 */
export async function recordUsage(tx: Prisma.TransactionClient, deployment: ProxyPrincipal, report: Pick<TProxyStatus, 'instanceId' | 'usage'>, now: Date): Promise<number> {
  await pruneUsage(tx, deployment.id, now);
  if (report.instanceId === undefined || !report.usage?.length) return 0;
  const oldest = now.getTime() - USAGE_LATE_MS;
  const newest = now.getTime() + 5 * 60_000;
  // The last entry for a (configuration, minute) wins: one statement cannot update a row twice.
  const entries = [
    ...new Map(
      report.usage.filter((u) => Date.parse(u.minute) >= oldest && Date.parse(u.minute) <= newest).map((u) => [`${u.tenantId}\u0000${u.configId}\u0000${Date.parse(u.minute)}`, u]),
    ).values(),
  ];
  if (!entries.length) return 0;
  const col = <V>(pick: (u: TUsageMinute) => V) => entries.map(pick);
  // One statement: the SET, and what it changed per minute (the stored values, read in the snapshot before the write).
  const changed = await tx.$queryRawUnsafe<TMinuteChange[]>(
    `WITH x AS (
       SELECT t.id AS tenant_id, c.id AS config_id, x.minute, x.wraps, x.unwraps, x.rekeys, x.failed, x.failures::jsonb AS failures, x.leased, x.sent, x.dropped
         FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::int[], $8::int[], $9::int[], $10::text[], $11::int[], $12::int[], $13::int[])
              AS x(ext, config, minute, wraps, unwraps, rekeys, failed, failures, leased, sent, dropped)
         JOIN tenant t ON t.external_id = x.ext AND t.environment_id = $14 AND $16 = ANY(t.recipient_kids)
         JOIN tenant_config c ON c.id = x.config AND c.tenant_id = t.id),
     up AS (
       INSERT INTO config_usage_minute (deployment_id, instance_id, tenant_id, config_id, minute, wraps, unwraps, rekeys, failed, failures,
              leased_hits, siem_sent, siem_dropped, reported_at)
       SELECT $1, $2, tenant_id, config_id, minute, wraps, unwraps, rekeys, failed, failures, leased, sent, dropped, $15 FROM x
       ON CONFLICT (deployment_id, instance_id, tenant_id, config_id, minute) DO UPDATE
         SET wraps = EXCLUDED.wraps, unwraps = EXCLUDED.unwraps, rekeys = EXCLUDED.rekeys, failed = EXCLUDED.failed, failures = EXCLUDED.failures,
             leased_hits = EXCLUDED.leased_hits, siem_sent = EXCLUDED.siem_sent, siem_dropped = EXCLUDED.siem_dropped, reported_at = EXCLUDED.reported_at)
     SELECT x.tenant_id, x.config_id, x.minute,
            x.wraps - coalesce(o.wraps, 0) AS wraps, x.unwraps - coalesce(o.unwraps, 0) AS unwraps, x.rekeys - coalesce(o.rekeys, 0) AS rekeys,
            x.failed - coalesce(o.failed, 0) AS failed, x.leased - coalesce(o.leased_hits, 0) AS leased_hits,
            x.sent - coalesce(o.siem_sent, 0) AS siem_sent, x.dropped - coalesce(o.siem_dropped, 0) AS siem_dropped,
            x.failures AS new_failures, o.failures AS old_failures, (x.wraps + x.unwraps + x.rekeys > 0) AS used
       -- Every row of x is written (inserted or updated), so x itself lists the changes; joining the CTE's RETURNING
       -- instead made the planner loop over both lists (8 s at 10 000 entries on PGlite).
       FROM x
       -- The same snapshot as the write: the values stored before it. One primary-key lookup per entry.
       LEFT JOIN LATERAL (SELECT * FROM config_usage_minute m
                           WHERE m.deployment_id = $1 AND m.instance_id = $2 AND m.tenant_id = x.tenant_id AND m.config_id = x.config_id AND m.minute = x.minute) o ON true`,
    deployment.id,
    report.instanceId,
    col((u) => u.tenantId),
    col((u) => u.configId),
    col((u) => new Date(u.minute)),
    col((u) => clamp(u.wraps)),
    col((u) => clamp(u.unwraps)),
    col((u) => clamp(u.rekeys)),
    col((u) => clamp(sumFailures(u.failures))),
    col((u) => JSON.stringify(u.failures)),
    col((u) => clamp(u.leasedHits)),
    col((u) => clamp(u.siemSent)),
    col((u) => clamp(u.siemDropped)),
    deployment.environmentId,
    now,
    deployment.kid,
  );
  await addToHours(tx, deployment.id, changed);
  return changed.length;
}

type TMinuteChange = {
  tenant_id: string;
  config_id: string;
  minute: Date;
  wraps: number;
  unwraps: number;
  rekeys: number;
  failed: number;
  leased_hits: number;
  siem_sent: number;
  siem_dropped: number;
  new_failures: unknown;
  old_failures: unknown;
  used: boolean;
};

const COUNT_COLUMNS = ['wraps', 'unwraps', 'rekeys', 'failed', 'leased_hits', 'siem_sent', 'siem_dropped'] as const;
const asRecord = (value: unknown): Record<string, number> => (typeof value === 'string' ? (JSON.parse(value) as Record<string, number>) : ((value ?? {}) as Record<string, number>));

/**
 * The hourly rollup, kept by difference: each changed minute adds what it changed (new minus stored) to its hour
 * (the deployment's instances summed), so a report costs its own entries, not the hour's other minutes.
 */
async function addToHours(tx: Prisma.TransactionClient, deploymentId: string, changes: TMinuteChange[]): Promise<void> {
  type THour = { tenant: string; config: string; hour: Date; counts: Record<(typeof COUNT_COLUMNS)[number], number>; failures: Record<string, number>; lastUsed: Date | null };
  const hours = new Map<string, THour>();
  for (const c of changes) {
    const start = c.minute.getTime() - (c.minute.getTime() % HOUR);
    const key = `${c.tenant_id}\u0000${c.config_id}\u0000${start}`;
    const h = hours.get(key) ?? { tenant: c.tenant_id, config: c.config_id, hour: new Date(start), counts: { wraps: 0, unwraps: 0, rekeys: 0, failed: 0, leased_hits: 0, siem_sent: 0, siem_dropped: 0 }, failures: {}, lastUsed: null };
    for (const column of COUNT_COLUMNS) h.counts[column] += Number(c[column]);
    for (const [code, n] of Object.entries(asRecord(c.new_failures))) h.failures[code] = (h.failures[code] ?? 0) + Number(n);
    for (const [code, n] of Object.entries(asRecord(c.old_failures))) h.failures[code] = (h.failures[code] ?? 0) - Number(n);
    if (c.used && (h.lastUsed === null || c.minute > h.lastUsed)) h.lastUsed = c.minute;
    hours.set(key, h);
  }
  const list = [...hours.values()];
  if (!list.length) return;
  const pick = <V>(f: (h: THour) => V) => list.map(f);
  await tx.$executeRawUnsafe(
    `INSERT INTO config_usage_hour AS h (deployment_id, tenant_id, config_id, hour, wraps, unwraps, rekeys, failed, leased_hits, siem_sent, siem_dropped, failures, last_used_at)
     SELECT $1, x.* FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],
                                $12::jsonb[], $13::timestamptz[]) AS x
     ON CONFLICT (deployment_id, tenant_id, config_id, hour) DO UPDATE
       SET wraps = h.wraps + EXCLUDED.wraps, unwraps = h.unwraps + EXCLUDED.unwraps, rekeys = h.rekeys + EXCLUDED.rekeys, failed = h.failed + EXCLUDED.failed,
           leased_hits = h.leased_hits + EXCLUDED.leased_hits, siem_sent = h.siem_sent + EXCLUDED.siem_sent, siem_dropped = h.siem_dropped + EXCLUDED.siem_dropped,
           failures = (SELECT coalesce(jsonb_object_agg(code, n) FILTER (WHERE n <> 0), '{}'::jsonb)
                         FROM (SELECT e.key AS code, sum(e.value::bigint) AS n
                                 FROM (SELECT * FROM jsonb_each_text(h.failures) UNION ALL SELECT * FROM jsonb_each_text(EXCLUDED.failures)) e GROUP BY e.key) s),
           last_used_at = GREATEST(h.last_used_at, EXCLUDED.last_used_at)`,
    deploymentId,
    pick((h) => h.tenant),
    pick((h) => h.config),
    pick((h) => h.hour),
    ...COUNT_COLUMNS.map((column) => pick((h) => h.counts[column])),
    pick((h) => JSON.stringify(Object.fromEntries(Object.entries(h.failures).filter(([, n]) => n !== 0)))),
    pick((h) => h.lastUsed),
  );
}

type HourRow = {
  deployment_id: string;
  start: Date;
  wraps: bigint | number;
  unwraps: bigint | number;
  rekeys: bigint | number;
  failed: bigint | number;
  leased_hits: bigint | number;
  siem_sent: bigint | number;
  siem_dropped: bigint | number;
};

const countsOf = (r: HourRow): TUsageCounts => ({
  wraps: Number(r.wraps),
  unwraps: Number(r.unwraps),
  rekeys: Number(r.rekeys),
  failed: Number(r.failed),
  leasedHits: Number(r.leased_hits),
  siemSent: Number(r.siem_sent),
  siemDropped: Number(r.siem_dropped),
});
const add = (a: TUsageCounts, b: TUsageCounts): TUsageCounts => ({
  wraps: a.wraps + b.wraps,
  unwraps: a.unwraps + b.unwraps,
  rekeys: a.rekeys + b.rekeys,
  failed: a.failed + b.failed,
  leasedHits: a.leasedHits + b.leasedHits,
  siemSent: a.siemSent + b.siemSent,
  siemDropped: a.siemDropped + b.siemDropped,
});

const SUMS = `sum(wraps) AS wraps, sum(unwraps) AS unwraps, sum(rekeys) AS rekeys, sum(failed) AS failed,
              sum(leased_hits) AS leased_hits, sum(siem_sent) AS siem_sent, sum(siem_dropped) AS siem_dropped`;

/** The range's buckets: 24 hours up to the current one, or 30 days up to today (UTC). */
export function usageBuckets(range: TUsageRange, now: number): { bucket: 'hour' | 'day'; size: number; starts: number[] } {
  const size = range === '24h' ? HOUR : DAY;
  const count = range === '24h' ? 24 : 30;
  const last = now - (now % size);
  return { bucket: range === '24h' ? 'hour' : 'day', size, starts: Array.from({ length: count }, (_, i) => last - (count - 1 - i) * size) };
}

/** A tenant admin's view of one of the tenant's configurations' usage; another tenant's id is not found. */
export async function getConfigUsage(access: TenantAccess, configId: string, range: TUsageRange, now = Date.now()): Promise<TConfigUsageView> {
  const db = await getPrisma();
  const config = await db.tenantConfig.findFirst({ where: { id: configId, tenantId: access.tenant.id }, select: { id: true, kind: true } });
  if (!config) throw new AppError('not_found');
  const { bucket, size, starts } = usageBuckets(range, now);
  const from = new Date(starts[0] as number);
  const trunc = bucket === 'hour' ? 'hour' : `date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  const rows = await db.$queryRawUnsafe<HourRow[]>(
    `SELECT deployment_id, ${trunc} AS start, ${SUMS} FROM config_usage_hour
      WHERE tenant_id = $1 AND config_id = $2 AND hour >= $3 GROUP BY 1, 2`,
    access.tenant.id,
    config.id,
    from,
  );
  const last = await db.$queryRawUnsafe<{ deployment_id: string; at: Date }[]>(
    `SELECT deployment_id, last_used_at AS at FROM config_usage_hour
      WHERE tenant_id = $1 AND config_id = $2 AND hour >= $3 AND last_used_at IS NOT NULL ORDER BY last_used_at DESC, deployment_id LIMIT 1`,
    access.tenant.id,
    config.id,
    from,
  );
  const errors = await db.$queryRawUnsafe<{ code: string; n: bigint | number; deployments: string[] }[]>(
    `SELECT e.key AS code, sum(e.value::bigint) AS n, array_agg(DISTINCT h.deployment_id) AS deployments
       FROM config_usage_hour h, jsonb_each_text(h.failures) AS e
      WHERE h.tenant_id = $1 AND h.config_id = $2 AND h.hour >= $3
      GROUP BY e.key ORDER BY n DESC, code LIMIT 5`,
    access.tenant.id,
    config.id,
    from,
  );
  const ids = [...new Set([...rows.map((r) => r.deployment_id), ...last.map((r) => r.deployment_id)])];
  const names = new Map((await db.proxyDeployment.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((d) => [d.id, d.name]));
  const index = new Map(starts.map((s, i) => [s, i]));
  const deployments = new Map<string, TConfigUsageView['deployments'][number]>();
  const total = starts.map(() => ({ ...ZERO_USAGE }));
  for (const r of rows) {
    const i = index.get(r.start.getTime() - (r.start.getTime() % size));
    if (i === undefined) continue;
    const d = deployments.get(r.deployment_id) ?? { id: r.deployment_id, name: names.get(r.deployment_id) ?? r.deployment_id, buckets: starts.map(() => ({ ...ZERO_USAGE })), sum: { ...ZERO_USAGE } };
    const counts = countsOf(r);
    d.buckets[i] = add(d.buckets[i] as TUsageCounts, counts);
    d.sum = add(d.sum, counts);
    total[i] = add(total[i] as TUsageCounts, counts);
    deployments.set(r.deployment_id, d);
  }
  const lastRow = last[0];
  return {
    configId: config.id,
    kind: config.kind === 'siem' ? 'siem' : 'kms',
    range,
    bucket,
    starts: starts.map((s) => new Date(s).toISOString()),
    total,
    deployments: [...deployments.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    lastUsed: lastRow ? { at: lastRow.at.toISOString(), deploymentId: lastRow.deployment_id, deploymentName: names.get(lastRow.deployment_id) ?? lastRow.deployment_id } : null,
    topErrors: errors.map((e) => ({ code: e.code, count: Number(e.n), deployments: e.deployments.map((id) => names.get(id) ?? id).sort() })),
  };
}

/** For operators: one tenant's key use in the last 24 hours and 30 days, and its commonest error codes (metadata only). */
export async function summarizeTenantUsage(tenantId: string, now = Date.now()): Promise<TTenantUsageSummary> {
  const db = await getPrisma();
  const monthFrom = new Date(now - 30 * DAY);
  const dayFrom = new Date(now - DAY);
  const [totals] = await db.$queryRawUnsafe<(HourRow & { d_wraps: bigint; d_unwraps: bigint; d_rekeys: bigint; d_failed: bigint; d_leased: bigint; d_sent: bigint; d_dropped: bigint; last: Date | null })[]>(
    `SELECT ${SUMS},
            coalesce(sum(wraps) FILTER (WHERE hour >= $3), 0) AS d_wraps, coalesce(sum(unwraps) FILTER (WHERE hour >= $3), 0) AS d_unwraps,
            coalesce(sum(rekeys) FILTER (WHERE hour >= $3), 0) AS d_rekeys, coalesce(sum(failed) FILTER (WHERE hour >= $3), 0) AS d_failed,
            coalesce(sum(leased_hits) FILTER (WHERE hour >= $3), 0) AS d_leased, coalesce(sum(siem_sent) FILTER (WHERE hour >= $3), 0) AS d_sent,
            coalesce(sum(siem_dropped) FILTER (WHERE hour >= $3), 0) AS d_dropped, max(last_used_at) AS last
       FROM config_usage_hour WHERE tenant_id = $1 AND hour >= $2`,
    tenantId,
    monthFrom,
    dayFrom,
  );
  const errors = await db.$queryRawUnsafe<{ code: string; n: bigint | number }[]>(
    `SELECT e.key AS code, sum(e.value::bigint) AS n FROM config_usage_hour h, jsonb_each_text(h.failures) AS e
      WHERE h.tenant_id = $1 AND h.hour >= $2 GROUP BY e.key ORDER BY n DESC, code LIMIT 5`,
    tenantId,
    monthFrom,
  );
  const t = totals;
  const month = t && t.wraps !== null ? countsOf(t) : { ...ZERO_USAGE };
  const day: TUsageCounts = t
    ? { wraps: Number(t.d_wraps), unwraps: Number(t.d_unwraps), rekeys: Number(t.d_rekeys), failed: Number(t.d_failed), leasedHits: Number(t.d_leased), siemSent: Number(t.d_sent), siemDropped: Number(t.d_dropped) }
    : { ...ZERO_USAGE };
  return { day, month, topErrors: errors.map((e) => ({ code: e.code, count: Number(e.n) })), lastUsedAt: t?.last?.toISOString() ?? null };
}

/** For the operators' overview: the tenants with the most key use in the last 24 hours, with their failures (metadata only). */
export async function topTenantsByUsage(limit = 10, now = Date.now()): Promise<TTopTenantUsage[]> {
  const db = await getPrisma();
  const rows = await db.$queryRawUnsafe<{ tenant_id: string; external_id: string; display_name: string; uses: bigint | number; failed: bigint | number; codes: Record<string, unknown>[] | null }[]>(
    `SELECT h.tenant_id, t.external_id, t.display_name, sum(h.wraps + h.unwraps + h.rekeys) AS uses, sum(h.failed) AS failed,
            array_agg(h.failures) FILTER (WHERE h.failed > 0) AS codes
       FROM config_usage_hour h JOIN tenant t ON t.id = h.tenant_id
      WHERE h.hour >= $1 GROUP BY h.tenant_id, t.external_id, t.display_name
      ORDER BY sum(h.wraps + h.unwraps + h.rekeys + h.failed) DESC, h.tenant_id LIMIT $2`,
    new Date(now - DAY),
    limit,
  );
  return rows.map((r) => {
    const byCode = new Map<string, number>();
    for (const f of r.codes ?? []) {
      const record = typeof f === 'string' ? (JSON.parse(f) as Record<string, number>) : (f as Record<string, number>);
      for (const [code, n] of Object.entries(record)) byCode.set(code, (byCode.get(code) ?? 0) + Number(n));
    }
    const topCode = [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    return { tenantId: r.tenant_id, externalId: r.external_id, displayName: r.display_name, uses: Number(r.uses), failed: Number(r.failed), topCode };
  });
}
