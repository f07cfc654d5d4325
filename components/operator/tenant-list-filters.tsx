'use client';
// Search (debounced) and filters of the tenant list. Every control writes the
// URL through `onChange`; nothing here fetches.
import { useEffect, useState } from 'react';
import { Input } from '@/components/ui/field';
import { HELP_TEXT } from '@/components/ui/help-text';
import { Select } from '@/components/ui/select';
import type { TEnvironment } from '@/lib/client/api';
import { FLAG_FILTERS, type TListParams } from './tenant-list-params';

const CONTROL = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900';
const SEARCH_DELAY_MS = 300;

export function TenantListFilters({ params, environments, onChange }: { params: TListParams; environments: TEnvironment[]; onChange: (changes: Record<string, string | null>) => void }) {
  const urlQ = params.get('q') ?? '';
  const [q, setQ] = useState(urlQ);
  const [seenQ, setSeenQ] = useState(urlQ);
  // Follow the URL when it changes from elsewhere (back button, a link): adjust during render, not in an effect.
  if (seenQ !== urlQ) {
    setSeenQ(urlQ);
    setQ(urlQ);
  }
  useEffect(() => {
    if (q.trim() === urlQ.trim()) return;
    const timer = setTimeout(() => onChange({ q: q.trim() || null }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [q, urlQ, onChange]);

  return (
    <form role="search" aria-label="Tenant search and filters" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" onSubmit={(e) => { e.preventDefault(); onChange({ q: q.trim() || null }); }}>
      <div className="space-y-1 sm:col-span-2">
        <label htmlFor="tenant-search" className="block text-sm font-medium">Search</label>
        <Input id="tenant-search" type="search" className={CONTROL} value={q} onChange={(e) => setQ(e.target.value)} placeholder="Tenant id, name or admin email" aria-describedby="tenant-search-help" />
        <p id="tenant-search-help" className={HELP_TEXT}>Matches part of the tenant id, the name or an admin’s email; results update as you type.</p>
      </div>
      <div className="space-y-1">
        <label htmlFor="tenant-filter-env" className="block text-sm font-medium">In environment</label>
        <Select id="tenant-filter-env" className={CONTROL} value={params.get('environment') ?? ''} onChange={(e) => onChange({ environment: e.target.value })}>
          <option value="">All</option>
          {environments.map((env) => (
            <option key={env.id} value={env.slug}>{env.displayName} ({env.slug})</option>
          ))}
        </Select>
      </div>
      <div className="space-y-1">
        <label htmlFor="tenant-filter-status" className="block text-sm font-medium">Status</label>
        <Select id="tenant-filter-status" className={CONTROL} value={params.get('status') ?? ''} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">All</option>
          <option value="invited">Invitation pending</option>
          <option value="active">Active</option>
          <option value="suspended">Suspended</option>
        </Select>
      </div>
      {FLAG_FILTERS.map((filter) => (
        <div key={filter.key} className="space-y-1">
          <label htmlFor={`tenant-filter-${filter.key}`} className="block text-sm font-medium">{filter.label}</label>
          <Select id={`tenant-filter-${filter.key}`} className={CONTROL} value={params.get(filter.key) ?? ''} onChange={(e) => onChange({ [filter.key]: e.target.value })}>
            <option value="">Any</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </Select>
        </div>
      ))}
    </form>
  );
}
