import 'server-only';
// The audit views' filters, once for the database (lists) and once for rows
// already read (exports, which keep filtered-out events as link entries):
// both must select the same events.
import type { TAuditFilters } from '@/lib/schemas/audit-views';
import type { AuditEventFilter } from '@/lib/server/dal/audit';
import type { AuditRow } from './verify';

export function filterWhere(f: TAuditFilters): AuditEventFilter {
  const and: AuditEventFilter[] = [];
  if (f.actorType) and.push({ actorType: f.actorType });
  // Prisma passes `contains` to ILIKE as is: LIKE's wildcards must be escaped to stay literal.
  if (f.actor) and.push({ actorLabel: { contains: f.actor.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' } });
  if (f.action) and.push({ action: { in: f.action } });
  if (f.outcome) and.push({ outcome: f.outcome });
  if (f.from) and.push({ at: { gte: new Date(f.from) } });
  if (f.to) and.push({ at: { lte: new Date(f.to) } });
  if (f.tenant) and.push({ tenantExternalId: f.tenant });
  if (f.scope) and.push({ tenantExternalId: f.scope === 'vendor' ? null : { not: null } });
  return { AND: and };
}

export function matchesFilters(row: AuditRow, f: TAuditFilters): boolean {
  const at = Date.parse(row.at);
  return (
    (!f.actorType || row.actorType === f.actorType) &&
    (!f.actor || (row.actorLabel ?? '').toLowerCase().includes(f.actor.toLowerCase())) &&
    (!f.action || f.action.includes(row.action as never)) &&
    (!f.outcome || row.outcome === f.outcome) &&
    (!f.from || at >= Date.parse(f.from)) &&
    (!f.to || at <= Date.parse(f.to)) &&
    (!f.tenant || row.tenantExternalId === f.tenant) &&
    (!f.scope || (f.scope === 'vendor') === (row.tenantExternalId === null))
  );
}

/** The filters as given (for an export's header), without empty ones. */
export function filtersOf<T extends TAuditFilters>(query: T): TAuditFilters {
  const { actorType, actor, action, outcome, from, to, tenant, scope } = query;
  return Object.fromEntries(Object.entries({ actorType, actor, action, outcome, from, to, tenant, scope }).filter(([, v]) => v !== undefined)) as TAuditFilters;
}
