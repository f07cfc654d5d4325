'use client';
// The operator console's outbox: every mail the broker recorded, newest
// first, with whether it went out. Without SMTP this is where invitation
// links are picked up, so the bodies are shown in full.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type TOutboxMail } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Alert } from '@/components/ui/alert';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { DateTime } from '@/components/ui/date-time';
import { LoadError, LoadingState } from './query-state';

export function OutboxView() {
  const outbox = useInfiniteQuery({
    queryKey: operatorKeys.outbox(),
    queryFn: ({ pageParam }) => api.outbox(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const mails = outbox.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="space-y-8">
      <PageHeader title="Outbox" description="Every mail the broker sent or kept, newest first." />
      <Alert tone="warning">
        Without SMTP settings the broker keeps mail here so the demo works offline. Links in unsent invitations are live:
        treat this page as sensitive.
      </Alert>
      <Card id="mail" title="Mail">
        {outbox.isPending ? (
          <LoadingState>Loading mail…</LoadingState>
        ) : outbox.isError && mails.length === 0 ? (
          <LoadError title="Could not load the outbox." error={outbox.error} retrying={outbox.isFetching} onRetry={() => void outbox.refetch()} />
        ) : mails.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No mail yet. Invitations the broker sends will appear here.</p>
        ) : (
          <div className="space-y-4">
            <ul aria-label="Mail, newest first" className="divide-y divide-slate-200 border-y border-slate-200 dark:divide-slate-800 dark:border-slate-800">
              {mails.map((mail) => (
                <li key={mail.id}>
                  <MailItem mail={mail} />
                </li>
              ))}
            </ul>
            {outbox.isFetchNextPageError ? (
              <LoadError title="Could not load more mail." error={outbox.error} retrying={outbox.isFetchingNextPage} onRetry={() => void outbox.fetchNextPage()} />
            ) : null}
            <div className="flex flex-wrap items-center gap-4">
              {outbox.hasNextPage ? (
                <Button variant="secondary" busy={outbox.isFetchingNextPage} busyLabel="Loading more…" onClick={() => void outbox.fetchNextPage()}>
                  Load more
                </Button>
              ) : null}
              <p aria-live="polite" className="text-sm text-slate-600 dark:text-slate-400">
                {mails.length === 1 ? '1 mail shown' : `${mails.length} mails shown`}
                {outbox.hasNextPage ? '' : ' — that is all of them'}.
              </p>
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}

function DeliveryBadge({ mail }: { mail: TOutboxMail }) {
  if (mail.sentAt) return <Badge tone="success">sent</Badge>;
  if (mail.error) return <Badge tone="danger">error</Badge>;
  return <Badge tone="neutral">kept — no SMTP configured</Badge>;
}

function MailItem({ mail }: { mail: TOutboxMail }) {
  return (
    <details className="group py-3">
      <summary className="flex cursor-pointer list-none flex-wrap items-baseline gap-x-4 gap-y-1 rounded px-2 py-1 hover:bg-slate-50 dark:hover:bg-slate-900 [&::-webkit-details-marker]:hidden">
        <span aria-hidden="true" className="text-slate-500 transition group-open:rotate-90">
          ▸
        </span>
        <span className="min-w-0 flex-1">
          <span className="block font-medium break-words">{mail.subject}</span>
          <span className="block text-sm text-slate-600 break-all dark:text-slate-400">to {mail.recipient}</span>
        </span>
        <span className="flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
          <DateTime at={mail.createdAt} />
          <DeliveryBadge mail={mail} />
        </span>
      </summary>
      <div className="mt-3 space-y-3 px-2">
        {mail.sentAt ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Sent <DateTime at={mail.sentAt} />.
          </p>
        ) : mail.error ? (
          <p className="text-sm text-red-700 dark:text-red-400">Not delivered: {mail.error}</p>
        ) : null}
        <pre className="rounded-md bg-slate-50 p-4 font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere] text-slate-900 dark:bg-slate-900 dark:text-slate-100">
          {mail.body}
        </pre>
      </div>
    </details>
  );
}
