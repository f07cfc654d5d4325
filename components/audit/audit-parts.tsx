'use client';
// Pieces both audit pages share: the URL-kept filters, the export links and
// how to verify a download, the action/target/outcome cells, and the events
// table with its loading, empty and error states and "load more".
import { useInfiniteQuery, type InfiniteData, type UseInfiniteQueryResult } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, type ReactNode } from 'react';
import { filterSearch, type TFilterKey } from '@/lib/client/audit';
import { auditActionLabel } from '@/lib/schemas/audit';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Badge } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { HELP_TEXT } from '@/components/ui/help-text';
import { TargetCell } from './audit-cells';

/** The filters in the URL, their API query string, and a way to replace them. */
export function useAuditFilters() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = filterSearch(params);
  const apply = useCallback(
    (changes: Record<TFilterKey, string | null>) => {
      const next = new URLSearchParams();
      for (const [key, value] of Object.entries(changes)) if (value) next.set(key, value);
      const query = next.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  return { params, search, apply, filtered: search !== '' };
}

const LINK_BUTTON =
  'inline-flex items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-900 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800';
const CODE = 'block overflow-x-auto whitespace-pre rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-900 dark:bg-slate-800 dark:text-slate-100';

/**
 * The downloads, and how to check one offline. The verifier wants the
 * broker's published keys (--jwks) to prove who signed the checkpoints — the
 * keys inside a download only prove it is consistent — so the note says
 * where that file comes from: a link, and the curl command for a terminal.
 */
export function ExportLinks({ url, what, jwksUrl }: { url: (format: 'jsonl' | 'csv') => string; what: string; jwksUrl: string }) {
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-3">
        <a className={LINK_BUTTON} href={url('jsonl')} download>
          Download JSON Lines
        </a>
        <a className={LINK_BUTTON} href={url('csv')} download>
          Download CSV
        </a>
      </div>
      <div className={`${HELP_TEXT} space-y-2`} data-testid="export-note">
        <p>{what} for the filters shown, with link entries for the events they leave out, the signed checkpoints and the broker’s public keys. To check a download offline:</p>
        <ol className="list-decimal space-y-2 pl-5">
          <li>
            Get the broker’s published public keys,{' '}
            <a href="/.well-known/jwks.json" download="jwks.json" className="font-medium text-brand-700 underline dark:text-brand-500">
              jwks.json
            </a>{' '}
            (served at <code className="break-all">/.well-known/jwks.json</code>), or in a terminal:
            <code className={`mt-1 ${CODE}`}>curl -o jwks.json {jwksUrl}</code>
          </li>
          <li>
            In a checkout of the broker, run:
            <code className={`mt-1 ${CODE}`}>npm run audit:verify -- --file &lt;file&gt; --jwks jwks.json</code>
          </li>
        </ol>
      </div>
    </div>
  );
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <Badge tone={outcome === 'success' ? 'success' : outcome === 'denied' ? 'danger' : 'warning'}>{outcome}</Badge>;
}

/** The action (label and name), target and outcome cells, the same in the tenant's and the operator's table. */
export function ActionTargetOutcomeCells({ event }: { event: { action: string; targetType: string | null; targetId: string | null; targetName: string | null; outcome: string } }) {
  return (
    <>
      <td className={TD}>
        {auditActionLabel(event.action)}
        <span className="block font-mono text-xs text-slate-600 dark:text-slate-400">{event.action}</span>
      </td>
      <td className={TD}>
        <TargetCell type={event.targetType} id={event.targetId} name={event.targetName} />
      </td>
      <td className={TD}>
        <OutcomeBadge outcome={event.outcome} />
      </td>
    </>
  );
}

export function LoadMore({ hasMore, loading, count, onMore }: { hasMore: boolean; loading: boolean; count: number; onMore: () => void }) {
  return (
    <div className="flex flex-wrap items-center gap-4">
      {hasMore ? (
        <Button variant="secondary" busy={loading} busyLabel="Loading more…" onClick={onMore}>
          Load more
        </Button>
      ) : null}
      <p aria-live="polite" className="text-sm text-slate-600 dark:text-slate-400">
        {count === 1 ? '1 event shown' : `${count} events shown`}
        {hasMore ? '' : ' — that is all of them'}.
      </p>
    </div>
  );
}

type EventsPage<T> = { events: T[]; nextCursor: string | null };
type EventsQuery<T> = UseInfiniteQueryResult<InfiniteData<EventsPage<T>>, Error>;

/** A list API's pages, newest first, one "load more" at a time. */
export function useAuditEvents<T>(queryKey: readonly unknown[], fetchPage: (cursor?: string) => Promise<EventsPage<T>>): EventsQuery<T> {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** The events of an infinite list query as a table, with every state the list can be in. */
export function EventsTable<T extends { id: string }>({ query, filtered, caption, headers, row }: { query: EventsQuery<T>; filtered: boolean; caption: string; headers: string[]; row: (event: T) => ReactNode }) {
  const rows = query.data?.pages.flatMap((p) => p.events) ?? [];
  if (query.isPending) return <LoadingState>Loading events…</LoadingState>;
  if (query.isError && rows.length === 0) return <LoadError title="Could not load the audit trail." error={query.error} retrying={query.isFetching} onRetry={() => void query.refetch()} />;
  if (rows.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">{filtered ? 'No event matches these filters.' : 'No events yet.'}</p>;
  return (
    <div className="space-y-4">
      <TableScroller label="Audit events">
        <table className={TABLE}>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h} scope="col" className={TH}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>{rows.map(row)}</tbody>
        </table>
      </TableScroller>
      {query.isFetchNextPageError ? <LoadError title="Could not load more events." error={query.error} retrying={query.isFetchingNextPage} onRetry={() => void query.fetchNextPage()} /> : null}
      <LoadMore hasMore={query.hasNextPage} loading={query.isFetchingNextPage} count={rows.length} onMore={() => void query.fetchNextPage()} />
    </div>
  );
}
