'use client';
// On an operator's tenant page: the tenant's latest events from the audit
// trail, as the operator audit page shows them (metadata only: who did it,
// from where and the details are the tenant's), and the way to all of them
// there, filtered to this tenant.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { ACTOR_TYPE_LABELS } from '@/components/audit/audit-filters';
import { ActionTargetOutcomeCells } from '@/components/audit/audit-parts';
import { Card } from '@/components/ui/card';
import { auditApi } from '@/lib/client/audit';
import { operatorKeys } from '@/lib/client/query-keys';
import { DateTime } from '@/components/ui/date-time';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';

const LATEST = 10;

export const tenantAuditHref = (externalId: string) => `/operator/audit?${new URLSearchParams({ tenant: externalId })}`;

export function TenantAuditCard({ externalId }: { externalId: string }) {
  const latest = useQuery({
    queryKey: operatorKeys.tenantAudit(externalId),
    queryFn: () => auditApi.vendorPage(new URLSearchParams({ tenant: externalId, limit: String(LATEST) }).toString()),
  });
  return (
    <Card
      id="audit"
      title="Audit trail"
      description="The tenant’s latest audited actions, newest first: what happened and when. Who did it, from where and the details are the tenant’s, in its own trail."
      actions={
        <Link href={tenantAuditHref(externalId)} className="text-sm font-medium text-brand-700 underline hover:no-underline dark:text-brand-50">
          All of {externalId}’s events in the audit trail
        </Link>
      }
    >
      {latest.isPending ? <LoadingState>Loading the tenant’s audit events…</LoadingState> : null}
      {latest.isError ? <LoadError title="Could not load the tenant’s audit events." error={latest.error} retrying={latest.isFetching} onRetry={() => void latest.refetch()} /> : null}
      {latest.data && latest.data.events.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">No audited action yet.</p> : null}
      {latest.data && latest.data.events.length > 0 ? (
        <TableScroller label="Latest audit events">
          <table className={TABLE}>
            <caption className="sr-only">Latest audit events of {externalId}, newest first</caption>
            <thead>
              <tr>
                {['Time', 'Actor', 'Action', 'Target', 'Outcome'].map((h) => (
                  <th key={h} scope="col" className={TH}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {latest.data.events.map((event) => (
                <tr key={event.id}>
                  <td className={TD}>
                    <DateTime at={event.at} />
                    <span className="block text-xs text-slate-600 dark:text-slate-400">#{event.tenantSeq ?? event.vendorSeq}</span>
                  </td>
                  <td className={TD}>{ACTOR_TYPE_LABELS[event.actorType as keyof typeof ACTOR_TYPE_LABELS] ?? event.actorType}</td>
                  <ActionTargetOutcomeCells event={event} />
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      ) : null}
    </Card>
  );
}
