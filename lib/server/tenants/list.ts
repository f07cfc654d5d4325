import 'server-only';
// The operators' tenant list (console page and GET /api/v1/vendor/tenants):
// one keyset-paginated query over the tenant table and its summary columns,
// one count, and four small lookups for the page's rows (admins,
// invitations, deployments, delivery status). Metadata only.
import { deliveryState, stoppedOf } from '@/lib/delivery-state';
import type { TTenantListPage, TTenantListQuery, TTenantListRow } from '@/lib/schemas/tenant-list';
import { getPrisma } from '@/lib/server/db';
import { buildWhere, encodeCursor, SORT_SQL } from './list-sql';
import { plural } from '@/lib/plural';

type TenantRecord = {
  id: string;
  external_id: string;
  display_name: string;
  status: TTenantListRow['status'];
  state_seq: number;
  kms_count: number;
  kms_primary_provider: string | null;
  siem_count: number;
  siem_primary_provider: string | null;
  last_change_at: Date;
  created_at: Date;
  deletion_requested_at: Date | null;
  recipient_kids: string[];
  environment_id: string;
  env_slug: string;
  env_name: string;
};

export async function listTenantsPage(query: TTenantListQuery): Promise<TTenantListPage> {
  const db = await getPrisma();
  const sort = SORT_SQL[query.sort];
  const dir = query.order === 'asc' ? 'ASC' : 'DESC';
  const page = buildWhere(query, { withCursor: true });
  const counted = buildWhere(query, { withCursor: false });
  const from = 'FROM tenant t JOIN environment e ON e.id = t.environment_id';

  const [records, totals] = await Promise.all([
    db.$queryRawUnsafe<TenantRecord[]>(
      `SELECT t.id, t.external_id, t.display_name, t.status, t.state_seq, t.kms_count, t.kms_primary_provider,
              t.siem_count, t.siem_primary_provider, t.last_change_at, t.created_at, t.deletion_requested_at,
              t.recipient_kids, t.environment_id, e.slug AS env_slug, e.display_name AS env_name
         ${from} ${page.sql}
        ORDER BY ${query.sort === 'externalId' ? `t.external_id ${dir}` : `${sort.expr} ${dir}, t.external_id ${dir}`}
        LIMIT ${query.limit + 1}`,
      ...page.params,
    ),
    db.$queryRawUnsafe<{ total: number }[]>(`SELECT count(*)::int AS total ${from} ${counted.sql}`, ...counted.params),
  ]);

  const hasMore = records.length > query.limit;
  const shown = records.slice(0, query.limit);
  const rows = await describeRows(shown);
  const last = shown.at(-1);
  const nextCursor = hasMore && last ? encodeCursor(query, cursorValue(query.sort, last), last.external_id) : null;
  return { rows, total: totals[0]?.total ?? 0, nextCursor };
}

function cursorValue(sort: TTenantListQuery['sort'], row: TenantRecord): string {
  switch (sort) {
    case 'externalId':
      return row.external_id;
    case 'displayName':
      return row.display_name;
    case 'environment':
      return row.env_slug;
    case 'status':
      return row.status;
    case 'lastChangeAt':
      return row.last_change_at.toISOString();
    case 'createdAt':
      return row.created_at.toISOString();
  }
}

async function describeRows(records: TenantRecord[]): Promise<TTenantListRow[]> {
  if (records.length === 0) return [];
  const db = await getPrisma();
  const ids = records.map((r) => r.id);
  const environments = [...new Set(records.map((r) => r.environment_id))];
  const [admins, invitations, deployments, statuses] = await Promise.all([
    db.tenantAdmin.groupBy({ by: ['tenantId', 'status'], where: { tenantId: { in: ids } }, _count: { _all: true } }),
    db.invitation.findMany({ where: { tenantId: { in: ids }, acceptedAt: null, revokedAt: null }, select: { tenantId: true, expiresAt: true } }),
    db.proxyDeployment.findMany({ where: { environmentId: { in: environments }, status: 'active' }, select: { id: true, name: true, kid: true, environmentId: true, lastStatusAt: true }, orderBy: { name: 'asc' } }),
    db.deploymentTenantStatus.findMany({ where: { tenantId: { in: ids } }, select: { deploymentId: true, tenantId: true, appliedSeq: true, errors: true } }),
  ]);
  const now = Date.now();
  return records.map((r) => {
    const count = (status: string) => admins.find((a) => a.tenantId === r.id && a.status === status)?._count._all ?? 0;
    const open = invitations.filter((i) => i.tenantId === r.id);
    const inEnv = deployments.filter((d) => d.environmentId === r.environment_id);
    const approved = r.state_seq > 0 ? inEnv.filter((d) => r.recipient_kids.includes(d.kid)) : [];
    const statusOf = (deploymentId: string) => statuses.find((s) => s.deploymentId === deploymentId && s.tenantId === r.id);
    const stoppedAt = (deploymentId: string) => stoppedOf(statusOf(deploymentId)?.errors);
    // Behind, or no longer handed the tenant (its proxies say so, naming the change they stopped at).
    const lagging = approved
      .filter((d) => (statusOf(d.id)?.appliedSeq ?? 0) < r.state_seq || stoppedAt(d.id))
      .map((d) => {
        const appliedSeq = statusOf(d.id)?.appliedSeq ?? null;
        const input = { lastReportAt: d.lastStatusAt?.toISOString() ?? null, appliedSeq, currentSeq: r.state_seq, changedAt: r.last_change_at.toISOString(), stopped: stoppedAt(d.id) };
        return { deploymentId: d.id, name: d.name, appliedSeq, delivery: deliveryState(input, now) };
      });
    const failing = inEnv.filter((d) => (statusOf(d.id)?.errors as unknown[] | undefined)?.length);
    const unapproved = r.status === 'invited' ? [] : inEnv.filter((d) => !r.recipient_kids.includes(d.kid));

    const warnings: string[] = [];
    if (open.length && open.every((i) => i.expiresAt.getTime() <= now) && count('confirmed') === 0) warnings.push('Invitation expired');
    if (r.status === 'active' && r.kms_count === 0) warnings.push('No KMS configuration');
    else if (r.status === 'active' && !r.kms_primary_provider) warnings.push('No primary KMS');
    if (unapproved.length) warnings.push(`Approval pending: ${unapproved.map((d) => d.name).join(', ')}`);
    if (failing.length) warnings.push(`Proxy errors: ${failing.map((d) => d.name).join(', ')}`);
    if (count('pending') > 0 && r.status !== 'invited') warnings.push(`${plural(count('pending'), 'admin')} awaiting confirmation`);
    if (r.deletion_requested_at) warnings.push('Deletion requested');

    return {
      id: r.id,
      externalId: r.external_id,
      displayName: r.display_name,
      environment: { slug: r.env_slug, displayName: r.env_name },
      status: r.status,
      admins: { confirmed: count('confirmed'), pending: count('pending') },
      kms: { primaryProvider: r.kms_primary_provider, count: r.kms_count },
      siem: { primaryProvider: r.siem_primary_provider, count: r.siem_count },
      lastChangeAt: r.last_change_at.toISOString(),
      stateSeq: r.state_seq,
      propagation: { approved: approved.length, applied: approved.length - lagging.length, lagging },
      warnings,
      createdAt: r.created_at.toISOString(),
    };
  });
}
