'use client';
// "Usage" on a configuration's page (issue 23): the key use the proxy
// deployments reported for it (GET …/configs/{id}/usage), as a 24-hour and a
// 30-day chart — an SVG drawn here, described for screen readers, with the
// same figures as a table — "Last used", the commonest error codes in words,
// and per deployment what it reported. SIEM configurations show the events
// sent and dropped instead. The broker only relays these counts: the page
// says which deployment reported them and that the broker cannot prove them.
import { useQuery } from '@tanstack/react-query';
import { LoadError, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { api } from '@/lib/client/api';
import { formatDateTime } from '@/lib/client/dates';
import { tenantKeys } from '@/lib/client/query-keys';
import type { TConfigUsageView, TUsageCounts, TUsageRange } from '@/lib/schemas/usage';
import { tspErrorWords } from '@/lib/tsp-error-words';

export const USAGE_REFRESH_MS = 30_000;
const count = new Intl.NumberFormat('en');

type TKind = 'kms' | 'siem';
type TSeries = { name: string; pick: (c: TUsageCounts) => number; fill: string };

const SERIES: Record<TKind, TSeries[]> = {
  kms: [
    { name: 'Wraps', pick: (c) => c.wraps, fill: 'fill-sky-600' },
    { name: 'Unwraps', pick: (c) => c.unwraps, fill: 'fill-emerald-600' },
    { name: 'Rekeys', pick: (c) => c.rekeys, fill: 'fill-violet-600' },
    { name: 'Failed', pick: (c) => c.failed, fill: 'fill-red-600' },
  ],
  siem: [
    { name: 'Sent', pick: (c) => c.siemSent, fill: 'fill-sky-600' },
    { name: 'Dropped', pick: (c) => c.siemDropped, fill: 'fill-red-600' },
  ],
};

const RANGE_TEXT: Record<TUsageRange, string> = { '24h': 'Last 24 hours, per hour', '30d': 'Last 30 days, per day' };

export function ConfigUsage({ tenant, configId, label, kind }: { tenant: string; configId: string; label: string; kind: TKind }) {
  const day = useQuery({ queryKey: tenantKeys.usage(tenant, configId, '24h'), queryFn: () => api.configUsage(tenant, configId, '24h'), refetchInterval: USAGE_REFRESH_MS });
  const month = useQuery({ queryKey: tenantKeys.usage(tenant, configId, '30d'), queryFn: () => api.configUsage(tenant, configId, '30d'), refetchInterval: USAGE_REFRESH_MS });
  const what = kind === 'kms' ? 'key use' : 'events';
  const reporters = [...new Set([...(day.data?.deployments ?? []), ...(month.data?.deployments ?? [])].map((d) => d.name))];
  return (
    <Card id="usage" title="Usage" description={`The ${what} the key proxies reported for this configuration, per minute and summed here per hour and per day (refreshed every 30 seconds).`}>
      {day.isPending ? <LoadingState>Loading usage…</LoadingState> : null}
      {day.isError ? <LoadError title="Usage could not be loaded." error={day.error} retrying={day.isFetching} onRetry={() => void day.refetch()} /> : null}
      {day.data && month.data && reporters.length === 0 ? (
        <p className="max-w-[80ch] text-sm text-slate-600 dark:text-slate-400">
          {kind === 'kms' ? 'No key use reported yet.' : 'No events reported yet.'} Proxies report each minute that is over within about a minute; older proxies report
          no usage.
        </p>
      ) : null}
      {day.data && reporters.length > 0 ? (
        <div className="space-y-6">
          <p className="max-w-[80ch] text-sm" data-testid="usage-reported-by">
            Reported by deployment {reporters.join(', ')}; the broker cannot prove these counts.
          </p>
          {kind === 'kms' ? <LastUsed view={month.data ?? day.data} /> : null}
          <UsageRange view={day.data} label={label} kind={kind} />
          {month.data ? <UsageRange view={month.data} label={label} kind={kind} /> : null}
          {month.isError ? <LoadError title="The 30-day usage could not be loaded." error={month.error} retrying={month.isFetching} onRetry={() => void month.refetch()} /> : null}
          <TopErrors view={month.data ?? day.data} />
        </div>
      ) : null}
    </Card>
  );
}

function LastUsed({ view }: { view: TConfigUsageView }) {
  return (
    <p className="text-sm" data-testid="usage-last-used">
      <span className="font-semibold">Last used: </span>
      {view.lastUsed ? (
        <>
          <DateTime at={view.lastUsed.at} relative /> (the minute from <DateTime at={view.lastUsed.at} />, reported by {view.lastUsed.deploymentName})
        </>
      ) : (
        'not in the last 30 days'
      )}
    </p>
  );
}

function UsageRange({ view, label, kind }: { view: TConfigUsageView; label: string; kind: TKind }) {
  const series = SERIES[kind];
  const title = RANGE_TEXT[view.range];
  return (
    <section aria-label={title} className="space-y-2">
      <h3 className="text-sm font-semibold">{title}</h3>
      <UsageChart view={view} series={series} label={label} />
      <details>
        <summary className="cursor-pointer text-sm underline">Data table ({title.toLowerCase()})</summary>
        <TableScroller label={`${title}: ${label}`}>
          <table className={TABLE}>
            <caption className="sr-only">
              {title}: {label}, all deployments
            </caption>
            <SeriesHead first={view.bucket === 'hour' ? 'Hour from' : 'Day from'} series={series} />
            <tbody>
              {view.starts.map((start, i) => (
                <tr key={start}>
                  <th scope="row" className={`${TD} font-normal`}>
                    <DateTime at={start} />
                  </th>
                  {series.map((s) => (
                    <td key={s.name} className={TD}>
                      {count.format(s.pick(view.total[i] as TUsageCounts))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      </details>
      <TableScroller label={`${title} per deployment: ${label}`}>
        <table className={TABLE}>
          <caption className="sr-only">
            {title} per deployment: {label}
          </caption>
          <SeriesHead first="Reported by deployment" series={series} />
          <tbody>
            {view.deployments.map((d) => (
              <tr key={d.id}>
                <th scope="row" className={`${TD} font-medium`}>
                  {d.name}
                </th>
                {series.map((s) => (
                  <td key={s.name} className={TD}>
                    {count.format(s.pick(d.sum))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroller>
    </section>
  );
}

function SeriesHead({ first, series }: { first: string; series: TSeries[] }) {
  return (
    <thead>
      <tr>
        <th scope="col" className={TH}>
          {first}
        </th>
        {series.map((s) => (
          <th key={s.name} scope="col" className={TH}>
            {s.name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

const W = 600;
const H = 120;

/** Stacked bars, one per bucket; the accessible name says what the chart shows and its totals. */
function UsageChart({ view, series, label }: { view: TConfigUsageView; series: TSeries[]; label: string }) {
  const heights = view.total.map((c) => series.reduce((n, s) => n + s.pick(c), 0));
  const max = Math.max(1, ...heights);
  const slot = W / view.total.length;
  const peak = heights.indexOf(Math.max(...heights));
  const totals = series.map((s) => `${count.format(view.total.reduce((n, c) => n + s.pick(c), 0))} ${s.name.toLowerCase()}`).join(', ');
  const peakText = heights[peak] ? `; busiest ${view.bucket} from ${formatDateTime(view.starts[peak] as string)}` : '';
  return (
    <svg role="img" aria-label={`${RANGE_TEXT[view.range]} for ${label}: ${totals}${peakText}. The data table below has every ${view.bucket}.`} viewBox={`0 0 ${W} ${H + 2}`} className="h-32 w-full max-w-2xl">
      <line x1={0} x2={W} y1={H} y2={H} className="stroke-slate-400" strokeWidth={1} />
      {view.total.map((c, i) => {
        let y = H;
        return series.map((s) => {
          const h = (s.pick(c) / max) * (H - 4);
          y -= h;
          return h > 0 ? <rect key={`${view.starts[i]}-${s.name}`} x={i * slot + 1} y={y} width={Math.max(1, slot - 2)} height={h} className={s.fill} /> : null;
        });
      })}
    </svg>
  );
}

function TopErrors({ view }: { view: TConfigUsageView }) {
  return (
    <section aria-label="Top error codes" className="space-y-2">
      <h3 className="text-sm font-semibold">Top error codes ({view.range === '30d' ? 'last 30 days' : 'last 24 hours'})</h3>
      {view.topErrors.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No failures reported.</p>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="usage-top-errors">
          {view.topErrors.map((e) => (
            <li key={e.code}>
              <span className="font-mono">{e.code}</span> {tspErrorWords(e.code)}: {count.format(e.count)} (reported by {e.deployments.join(', ')})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
