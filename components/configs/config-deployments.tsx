'use client';
// Propagation per deployment, for one configuration: each deployment the
// verified tenant state approves, whether it has applied this version, with
// what error and since when (lib/config-propagation.ts deploymentApply), on
// the configuration page as a table and in the list's Propagation cell as a
// disclosure. What the proxies report to the broker: informational.
import { useQuery } from '@tanstack/react-query';
import { LoadError, LoadingState, TABLE_FIT, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Badge, Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { api } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import { applyPerDeployment, PROPAGATION_NOTE, type TDeploymentApplyRow } from '@/lib/config-propagation';
import type { TConfigView, TOverview } from './use-configs';

/** The tenant's deployments as the list and the page read them, refreshed while open. */
export function useTenantDeployments(tenant: string) {
  return useQuery({ queryKey: tenantKeys.deployments(tenant), queryFn: () => api.tenantDeployments(tenant), refetchOnWindowFocus: false, refetchInterval: 30_000 });
}

function Since({ row }: { row: TDeploymentApplyRow }) {
  if (!row.apply.since) return <>—</>;
  return <DateTime at={row.apply.since} />;
}

function Errors({ row }: { row: TDeploymentApplyRow }) {
  if (row.apply.errors.length === 0) return <>None reported</>;
  return (
    <ul className="space-y-1">
      {row.apply.errors.map((e, i) => (
        <li key={`${e.code}-${i}`}>
          <code>{e.code}</code>
          {e.message ? `: ${e.message}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The list's disclosure: one line per deployment. */
export function ApplyDetails({ rows, label }: { rows: TDeploymentApplyRow[]; label: string }) {
  return (
    <details className="mt-1">
      <summary className="cursor-pointer">{label}</summary>
      <ul className="mt-1 space-y-1">
        {rows.map((row) => (
          <li key={row.kid} data-testid={`apply-${row.name}`} data-apply={row.apply.state}>
            <span className="font-medium">{row.name}</span>: {row.apply.label}
            {row.apply.since ? (
              <>
                {' '}
                (since <DateTime at={row.apply.since} />)
              </>
            ) : null}
            {row.apply.errors.length ? ` — ${row.apply.errors.map((e) => e.code).join(', ')}` : ''}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ConfigDeployments({ tenant, row, overview }: { tenant: string; row: TConfigView; overview: TOverview }) {
  const deployments = useTenantDeployments(tenant);
  const recipients = overview.state?.recipients ?? [];
  return (
    <Card id="propagation" title="Propagation per deployment" description={`Whether each approved deployment has applied version ${row.latestVersion} as it is now. ${PROPAGATION_NOTE}`}>
      {recipients.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No proxy deployment is approved, so no proxy can use this configuration yet. Approve one on the Deployments tab.</p>
      ) : deployments.isPending ? (
        <LoadingState>Loading what the deployments report…</LoadingState>
      ) : deployments.isError ? (
        <LoadError title="The deployments could not be loaded" error={deployments.error} retrying={deployments.isFetching} onRetry={() => void deployments.refetch()} />
      ) : (
        <TableScroller label="Propagation per deployment">
          <table className={TABLE_FIT}>
            <caption className="sr-only">{`Whether each approved deployment has applied ${row.label} version ${row.latestVersion}, since when, and its errors`}</caption>
            <thead>
              <tr>
                <th scope="col" className={TH}>Deployment</th>
                <th scope="col" className={TH}>State</th>
                <th scope="col" className={TH}>Since</th>
                <th scope="col" className={TH}>Errors</th>
              </tr>
            </thead>
            <tbody>
              {applyPerDeployment({
                recipients,
                deployments: deployments.data.deployments,
                configId: row.id,
                changedSeq: row.changedSeq,
                changedAt: row.changedAt,
                verifiedSeq: overview.state?.seq ?? row.changedSeq,
                now: Date.parse(deployments.data.generatedAt),
              }).map((r) => (
                <tr key={r.kid} data-testid={`propagation-${r.name}`} data-apply={r.apply.state}>
                  <th scope="row" className={`${TD} font-medium`}>
                    {r.name}
                  </th>
                  <td className={TD}>
                    <Badge tone={r.apply.tone}>{r.apply.label}</Badge>
                    <span className="block text-xs text-slate-600 dark:text-slate-400">{r.apply.explanation}</span>
                  </td>
                  <td className={`${TD} whitespace-nowrap`}>
                    <Since row={r} />
                  </td>
                  <td className={TD}>
                    <Errors row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      )}
    </Card>
  );
}
