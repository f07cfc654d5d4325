// The tenant list's state lives in the URL (so a view can be linked): search,
// filters, sort, the keyset cursor of the page shown and its number. This
// module reads and writes those parameters; the API gets all but `page`.
import { TENANT_SORTS, type TTenantListQuery } from '@/lib/schemas/tenant-list';

export const FLAG_FILTERS = [
  { key: 'hasPrimaryKms', label: 'Primary KMS' },
  { key: 'hasSiem', label: 'SIEM' },
  { key: 'approvalPending', label: 'Deployment approval pending' },
  { key: 'propagationIncomplete', label: 'Propagation incomplete' },
  { key: 'proxyErrors', label: 'Proxy errors' },
] as const;

export type TFlagKey = (typeof FLAG_FILTERS)[number]['key'];
export type TSort = TTenantListQuery['sort'];
export const PAGE_SIZE = 50;

/** Rows per page: 50, or the URL's `limit` (1–200) when a link asks for another size. */
export function pageSize(params: TListParams): number {
  const limit = Number(params.get('limit'));
  return Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : PAGE_SIZE;
}

const FILTER_KEYS = ['q', 'environment', 'status', ...FLAG_FILTERS.map((f) => f.key)] as const;
const API_KEYS = [...FILTER_KEYS, 'sort', 'order', 'cursor'] as const;

export type TListParams = { get(key: string): string | null; toString(): string };

export function sortOf(params: TListParams): { sort: TSort; order: 'asc' | 'desc' } {
  const sort = params.get('sort');
  return { sort: (TENANT_SORTS as readonly string[]).includes(sort ?? '') ? (sort as TSort) : 'externalId', order: params.get('order') === 'desc' ? 'desc' : 'asc' };
}

/** The query string for GET /api/v1/operator/tenants. */
export function apiSearch(params: TListParams): string {
  const out = new URLSearchParams();
  for (const key of API_KEYS) {
    const value = params.get(key);
    if (value) out.set(key, value);
  }
  out.set('limit', String(pageSize(params)));
  return out.toString();
}

/** A new URL query: `changes` applied (null removes), and back to the first page unless a cursor is given. */
export function withChanges(params: TListParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(params.toString());
  if (!('cursor' in changes)) {
    next.delete('cursor');
    next.delete('page');
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') next.delete(key);
    else next.set(key, value);
  }
  return next.toString();
}

export function filtersKey(params: TListParams): string {
  return FILTER_KEYS.map((k) => params.get(k) ?? '').join('|') + `|${params.get('sort') ?? ''}|${params.get('order') ?? ''}`;
}
