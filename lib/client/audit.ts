// The audit views' API calls, query keys and URL parameters (docs/audit.md
// "Views"). The pages keep their filters in the URL; the same parameters go
// to the list API and to the export links.
import type { TTenantAuditPage, TTenantAuditVerification, TTrailVerification, TVendorAuditPage } from '@/lib/schemas/audit-views';
import { fetchJson } from './fetchers';

export const FILTER_KEYS = ['tenant', 'scope', 'actorType', 'actor', 'action', 'outcome', 'from', 'to'] as const;
export type TFilterKey = (typeof FILTER_KEYS)[number];
export type TParams = { get(key: string): string | null };

/** The filters of the URL, as the API's query string (empty values left out). */
export function filterSearch(params: TParams, extra: Record<string, string> = {}): string {
  const out = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) out.set(key, value);
  }
  for (const [k, v] of Object.entries(extra)) out.set(k, v);
  return out.toString();
}

const tenantBase = (tenant: string) => `/api/v1/tenants/${encodeURIComponent(tenant)}/audit`;

export const auditApi = {
  tenantPage: (tenant: string, search: string, cursor?: string) =>
    fetchJson<TTenantAuditPage>(`${tenantBase(tenant)}?${search}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  tenantVerification: (tenant: string) => fetchJson<TTenantAuditVerification>(`${tenantBase(tenant)}/verification`),
  tenantExportUrl: (tenant: string, search: string, format: 'jsonl' | 'csv') => `${tenantBase(tenant)}/export?${search ? `${search}&` : ''}format=${format}`,
  vendorPage: (search: string, cursor?: string) => fetchJson<TVendorAuditPage>(`/api/v1/operator/audit?${search}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  verifyTrail: () => fetchJson<TTrailVerification>('/api/v1/operator/audit/verification'),
  vendorExportUrl: (search: string, format: 'jsonl' | 'csv') => `/api/v1/operator/audit/export?${search ? `${search}&` : ''}format=${format}`,
};

export const auditKeys = {
  tenant: (tenant: string) => ['tenant', tenant, 'audit'] as const,
  tenantList: (tenant: string, search: string) => [...auditKeys.tenant(tenant), 'list', search] as const,
  tenantVerification: (tenant: string) => [...auditKeys.tenant(tenant), 'verification'] as const,
  vendorList: (search: string) => ['operator', 'audit', 'list', search] as const,
  trailVerification: () => ['operator', 'audit', 'verification'] as const,
};

/** "2026-11-28T12:00:00.000Z" → the value of a datetime-local input in the visitor's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (visitor's time zone) → ISO 8601 UTC, or null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
