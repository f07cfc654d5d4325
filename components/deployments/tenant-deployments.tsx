'use client';
// A tenant's proxy deployments: which ones its signed state approves (the
// broker's flag is only compared, never trusted), which ask for access, what
// change each has applied next to the current one, where each stands in
// receiving changes (not connected yet, offline, up to date, catching up, or —
// only on evidence — not receiving updates: lib/delivery-state.ts) and the
// errors each reported for this tenant.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type TTenantDeployment, type TTenantDeployments } from '@/lib/client/api';
import { DELIVERY_TEXT, deliveryState, stoppedOf, stoppedSentence, type TDeliveryState } from '@/lib/delivery-state';
import type { TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { ChangeFailed, LoadFailed } from '@/components/configs/config-alerts';
import { TenantKeysPage } from '@/components/configs/tenant-keys-gate';
import { useOverview } from '@/components/configs/use-configs';
import { Fingerprint } from '@/components/keys/fingerprint';
import { DateTime } from '@/components/ui/date-time';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { ApproveDialog, RemoveDialog } from './approval-dialogs';
import { DeliveryBadge, ErrorList, StatusBadge } from './deployment-parts';
import { progressText, useApproval } from './use-approval';

export function TenantDeployments({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  return (
    <TenantKeysPage
      tenant={tenant}
      tenantName={tenantName}
      section="deployments"
      title="Proxy deployments"
      description="The vendor’s key proxy clusters. Only the deployments you approve can decrypt your configurations; approving or removing one re-seals every configuration in this browser."
    >
      {(ctx) => <Body tenant={tenant} ctx={ctx} />}
    </TenantKeysPage>
  );
}

type TPending = { action: 'approve' | 'remove'; deployment: TTenantDeployment; base: TTenantDeployments };

function Body({ tenant, ctx }: { tenant: string; ctx: TTenantContext }) {
  const overview = useOverview(tenant, ctx);
  // Refreshed while open, so "catching up" turns into "up to date" (or worse) without a reload.
  const deployments = useQuery({ queryKey: tenantKeys.deployments(tenant), queryFn: () => api.tenantDeployments(tenant), refetchOnWindowFocus: false, refetchInterval: 30_000 });
  const { mutation, progress } = useApproval(tenant, ctx);
  const [pending, setPending] = useState<TPending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (overview.isPending || deployments.isPending) return <LoadingState>Loading and verifying the deployments…</LoadingState>;
  if (overview.isError) return <LoadFailed title="The signed tenant state could not be verified" error={overview.error} retrying={overview.isFetching} onRetry={() => void overview.refetch()} />;
  if (deployments.isError) return <LoadFailed title="The deployments could not be loaded" error={deployments.error} retrying={deployments.isFetching} onRetry={() => void deployments.refetch()} />;

  const approvedKids = overview.data.state?.recipients ?? [];
  const seq = overview.data.state?.seq ?? 0;
  const count = overview.data.rows.length;
  const rows = deployments.data.deployments.map((d) => ({ ...d, signedApproved: approvedKids.includes(d.kid) }));
  const disagree = rows.some((d) => d.signedApproved !== d.approved) || approvedKids.some((kid) => !rows.some((d) => d.kid === kid));
  const approved = rows.filter((d) => d.signedApproved);
  const others = rows.filter((d) => !d.signedApproved && d.status !== 'deleted');

  function run(p: TPending) {
    setPending(null);
    setDone(null);
    const name = p.deployment.name ?? 'The deleted deployment';
    mutation.mutate(
      { deployments: p.base, edit: p.action === 'approve' ? { approve: p.deployment.kid } : { remove: p.deployment.kid } },
      { onSuccess: () => setDone(p.action === 'approve' ? `${name} is approved; ${count} configurations re-sealed.` : `${name} is removed; ${count} configurations re-sealed.`) },
    );
  }
  const open = (action: TPending['action'], deployment: TTenantDeployment) => {
    mutation.reset();
    setDone(null);
    setPending({ action, deployment, base: deployments.data });
  };
  // Against the seq this browser verified, on the broker's clock (its answer's time and the tenant's last change).
  const deliveryOf = (d: (typeof rows)[number]) =>
    d.signedApproved && d.status === 'active'
      ? deliveryState(
          { lastReportAt: d.lastStatusAt, appliedSeq: d.appliedSeq, currentSeq: seq, changedAt: deployments.data.changedAt, stopped: stoppedOf(d.errors) },
          Date.parse(deployments.data.generatedAt),
        )
      : null;
  const card = (d: (typeof rows)[number]) => (
    <DeploymentCard key={d.kid} d={d} seq={seq} delivery={deliveryOf(d)} busy={mutation.isPending} approved={d.signedApproved} onApprove={() => open('approve', d)} onRemove={() => open('remove', d)} />
  );

  return (
    <div className="space-y-6">
      <div role="status" aria-live="polite" className="text-sm text-slate-700 dark:text-slate-300">
        {mutation.isPending ? <span aria-busy="true">{progressText(progress)}</span> : null}
      </div>
      {mutation.isError ? <ChangeFailed error={mutation.error} onReload={() => void Promise.all([overview.refetch(), deployments.refetch()])} reloading={overview.isFetching} /> : null}
      {done ? <Alert tone="success">{done}</Alert> : null}
      {disagree ? (
        <Alert tone="warning" title="The broker’s list disagrees with your signed state">
          Approval shown here follows your tenant’s signed state. The broker reports a different set; reload, and if it persists tell the vendor.
        </Alert>
      ) : null}
      <Card id="approved" title="Approved deployments" description="These can decrypt your configurations.">
        {approved.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None yet.</p> : <ul className="space-y-4">{approved.map(card)}</ul>}
      </Card>
      <Card id="other" title="Not approved" description="Deployments of your environment that cannot decrypt your configurations.">
        {others.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">None.</p> : <ul className="space-y-4">{others.map(card)}</ul>}
      </Card>
      <ApproveDialog target={pending?.action === 'approve' ? pending.deployment : null} count={count} onCancel={() => setPending(null)} onConfirm={() => pending && run(pending)} />
      <RemoveDialog target={pending?.action === 'remove' ? pending.deployment : null} count={count} onCancel={() => setPending(null)} onConfirm={() => pending && run(pending)} />
    </div>
  );
}

type TCardProps = { d: TTenantDeployment; seq: number; delivery: TDeliveryState | null; approved: boolean; busy: boolean; onApprove: () => void; onRemove: () => void };

function DeploymentCard({ d, seq, delivery, approved, busy, onApprove, onRemove }: TCardProps) {
  const name = d.name ?? 'Deleted deployment';
  // Its proxies' own report that the broker stopped handing this tenant over, and at which change.
  const stopped = delivery === 'stopped' ? stoppedOf(d.errors) : null;
  return (
    <li className="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid={`tenant-deployment-${name}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="font-medium">
            {name} {d.environment ? <span className="font-normal text-slate-600 dark:text-slate-400">· {d.environment}</span> : null}
          </p>
          <p className="mt-1 flex flex-wrap gap-2">
            <StatusBadge status={d.status} />
            {approved ? <Badge tone="success">Approved</Badge> : d.status === 'active' ? <Badge tone="warning">Asks for access</Badge> : null}
          </p>
        </div>
        <div className="flex gap-2">
          {!approved && d.status === 'active' ? (
            <Button onClick={onApprove} disabled={busy} aria-label={`Approve ${name}`}>
              Approve
            </Button>
          ) : null}
          {approved ? (
            <Button variant="secondary" onClick={onRemove} disabled={busy} aria-label={`Remove ${name}`}>
              Remove
            </Button>
          ) : null}
        </div>
      </div>
      <div className="mt-3">
        {d.publicJwk ? <Fingerprint jwk={d.publicJwk} label={`Key fingerprint of ${name}`} size={40} /> : <p className="text-sm">Key no longer on record (kid {d.kid.slice(0, 8)}…).</p>}
      </div>
      <dl className="mt-3 grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        {delivery ? (
          <>
            <dt className="font-medium">Delivery</dt>
            <dd data-testid="delivery">
              <DeliveryBadge state={delivery} lastReportAt={d.lastStatusAt} stopped={stopped} />
              <span className="mt-1 block" data-testid={stopped ? 'stopped' : undefined}>
                {stopped ? stoppedSentence(stopped, 'tenant') : DELIVERY_TEXT[delivery].explanation}
                {delivery === 'ahead' ? ' Re-issue the state on the configurations page.' : ''}
                {stopped ? ' Ask the vendor why. A Tenant Security Proxy that was serving your tenant also told your SIEM.' : ''}
              </span>
            </dd>
          </>
        ) : null}
        <dt className="font-medium">Applied</dt>
        <dd data-testid="applied">{d.appliedSeq === null ? 'no change applied yet' : `change ${d.appliedSeq} of ${seq}`}</dd>
        <dt className="font-medium">Last status report</dt>
        <dd>{d.lastStatusAt ? <DateTime at={d.lastStatusAt} /> : 'never'}</dd>
        <dt className="font-medium">Errors</dt>
        <dd>
          <ErrorList count={d.errors.length} errors={d.errors} name={name} audience="tenant" />
        </dd>
      </dl>
    </li>
  );
}
