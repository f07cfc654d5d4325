'use client';
// "Delivery" on a SIEM configuration's page: how each proxy deployment of the
// tenant's environment delivers this configuration's events, as its instances
// last reported (GET …/configs/{id}/delivery, refreshed every 10 s). Each
// deployment gets a state in words (lib/siem-delivery-state.ts), its last
// success, what waits, what was sent, retried and dropped, and why it fails;
// a deployment with several instances lists them. The broker only relays the
// proxies' own counts and codes: the SIEM's messages stay in the proxies' logs.
import { useQuery } from '@tanstack/react-query';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Badge, Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { api } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import type { TSiemDeliveryDeployment, TSiemDeliveryInstance } from '@/lib/schemas/siem-delivery';
import { SIEM_DELIVERY_TEXT, siemErrorText, type TSiemDeliveryState } from '@/lib/siem-delivery-state';

export const SIEM_DELIVERY_REFRESH_MS = 10_000;

const count = new Intl.NumberFormat('en');

export function SiemDelivery({ tenant, configId, label }: { tenant: string; configId: string; label: string }) {
  const delivery = useQuery({
    queryKey: tenantKeys.siemDelivery(tenant, configId),
    queryFn: () => api.siemDelivery(tenant, configId),
    refetchInterval: SIEM_DELIVERY_REFRESH_MS,
  });
  return (
    <Card id="delivery" title="Delivery" description="How the key proxies deliver this configuration’s events to the SIEM, as they last reported (refreshed every 10 seconds).">
      {delivery.isPending ? <LoadingState>Loading delivery reports…</LoadingState> : null}
      {delivery.isError ? (
        <LoadError title="Delivery reports could not be loaded." error={delivery.error} retrying={delivery.isFetching} onRetry={() => void delivery.refetch()} />
      ) : null}
      {delivery.data && delivery.data.deployments.length === 0 ? (
        <p className="max-w-[80ch] text-sm text-slate-600 dark:text-slate-400">
          No key proxy has reported delivery for this configuration yet. Proxies report within a minute of receiving it; until then, either no deployment of
          your environment serves it yet (approve one on the Deployments tab), no proxy has started, or the proxies run a version that does not report
          SIEM delivery.
        </p>
      ) : null}
      {delivery.data && delivery.data.deployments.length > 0 ? (
        <div className="space-y-4">
          <TableScroller label={`Delivery of ${label} per deployment`}>
            <table className={TABLE}>
              <caption className="sr-only">Delivery of {label} per deployment</caption>
              <HeaderRow headers={['Deployment', 'State', 'Last success', 'Waiting', 'Sent', 'Retried', 'Dropped', 'Failure']} />
              <tbody>
                {delivery.data.deployments.map((d) => (
                  <DeploymentRow key={d.id} deployment={d} />
                ))}
              </tbody>
            </table>
          </TableScroller>
          {delivery.data.deployments
            .filter((d) => d.instances.length > 1)
            .map((d) => (
              <InstanceTable key={d.id} deployment={d} />
            ))}
          <StateLegend states={[...new Set(delivery.data.deployments.flatMap((d) => [d.state, ...d.instances.map((i) => i.state)]))]} />
        </div>
      ) : null}
    </Card>
  );
}

export function SiemStateBadge({ state }: { state: TSiemDeliveryState }) {
  return <Badge tone={SIEM_DELIVERY_TEXT[state].tone}>{SIEM_DELIVERY_TEXT[state].label}</Badge>;
}

/** One deployment: its state, and the sums of its current instances (one instance: its own values). */
function DeploymentRow({ deployment: d }: { deployment: TSiemDeliveryDeployment }) {
  const current = d.instances.filter((i) => i.state !== 'stale');
  const shown = current.length ? current : d.instances;
  const sum = (pick: (i: TSiemDeliveryInstance) => number) => count.format(shown.reduce((n, i) => n + pick(i), 0));
  const lastSuccess = latest(shown.map((i) => i.lastSuccessAt));
  const failingSince = earliest(shown.map((i) => i.failingSince));
  const codes = [...new Set(shown.map((i) => i.lastErrorCode).filter((c) => c !== null))];
  return (
    <tr>
      <th scope="row" className={`${TD} font-medium`}>
        {d.name}
        {d.instances.length > 1 ? <span className="block text-xs font-normal text-slate-600 dark:text-slate-400">{d.instances.length} instances</span> : null}
      </th>
      <td className={TD}>
        <SiemStateBadge state={d.state} />
      </td>
      <td className={TD}>{lastSuccess ? <DateTime at={lastSuccess} relative /> : 'Never'}</td>
      <td className={TD}>{sum((i) => i.backlog)}</td>
      <td className={TD}>{sum((i) => i.sent)}</td>
      <td className={TD}>{sum((i) => i.retried)}</td>
      <td className={TD}>{sum((i) => i.dropped)}</td>
      <td className={TD}>
        {codes.length ? (
          <>
            {codes.map((c) => (
              <span key={c} className="block">
                {siemErrorText(c)}
              </span>
            ))}
            {failingSince ? (
              <span className="block text-slate-600 dark:text-slate-400">
                Failing since <DateTime at={failingSince} />
              </span>
            ) : null}
          </>
        ) : (
          'None'
        )}
      </td>
    </tr>
  );
}

function InstanceTable({ deployment: d }: { deployment: TSiemDeliveryDeployment }) {
  const caption = `Instances of ${d.name}`;
  return (
    <TableScroller label={caption}>
      <table className={TABLE}>
        <caption className="mb-2 text-left text-sm font-semibold">{caption}</caption>
        <HeaderRow headers={['Instance', 'State', 'Version', 'Last success', 'Waiting', 'Sent', 'Retried', 'Dropped', 'Failure', 'When full', 'Last report']} />
        <tbody>
          {d.instances.map((i) => (
            <tr key={i.instanceId}>
              <th scope="row" className={`${TD} font-mono font-normal`}>
                {i.instanceId}
              </th>
              <td className={TD}>
                <SiemStateBadge state={i.state} />
              </td>
              <td className={TD}>{i.version}</td>
              <td className={TD}>{i.lastSuccessAt ? <DateTime at={i.lastSuccessAt} relative /> : 'Never'}</td>
              <td className={TD}>{count.format(i.backlog)}</td>
              <td className={TD}>{count.format(i.sent)}</td>
              <td className={TD}>{count.format(i.retried)}</td>
              <td className={TD}>{count.format(i.dropped)}</td>
              <td className={TD}>
                {i.lastErrorCode ? siemErrorText(i.lastErrorCode) : 'None'}
                {i.failingSince ? (
                  <span className="block text-slate-600 dark:text-slate-400">
                    since <DateTime at={i.failingSince} />
                  </span>
                ) : null}
              </td>
              <td className={TD}>{i.onFull === 'refuse' ? 'Refuse new events' : 'Drop the oldest'}</td>
              <td className={TD}>
                <DateTime at={i.reportedAt} relative />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

function HeaderRow({ headers }: { headers: string[] }) {
  return (
    <thead>
      <tr>
        {headers.map((h) => (
          <th key={h} scope="col" className={TH}>
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** What each state shown means, in a sentence. */
function StateLegend({ states }: { states: TSiemDeliveryState[] }) {
  return (
    <dl className="grid max-w-[80ch] gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
      {states.map((s) => (
        <div key={s} className="contents">
          <dt className="font-medium">{SIEM_DELIVERY_TEXT[s].label}</dt>
          <dd className="text-slate-600 dark:text-slate-400">{SIEM_DELIVERY_TEXT[s].explanation}</dd>
        </div>
      ))}
    </dl>
  );
}

const latest = (times: (string | null)[]) => times.filter((t) => t !== null).sort().at(-1) ?? null;
const earliest = (times: (string | null)[]) => times.filter((t) => t !== null).sort()[0] ?? null;
