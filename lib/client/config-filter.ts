// The configurations list's search and provider filter, kept in the URL
// (`?q=…&provider=…`) so a reload or the back button shows the same view.
// The list is small and already in the browser, so filtering happens here.
import { findProvider } from '@/lib/schemas/providers/registry';

export type TConfigFilter = { q: string; provider: string };
type TParams = { get(key: string): string | null; toString(): string };

export function readConfigFilter(params: TParams): TConfigFilter {
  return { q: (params.get('q') ?? '').trim(), provider: params.get('provider') ?? '' };
}

export const isFiltering = (filter: TConfigFilter) => filter.q !== '' || filter.provider !== '';

export const providerLabel = (provider: string) => findProvider(provider)?.label ?? provider;

/** Part of the name, the provider's label or id, or the configuration id, case-insensitively; and the provider chosen, if any. */
export function matchesConfig(row: { id: string; label: string; provider: string }, filter: TConfigFilter): boolean {
  if (filter.provider && row.provider !== filter.provider) return false;
  const q = filter.q.toLowerCase();
  if (!q) return true;
  return [row.label, providerLabel(row.provider), row.provider, row.id].some((text) => text.toLowerCase().includes(q));
}

/** The URL query with `changes` applied (an empty value removes the parameter). */
export function withFilter(params: TParams, changes: Partial<TConfigFilter>): string {
  const next = new URLSearchParams(params.toString());
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next.toString();
}

/** "“kafka” with provider Splunk HEC", for the empty and count messages. */
export function describeFilter(filter: TConfigFilter): string {
  const parts = [filter.q ? `“${filter.q}”` : '', filter.provider ? `provider ${providerLabel(filter.provider)}` : ''].filter(Boolean);
  return parts.join(' with ');
}
