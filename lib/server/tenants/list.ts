import 'server-only';
// The operators' tenant list (console and GET /api/v1/vendor/tenants):
// search, filters, sorting and pagination over tenant metadata. A plain
// version — filters in SQL, an offset inside the opaque cursor — until the
// keyset implementation for 10 000+ tenants replaces it; the signature and
// the row shape (lib/schemas/tenant-list.ts) stay.
import type { TTenantListPage, TTenantListQuery, TTenantListRow } from '@/lib/schemas/tenant-list';
import { getPrisma } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';

/** Columns of the inner select below. */
const SORT_SQL: Record<TTenantListQuery['sort'], string> = {
  externalId: 'external_id',
  displayName: 'display_name',
  environment: 'env_slug',
  status: 'status',
  lastChangeAt: 'last_change_at',
  createdAt: 'created_at',
};

const ACTIVE_CONFIG = (kind: 'kms' | 'siem', primary: boolean) =>
  `EXISTS (SELECT 1 FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = '${kind}' AND c.status = 'active'${primary ? ' AND c.is_primary' : ''})`;

const FLAG_SQL = {
  hasPrimaryKms: ACTIVE_CONFIG('kms', true),
  hasSiem: ACTIVE_CONFIG('siem', false),
  approvalPending: `EXISTS (SELECT 1 FROM proxy_deployment d WHERE d.environment_id = t.environment_id AND d.status = 'active' AND NOT (d.kid = ANY(t.recipient_kids)))`,
  propagationIncomplete: `EXISTS (SELECT 1 FROM proxy_deployment d LEFT JOIN deployment_tenant_status s ON s.deployment_id = d.id AND s.tenant_id = t.id
      WHERE d.status = 'active' AND d.kid = ANY(t.recipient_kids) AND COALESCE(s.applied_seq, 0) < t.state_seq)`,
  proxyErrors: `EXISTS (SELECT 1 FROM deployment_tenant_status s JOIN proxy_deployment d ON d.id = s.deployment_id
      WHERE s.tenant_id = t.id AND d.status <> 'deleted' AND jsonb_array_length(s.errors) > 0)`,
} as const;

function readCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', { fields: [{ path: 'query.cursor', message: 'This cursor is not valid; start again from the first page.' }] });
}

type BaseRow = { id: string; external_id: string; display_name: string; status: string; state_seq: number; created_at: Date; last_change_at: Date | null; env_slug: string; env_name: string; environment_id: string; recipient_kids: string[] };

export async function listTenantsPage(query: TTenantListQuery): Promise<TTenantListPage> {
  const db = await getPrisma();
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (value: unknown) => {
    args.push(value);
    return `$${args.length}`;
  };
  if (query.q) {
    const like = arg(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(t.external_id ILIKE ${like} OR t.display_name ILIKE ${like}
      OR EXISTS (SELECT 1 FROM tenant_admin a JOIN app_user u ON u.id = a.user_id WHERE a.tenant_id = t.id AND u.email ILIKE ${like})
      OR EXISTS (SELECT 1 FROM invitation i WHERE i.tenant_id = t.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.email ILIKE ${like}))`);
  }
  if (query.environment) where.push(`e.slug = ${arg(query.environment)}`);
  if (query.status) where.push(`t.status = ${arg(query.status)}`);
  for (const flag of Object.keys(FLAG_SQL) as (keyof typeof FLAG_SQL)[]) {
    const value = query[flag];
    if (value !== undefined) where.push(value ? FLAG_SQL[flag] : `NOT ${FLAG_SQL[flag]}`);
  }
  const from = `FROM tenant t JOIN environment e ON e.id = t.environment_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  const offset = readCursor(query.cursor);
  const direction = query.order === 'desc' ? 'DESC' : 'ASC';
  const [counted] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n ${from}`, ...args);
  const total = counted?.n ?? 0;
  const base = await db.$queryRawUnsafe<BaseRow[]>(
    `SELECT * FROM (
       SELECT t.id, t.external_id, t.display_name, t.status, t.state_seq, t.created_at, t.environment_id, t.recipient_kids,
              e.slug AS env_slug, e.display_name AS env_name,
              (SELECT s.created_at FROM tenant_state s WHERE s.tenant_id = t.id AND s.seq = t.state_seq) AS last_change_at
       ${from}) t
     ORDER BY ${SORT_SQL[query.sort]} ${direction} NULLS LAST, external_id ${direction}
     LIMIT ${query.limit + 1} OFFSET ${offset}`,
    ...args,
  );
  const page = base.slice(0, query.limit);
  return { rows: await tenantRows(page), total, nextCursor: base.length > query.limit ? Buffer.from(JSON.stringify({ o: offset + query.limit })).toString('base64url') : null };
}

async function tenantRows(page: BaseRow[]): Promise<TTenantListRow[]> {
  if (page.length === 0) return [];
  const db = await getPrisma();
  const ids = page.map((t) => t.id);
  const [admins, configs, deployments, statuses] = await Promise.all([
    db.tenantAdmin.groupBy({ by: ['tenantId', 'status'], where: { tenantId: { in: ids } }, _count: { _all: true } }),
    db.tenantConfig.findMany({ where: { tenantId: { in: ids }, status: 'active' }, select: { tenantId: true, kind: true, provider: true, isPrimary: true } }),
    db.proxyDeployment.findMany({ where: { status: 'active', environmentId: { in: [...new Set(page.map((t) => t.environment_id))] } }, select: { id: true, name: true, kid: true, environmentId: true } }),
    db.deploymentTenantStatus.findMany({ where: { tenantId: { in: ids } }, select: { tenantId: true, deploymentId: true, appliedSeq: true, errors: true } }),
  ]);
  return page.map((t) => {
    const count = (status: string) => admins.find((a) => a.tenantId === t.id && a.status === status)?._count._all ?? 0;
    const mine = configs.filter((c) => c.tenantId === t.id);
    const summary = (kind: 'kms' | 'siem') => ({ primaryProvider: mine.find((c) => c.kind === kind && c.isPrimary)?.provider ?? null, count: mine.filter((c) => c.kind === kind).length });
    const inEnvironment = deployments.filter((d) => d.environmentId === t.environment_id);
    const approved = inEnvironment.filter((d) => t.recipient_kids.includes(d.kid));
    const statusOf = (deploymentId: string) => statuses.find((s) => s.tenantId === t.id && s.deploymentId === deploymentId);
    const lagging = approved
      .filter((d) => (statusOf(d.id)?.appliedSeq ?? 0) < t.state_seq)
      .map((d) => ({ deploymentId: d.id, name: d.name, appliedSeq: statusOf(d.id)?.appliedSeq ?? null }));
    const hasErrors = statuses.some((s) => s.tenantId === t.id && Array.isArray(s.errors) && s.errors.length > 0);
    const kms = summary('kms');
    const warnings = [
      ...(t.status !== 'invited' && !kms.primaryProvider ? ['no_primary_kms'] : []),
      ...(inEnvironment.length > approved.length ? ['approval_pending'] : []),
      ...(lagging.length ? ['propagation_incomplete'] : []),
      ...(hasErrors ? ['proxy_errors'] : []),
    ];
    return {
      id: t.id,
      externalId: t.external_id,
      displayName: t.display_name,
      environment: { slug: t.env_slug, displayName: t.env_name },
      status: t.status === 'active' || t.status === 'suspended' ? t.status : 'invited',
      admins: { confirmed: count('confirmed'), pending: count('pending') },
      kms,
      siem: summary('siem'),
      lastChangeAt: t.last_change_at ? new Date(t.last_change_at).toISOString() : null,
      stateSeq: t.state_seq,
      propagation: { approved: approved.length, applied: approved.length - lagging.length, lagging },
      warnings,
      createdAt: new Date(t.created_at).toISOString(),
    };
  });
}
