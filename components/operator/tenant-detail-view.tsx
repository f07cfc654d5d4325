'use client';
// One tenant for operators: what is set up, who administers it, which
// deployments approved it and applied which version, a timeline from those
// records and its latest audit events — all metadata. Actions: resend/revoke
// invitations, suspend/resume, deletion.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { api } from '@/lib/client/api';
import type { TTenantDetail } from '@/lib/schemas/tenant-detail';
import type { TTenantUsageSummary, TUsageCounts } from '@/lib/schemas/usage';
import { tspErrorWords } from '@/lib/tsp-error-words';
import { providerLabel, statusWord } from '@/lib/client/console-text';
import { operatorKeys } from '@/lib/client/query-keys';
import { DeliveryBadge, DeliveryLegend } from '@/components/deployments/deployment-parts';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { sentTimes } from './format';
import { DateTime } from '@/components/ui/date-time';
import { useInvitationActions } from './invitation-actions';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';
import { TenantAuditCard } from './tenant-audit-card';
import { TenantActions } from './tenant-actions';
import { TENANT_STATUS } from './tenant-list-table';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const secretCounts = (s: TTenantDetail['secrets']) => (s.secrets === 0 ? 'None yet' : `${plural(s.paths, 'path')}, ${plural(s.secrets, 'secret')}`);

export function TenantDetailView({ externalId }: { externalId: string }) {
  const detail = useQuery({ queryKey: operatorKeys.tenant(externalId), queryFn: () => api.tenantDetail(externalId) });
  const invitations = useInvitationActions(operatorKeys.tenants());
  if (detail.isPending) return <LoadingState>Loading tenant…</LoadingState>;
  if (detail.isError) return <LoadError title="Could not load this tenant." error={detail.error} retrying={detail.isFetching} onRetry={() => void detail.refetch()} />;
  const d = detail.data;
  const t = d.tenant;
  return (
    <div className="space-y-8">
      <p className="text-sm">
        <Link href="/operator" className="text-brand-700 underline hover:no-underline dark:text-brand-50">← All tenants</Link>
      </p>
      <PageHeader title={`${t.displayName} (${t.externalId})`} description="Metadata only: the settings of this tenant are sealed by its admins and cannot be shown here." />
      <Card id="summary" title="Summary">
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium">Status</dt>
          <dd><Badge tone={TENANT_STATUS[t.status].tone}>{TENANT_STATUS[t.status].label}</Badge></dd>
          <dt className="font-medium">Environment</dt>
          <dd>{t.environment.displayName} (<span className="font-mono">{t.environment.slug}</span>)</dd>
          <dt className="font-medium">Tenant keys</dt>
          <dd>
            {t.hasKeys ? 'Set up by an admin' : 'Not yet (no admin has enrolled)'}
            {t.keyRotations > 0 && t.lastKeyRotationAt ? (
              <>
                {'; '}rotated {t.keyRotations === 1 ? 'once' : `${t.keyRotations} times`}, last <DateTime at={t.lastKeyRotationAt} />
              </>
            ) : null}
            {t.keyRotationDueAt ? (
              <span className="mt-1 block">
                <Badge tone="warning">Rotation due</Badge> an admin who held the keys was removed <DateTime at={t.keyRotationDueAt} />; the tenant&rsquo;s admins are asked to rotate them
              </span>
            ) : null}
          </dd>
          <dt className="font-medium">Signed state</dt>
          <dd>
            {t.stateSeq === 0 ? 'None yet' : `seq ${t.stateSeq}`}
            {t.appliedAhead !== null ? (
              <span className="mt-1 block">
                <Badge tone="warning">Changes lost</Badge> a deployment applied seq {t.appliedAhead}, later than the broker&rsquo;s (an older backup restored?); proxies keep
                seq {t.appliedAhead} until the tenant&rsquo;s admins re-issue the state on their configurations page
              </span>
            ) : null}
          </dd>
          <dt className="font-medium">Deterministic keys</dt>
          {/* Counts only: the paths name the tenant's data and stay with its admins. */}
          <dd data-testid="secret-counts">{secretCounts(d.secrets)}</dd>
          <dt className="font-medium">Admins must use MFA</dt>
          <dd>{t.requireMfa ? 'Yes' : 'No'}</dd>
          <dt className="font-medium">Created</dt>
          <dd><DateTime at={t.createdAt} /></dd>
          <dt className="font-medium">Last change</dt>
          <dd><DateTime at={t.lastChangeAt} /></dd>
        </dl>
      </Card>
      <Card id="actions" title="Actions">
        <TenantActions detail={d} />
      </Card>
      <Card id="configurations" title="Configurations">
        <Table caption="Configurations (metadata)" empty="No configurations." headers={['Label', 'Kind', 'Provider', 'Version', 'Status', 'Primary', 'Updated']} rows={d.configs.map((c) => [
          c.label, c.kind.toUpperCase(), providerLabel(c.provider), c.version,
          <Badge key="s" tone={c.status === 'active' ? 'success' : 'neutral'}>{statusWord(c.status)}</Badge>, c.isPrimary ? 'Primary' : '—', when(c.updatedAt),
        ])} />
      </Card>
      <Card id="delivery" title="Deployments and delivery" description="Which proxy deployments of the environment the tenant approved, and which signed state each has applied.">
        <Table caption="Deployment approvals and acknowledgements" empty="No proxy deployments in this environment." headers={['Deployment', 'Status', 'Approved by tenant', 'Delivery', 'Applied state', 'Errors', 'SIEM delivery']} rows={d.deployments.map((dep) => [
          <Link key="n" href={`/operator/deployments/${dep.id}`} className="text-brand-700 underline hover:no-underline dark:text-brand-50">{dep.name}</Link>,
          statusWord(dep.status), dep.approved ? 'Yes' : <Badge key="a" tone="warning">Approval pending</Badge>,
          dep.delivery ? <DeliveryBadge key="d" state={dep.delivery} lastReportAt={dep.lastStatusAt} stopped={dep.stopped} /> : '—',
          dep.appliedSeq === null ? 'Nothing reported' : <span key="p">{dep.appliedSeq} of {t.stateSeq}{dep.appliedAt ? <> ({when(dep.appliedAt)})</> : null}</span>,
          dep.errors.length ? dep.errors.map((e) => e.code).join(', ') : 'None',
          <SiemDeliveryLine key="s" summary={dep.siem} />,
        ])} />
        {d.deployments.some((dep) => dep.delivery) ? <DeliveryLegend /> : null}
        <h3 className="mt-6 mb-2 text-base font-semibold">Acknowledgements per version</h3>
        <Table caption="Configuration versions and the deployments that applied them" empty="No configuration versions." headers={['Configuration', 'Version', 'State', 'Created', 'Applied by', 'Not yet applied by']} rows={d.versions.map((v) => [
          v.label, v.version, v.stateSeq, when(v.createdAt), v.appliedBy.join(', ') || '—', v.pendingAt.join(', ') || '—',
        ])} />
      </Card>
      <TenantUsageCard usage={d.usage} />
      <Card id="admins" title="Admins">
        <Table caption="Tenant admins" empty="No admin has enrolled yet." headers={['Email', 'Enrolled', 'Confirmed', 'MFA']} rows={d.admins.map((a) => [
          a.email, when(a.createdAt), a.confirmed ? <span key="c">Yes{a.confirmedAt ? <>, {when(a.confirmedAt)}</> : null}</span> : <Badge key="c" tone="warning">Awaiting confirmation</Badge>, a.mfaEnabled ? 'On' : 'Off',
        ])} />
      </Card>
      <Card id="invitations" title="Invitations">
        <div className="space-y-4">
          {invitations.notice}
          <Table caption="Invitations to administer this tenant" empty="No invitations." headers={['Email', 'State', 'When', 'Sent', 'Actions']} rows={d.invitations.map((i) => [
            i.email, <Badge key="s" tone={i.state === 'open' ? 'warning' : i.state === 'accepted' ? 'success' : 'neutral'}>{statusWord(i.state)}</Badge>, invitationWhen(i), sentTimes(i.sendCount),
            i.state === 'open' || i.state === 'expired' ? invitations.renderActions({ id: i.id, email: i.email, context: ` for ${t.externalId}` }) : '—',
          ])} />
        </div>
      </Card>
      <Card id="timeline" title="Timeline" description="Created, invited, enrolled, confirmed, states signed, versions stored, deliveries applied — from the tenant’s records. Who did what is in the audit trail below.">
        <ol className="space-y-2 text-sm">
          {d.timeline.map((e, i) => (
            <li key={`${e.at}-${i}`} className="flex gap-3">
              <DateTime at={e.at} className="shrink-0 text-slate-600 dark:text-slate-400" />
              <span>{e.text}</span>
            </li>
          ))}
        </ol>
      </Card>
      <TenantAuditCard externalId={t.externalId} />
      {invitations.dialog}
    </div>
  );
}

const when = (iso: string) => <DateTime at={iso} />;

/** "2 of 3 configurations delivering; 1 failing (auth); 1,200 waiting; 4 dropped": metadata only, no settings, no messages. */
function SiemDeliveryLine({ summary }: { summary: TTenantDetail['deployments'][number]['siem'] }) {
  if (!summary) return <>Not reported</>;
  const n = new Intl.NumberFormat('en');
  return (
    <span>
      {summary.delivering} of {summary.configs} {summary.configs === 1 ? 'configuration' : 'configurations'} delivering
      {summary.failing ? (
        <>
          ; <Badge tone="danger">{summary.failing} failing</Badge>
          {summary.codes.length ? ` (${summary.codes.join(', ')})` : ''}
        </>
      ) : null}
      ; {n.format(summary.backlog)} waiting; {n.format(summary.dropped)} dropped
    </span>
  );
}

/** The date that matters for the invitation's state: an ended invitation's expiry no longer does. */
function invitationWhen(i: TTenantDetail['invitations'][number]) {
  if (i.state === 'accepted' && i.acceptedAt) return <>Accepted {when(i.acceptedAt)}</>;
  if (i.state === 'revoked' && i.revokedAt) return <>Revoked {when(i.revokedAt)}</>;
  return <>{i.state === 'expired' ? 'Expired' : 'Expires'} {when(i.expiresAt)}</>;
}

function Table({ caption, headers, rows, empty }: { caption: string; headers: string[]; rows: ReactNode[][]; empty: string }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">{empty}</p>;
  return (
    <TableScroller label={caption}>
      <table className={TABLE}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>{headers.map((h) => <th key={h} scope="col" className={TH}>{h}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((cells, r) => (
            <tr key={r}>
              {cells.map((cell, c) => (c === 0 ? <th key={c} scope="row" className={`${TD} font-medium`}>{cell}</th> : <td key={c} className={TD}>{cell}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

const count = new Intl.NumberFormat('en');
const usageRow = (name: string, c: TUsageCounts) => [name, count.format(c.wraps), count.format(c.unwraps), count.format(c.rekeys), count.format(c.failed), count.format(c.siemSent), count.format(c.siemDropped)];

/** Key use the tenant's deployments reported (counts and TSP error codes only; the broker cannot prove them). */
function TenantUsageCard({ usage }: { usage: TTenantUsageSummary }) {
  return (
    <Card id="usage" title="Key use" description="Counts the tenant’s proxy deployments reported (the broker cannot prove them): key use, failures by TSP error code, SIEM events.">
      <p className="mb-3 text-sm">
        <span className="font-semibold">Last used: </span>
        {usage.lastUsedAt ? <DateTime at={usage.lastUsedAt} relative /> : 'not in the last 30 days'}
      </p>
      <Table caption="Key use of this tenant" empty="No key use reported." headers={['Period', 'Wraps', 'Unwraps', 'Rekeys', 'Failed', 'SIEM sent', 'SIEM dropped']} rows={[usageRow('Last 24 hours', usage.day), usageRow('Last 30 days', usage.month)]} />
      <h3 className="mt-4 mb-2 text-base font-semibold">Top error codes (30 days)</h3>
      <Table caption="Failed key uses by TSP error code" empty="No failures reported." headers={['Code', 'Meaning', 'Failures']} rows={usage.topErrors.map((e) => [e.code, tspErrorWords(e.code), count.format(e.count)])} />
    </Card>
  );
}
