'use client';
// The configurations list's search box (debounced) and provider filter, and
// what the list says when nothing matches. Every control writes the URL
// through `onChange`; the list filters what it already holds.
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/field';
import { HELP_TEXT } from '@/components/ui/help-text';
import { Select } from '@/components/ui/select';
import { describeFilter, providerLabel, type TConfigFilter } from '@/lib/client/config-filter';

const CONTROL = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900';
const SEARCH_DELAY_MS = 250;

export function ConfigFilters({ filter, providers, onChange }: { filter: TConfigFilter; providers: string[]; onChange: (changes: Partial<TConfigFilter>) => void }) {
  const [q, setQ] = useState(filter.q);
  const [seenQ, setSeenQ] = useState(filter.q);
  // Follow the URL when it changes from elsewhere (Back, "Clear search and filter"): adjust during render, not in an effect.
  if (seenQ !== filter.q) {
    setSeenQ(filter.q);
    setQ(filter.q);
  }
  useEffect(() => {
    if (q.trim() === filter.q) return;
    const timer = setTimeout(() => onChange({ q: q.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [q, filter.q, onChange]);
  // A provider in the URL that no configuration uses any more stays choosable, so the select shows what filters the list.
  const options = [...new Set([...providers, ...(filter.provider ? [filter.provider] : [])])].sort((a, b) => providerLabel(a).localeCompare(providerLabel(b)));

  return (
    <form
      role="search"
      aria-label="Search and filter configurations"
      className="grid gap-4 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ q: q.trim() });
      }}
    >
      <div className="space-y-1">
        <label htmlFor="config-search" className="block text-sm font-medium">
          Search
        </label>
        <Input id="config-search" type="search" className={CONTROL} value={q} onChange={(e) => setQ(e.target.value)} aria-describedby="config-search-help" autoComplete="off" />
        <p id="config-search-help" className={HELP_TEXT}>
          Part of a name, provider or configuration id; the list updates as you type.
        </p>
      </div>
      <div className="space-y-1">
        <label htmlFor="config-provider" className="block text-sm font-medium">
          Provider
        </label>
        <Select id="config-provider" className={CONTROL} value={filter.provider} onChange={(e) => onChange({ provider: e.target.value })}>
          <option value="">All providers</option>
          {options.map((p) => (
            <option key={p} value={p}>
              {providerLabel(p)}
            </option>
          ))}
        </Select>
      </div>
    </form>
  );
}

/** Nothing matches: said as such (the tenant does have configurations), with a way back to all of them. */
export function NoMatch({ filter, onClear }: { filter: TConfigFilter; onClear: () => void }) {
  return (
    <div className="space-y-3 rounded-xl border border-dashed border-slate-300 p-6 text-sm dark:border-slate-700" data-testid="configs-no-match">
      <p className="font-medium text-slate-900 dark:text-slate-100">No configuration matches {describeFilter(filter)}.</p>
      <p className="text-slate-600 dark:text-slate-400">Check the spelling, or search for part of a name, a provider or a configuration id.</p>
      <Button variant="secondary" onClick={onClear}>
        Clear search and filter
      </Button>
    </div>
  );
}
