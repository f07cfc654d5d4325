'use client';
// The operators' audit trail: the vendor chain, newest first, with every
// tenant's events as metadata only (their actor, address and details are the
// tenant's), filters kept in the URL, exports, and "Verify now", which reads
// the whole stored trail and names the first broken link of each chain.
import { useMutation } from '@tanstack/react-query';
import type { TTrailVerification, TVendorAuditRow } from '@/lib/schemas/audit-views';
import { auditApi, auditKeys } from '@/lib/client/audit';
import { errorMessage, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ACTOR_TYPE_LABELS, AuditFilters } from './audit-filters';
import { DetailsCell, EventTime, WrapText } from './audit-cells';
import { EventsTable, ExportLinks, ActionTargetOutcomeCells, useAuditEvents, useAuditFilters } from './audit-parts';
import { plural } from '@/lib/plural';

function VerifyResult({ result }: { result: TTrailVerification }) {
  if (result.ok) {
    return (
      <Alert tone="success" title="OK: the trail verifies">
        {plural(result.events, 'event')} in the vendor chain, {plural(result.tenants, 'tenant chain')}, {plural(result.checkpoints.total, 'signed checkpoint')} good.
      </Alert>
    );
  }
  return (
    <div className="space-y-4">
      <Alert tone="error" title="The trail does not verify">
        Events were changed, removed or reordered in the database, or a checkpoint does not match. The first broken link of each chain is listed below.
      </Alert>
      {result.brokenChains.length ? (
        <TableScroller label="Broken chains">
          <table className={TABLE}>
            <caption className="sr-only">First broken link of each chain</caption>
            <thead>
              <tr>
                {['Chain', 'vendor_seq', 'Event', 'Reason'].map((h) => <th key={h} scope="col" className={TH}>{h}</th>)}
              </tr>
            </thead>
            <tbody>
              {result.brokenChains.map((b) => (
                <tr key={b.chain}>
                  <td className={TD}>{b.chain}</td>
                  <td className={TD}>{b.vendorSeq ?? '—'}</td>
                  <td className={`${TD} font-mono text-xs`}>{b.id ?? '—'}</td>
                  <td className={TD}>{b.reason.replace('_', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      ) : null}
      {result.checkpoints.bad.length ? (
        <div>
          <h3 className="text-sm font-semibold">Bad checkpoints ({result.checkpoints.bad.length} of {result.checkpoints.total})</h3>
          <ul className="mt-2 list-disc space-y-1 pl-5 text-sm">
            {result.checkpoints.bad.map((c, i) => (
              <li key={i}>
                {c.scope === 'tenant' ? `Tenant ${c.tenantExternalId} at tenant_seq ${c.tenantSeq}` : `Vendor chain at vendor_seq ${c.vendorSeq ?? '?'}`}: {c.problem}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function VerifyNow() {
  const verify = useMutation({ mutationFn: auditApi.verifyTrail });
  return (
    <div className="space-y-4">
      <p className="text-sm">Reads every stored event (1 000 at a time) and checks both kinds of chain and every signed checkpoint with the broker’s keys. Nothing is written.</p>
      <Button busy={verify.isPending} busyLabel="Verifying the whole trail…" onClick={() => verify.mutate()}>
        Verify now
      </Button>
      <div aria-live="polite" data-testid="trail-verification">
        {verify.isPending ? <LoadingState>Verifying every chain and checkpoint; a large trail takes a while…</LoadingState> : null}
        {verify.isError ? <Alert tone="error" title="Could not verify the trail.">{errorMessage(verify.error)}</Alert> : null}
        {verify.data && !verify.isPending ? <VerifyResult result={verify.data} /> : null}
      </div>
    </div>
  );
}

function EventRow({ event }: { event: TVendorAuditRow }) {
  const vendor = event.vendor;
  return (
    <tr>
      <td className={TD}>
        <EventTime at={event.at} seq={event.vendorSeq} />
      </td>
      <td className={TD}>
        {event.tenantExternalId ? (
          <>
            <WrapText text={event.tenantExternalId} /> <span className="whitespace-nowrap">#{event.tenantSeq}</span>
          </>
        ) : (
          'Vendor'
        )}
      </td>
      <td className={TD}>
        <div className="min-w-[8rem]">
          {ACTOR_TYPE_LABELS[event.actorType as keyof typeof ACTOR_TYPE_LABELS] ?? event.actorType}
          {vendor?.actorLabel ? <WrapText text={vendor.actorLabel} className="block text-xs text-slate-600 dark:text-slate-400" /> : null}
        </div>
      </td>
      <ActionTargetOutcomeCells event={event} />
      <td className={TD}>
        {vendor ? <DetailsCell details={vendor.details} event={`event #${event.vendorSeq}`} /> : <span className="text-xs text-slate-600 dark:text-slate-400">Tenant’s data, not shown</span>}
      </td>
    </tr>
  );
}

export function OperatorAuditView({ jwksUrl }: { jwksUrl: string }) {
  const { params, search, apply, filtered } = useAuditFilters();
  const events = useAuditEvents(auditKeys.vendorList(search), (cursor) => auditApi.vendorPage(search, cursor));

  return (
    <div className="space-y-8">
      <PageHeader
        title="Audit trail"
        description="The vendor-wide chain of every audited action, newest first. Tenants’ events show what happened and when; who did it, from where and the details are the tenant’s and appear only in its own trail."
      />
      <Card id="verify" title="Verify the stored trail">
        <VerifyNow />
      </Card>
      <Card id="events" title="Events">
        <div className="space-y-6">
          <AuditFilters key={search} params={params} vendor onApply={apply} />
          <ExportLinks url={(format) => auditApi.vendorExportUrl(search, format)} what="The vendor chain (tenants’ events as link entries with their metadata)" jwksUrl={jwksUrl} />
          <EventsTable query={events} filtered={filtered} caption="Audit events of the vendor chain, newest first" headers={['Time', 'Tenant', 'Actor', 'Action', 'Target', 'Outcome', 'Details']} row={(event) => <EventRow key={event.id} event={event} />} />
        </div>
      </Card>
    </div>
  );
}
