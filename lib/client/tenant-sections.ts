// The tenant area's sections: one tab each, and where `/t/<tenant>` lands.
// The tabs, the breadcrumbs and the landing redirect all read this list, so a
// section's name and address are said once.

export const TENANT_SECTIONS = [
  { id: 'configs', label: 'Configurations' },
  { id: 'deployments', label: 'Deployments' },
  { id: 'secrets', label: 'Deterministic keys' },
  { id: 'audit', label: 'Audit' },
  { id: 'admins', label: 'Admins & keys' },
] as const;

export type TTenantSection = (typeof TENANT_SECTIONS)[number]['id'];

export const tenantHref = (tenant: string, section?: TTenantSection) => `/t/${encodeURIComponent(tenant)}${section ? `/${section}` : ''}`;

export const sectionLabel = (section: TTenantSection) => TENANT_SECTIONS.find((s) => s.id === section)?.label ?? section;

/** The section a path belongs to (its own page or one below it), or null outside the tenant's sections. */
export function currentSection(pathname: string, tenant: string): TTenantSection | null {
  const base = tenantHref(tenant);
  for (const { id } of TENANT_SECTIONS) {
    const href = `${base}/${id}`;
    if (pathname === href || pathname.startsWith(`${href}/`)) return id;
  }
  return null;
}

/**
 * Where `/t/<tenant>` opens: the configurations, which is what a confirmed
 * admin comes for. A pending admin cannot open them yet; their page is the one
 * with their fingerprint to read out and the recovery form.
 */
export const landingSection = (status: 'pending' | 'confirmed'): TTenantSection => (status === 'confirmed' ? 'configs' : 'admins');
