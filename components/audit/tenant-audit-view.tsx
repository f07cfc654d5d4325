'use client';
// A tenant admin's audit trail: the tenant's chain, newest first, filtered
// (filters kept in the URL), its verification with the newest signed
// checkpoint, and downloads that verify offline.
import { useQuery } from '@tanstack/react-query';
import type { TTenantAuditRow } from '@/lib/schemas/audit-views';
import { auditApi, auditKeys } from '@/lib/client/audit';
import { DateTime } from '@/components/ui/date-time';
import { TenantBreadcrumb } from '@/components/tenant/tenant-breadcrumb';
import { LoadError, LoadingState, TD } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ACTOR_TYPE_LABELS, AuditFilters } from './audit-filters';
import { DetailsCell, EventTime, WrapText } from './audit-cells';
import { EventsTable, ExportLinks, ActionTargetOutcomeCells, useAuditEvents, useAuditFilters } from './audit-parts';
import { plural } from '@/lib/plural';

function Verification({ tenant }: { tenant: string }) {
  const verification = useQuery({ queryKey: auditKeys.tenantVerification(tenant), queryFn: () => auditApi.tenantVerification(tenant) });
  if (verification.isPending) return <LoadingState>Verifying the chain…</LoadingState>;
  if (verification.isError) return <LoadError title="Could not verify the chain." error={verification.error} retrying={verification.isFetching} onRetry={() => void verification.refetch()} />;
  const v = verification.data;
  const checkpoint = v.checkpoint;
  return (
    <div className="space-y-3" data-testid="tenant-audit-verification">
      {v.ok ? (
        <Alert tone="success" title="The chain is intact">
          {v.count === 0 ? 'No events yet.' : `${plural(v.count, 'event')}, each linked to the one before by its hash.`}{' '}
          {checkpoint ? <>The newest signed checkpoint covers event {checkpoint.tenantSeq}{checkpoint.at ? <> (signed <DateTime at={checkpoint.at} />)</> : null}.</> : v.count ? 'No signed checkpoint yet: the broker signs the chain’s head every few minutes.' : ''}
          {checkpoint && v.unsigned > 0 ? ` ${plural(v.unsigned, 'newer event')} ${v.unsigned === 1 ? 'is' : 'are'} signed at the next checkpoint.` : ''}
        </Alert>
      ) : (
        <Alert tone="error" title="The chain does not verify">
          <ul className="list-disc pl-5">
            {v.lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p className="mt-2">Events may have been changed or removed in the broker’s database. Keep your earlier exports and contact the vendor.</p>
        </Alert>
      )}
      <Button variant="secondary" busy={verification.isFetching} busyLabel="Verifying…" onClick={() => void verification.refetch()}>
        Verify again
      </Button>
    </div>
  );
}

function EventRow({ event }: { event: TTenantAuditRow }) {
  return (
    <tr>
      <td className={TD}>
        <EventTime at={event.at} seq={event.tenantSeq} />
      </td>
      <td className={TD}>
        {/* Wide enough that a usual email stays on one line; a long one wraps at its dots. */}
        <div className="min-w-[10rem]">
          <WrapText text={event.actorLabel ?? event.actorId ?? '—'} />
          <span className="block text-xs text-slate-600 dark:text-slate-400">{ACTOR_TYPE_LABELS[event.actorType as keyof typeof ACTOR_TYPE_LABELS] ?? event.actorType}</span>
        </div>
      </td>
      <ActionTargetOutcomeCells event={event} />
      <td className={`${TD} font-mono text-xs`}>{event.ip ?? '—'}</td>
      <td className={TD}>
        <DetailsCell details={event.details} event={`event #${event.tenantSeq}`} />
      </td>
    </tr>
  );
}

export function TenantAuditView({ tenant, tenantName, jwksUrl }: { tenant: string; tenantName: string; jwksUrl: string }) {
  const { params, search, apply, filtered } = useAuditFilters();
  const events = useAuditEvents(auditKeys.tenantList(tenant, search), (cursor) => auditApi.tenantPage(tenant, search, cursor));

  return (
    <div className="space-y-8">
      <div className="space-y-6">
        <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section="audit" />
        <PageHeader
          title="Audit trail"
          description={`Every change to ${tenantName}’s keys, configurations, admins and deployments, newest first. Each event is chained to the one before by its hash, and the broker signs the chain’s head, so you can check the trail yourself.`}
        />
      </div>
      <Card id="verification" title="Verification">
        <Verification tenant={tenant} />
      </Card>
      <Card id="events" title="Events">
        <div className="space-y-6">
          <AuditFilters key={search} params={params} onApply={apply} />
          <ExportLinks url={(format) => auditApi.tenantExportUrl(tenant, search, format)} what="The tenant’s chain" jwksUrl={jwksUrl} />
          <EventsTable query={events} filtered={filtered} caption={`Audit events of ${tenantName}, newest first`} headers={['Time', 'Actor', 'Action', 'Target', 'Outcome', 'IP address', 'Details']} row={(event) => <EventRow key={event.id} event={event} />} />
        </div>
      </Card>
    </div>
  );
}
