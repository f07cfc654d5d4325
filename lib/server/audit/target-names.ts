import 'server-only';
// Names for the audit tables' targets. An event stores what it acted on by id
// (`config cfg_…`), which readers could not map to anything; the views add
// the name from the records as they are now, resolved on the server. The
// trail itself is unchanged: names are not hashed, and a deleted record (or
// one the reader may not see) simply leaves the id alone.
//
// Which records a view may name from is decided by the lookups it passes —
// a tenant's view gets lookups scoped to that tenant (lib/server/dal/audit-targets.ts),
// so it can never show another tenant's names — and, as a second guard here,
// a name that belongs to a tenant is only shown on that tenant's events (or on
// vendor-only events, which only operators see).

export type TTargetRef = { tenantExternalId: string | null; targetType: string | null; targetId: string | null };
/** A record's name, and the tenant it belongs to when it belongs to one. */
export type TTargetName = { name: string; tenantExternalId?: string };
/** Names by id for one target type; ids it does not know (or the reader may not see) are absent. */
export type TTargetLookup = (ids: string[]) => Promise<Map<string, TTargetName>>;
export type TTargetLookups = Partial<Record<string, TTargetLookup>>;

/**
 * The name of each row's target (null when there is none to show), with one
 * lookup per target type for the whole page. `allow` keeps rows out of the
 * lookups altogether.
 */
export async function resolveTargetNames(rows: readonly TTargetRef[], lookups: TTargetLookups, allow: (row: TTargetRef) => boolean = () => true): Promise<(string | null)[]> {
  const wanted = new Map<string, Set<string>>();
  for (const row of rows) {
    if (!row.targetType || !row.targetId || !Object.hasOwn(lookups, row.targetType) || !allow(row)) continue;
    const ids = wanted.get(row.targetType) ?? new Set<string>();
    wanted.set(row.targetType, ids.add(row.targetId));
  }
  const found = new Map<string, Map<string, TTargetName>>();
  await Promise.all([...wanted].map(async ([type, ids]) => found.set(type, await (lookups[type] as TTargetLookup)([...ids]))));
  return rows.map((row) => {
    if (!row.targetType || !row.targetId || !allow(row)) return null;
    const name = found.get(row.targetType)?.get(row.targetId);
    if (!name) return null;
    if (name.tenantExternalId !== undefined && row.tenantExternalId !== null && name.tenantExternalId !== row.tenantExternalId) return null;
    return name.name;
  });
}

/** What a tenant's view names: its configurations, its environment's deployments, its admins and invitations, itself. */
export type TTenantViewTarget = 'config' | 'deployment' | 'user' | 'admin' | 'invitation' | 'tenant';

/**
 * What the operators' view names. On a tenant's event only the tenant, its
 * deployments and configurations — what the console's tenant page shows —
 * never a person: users, admins and invitations would name who acted, which
 * the operators' view withholds for tenants' events.
 */
export type TVendorViewTarget = 'tenant' | 'deployment' | 'config' | 'environment' | 'api_token' | 'user';
const ON_TENANT_EVENTS: ReadonlySet<string> = new Set<TVendorViewTarget>(['tenant', 'deployment', 'config']);

export const vendorViewAllows = (row: TTargetRef): boolean => row.tenantExternalId === null || ON_TENANT_EVENTS.has(row.targetType ?? '');
