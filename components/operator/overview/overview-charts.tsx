'use client';
// The overview's charts, with recharts (loaded on demand by overview-view).
// Each chart is an image to assistive technology, labelled with what it
// shows; the numbers are in the table under it.
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Text, Tooltip, XAxis, YAxis } from 'recharts';
import { providerLabel, statusWord } from '@/lib/client/console-text';
import type { TOverview } from '@/lib/schemas/overview';
import { Card } from '@/components/ui/card';
import { DataTable } from './overview-parts';
import { formatClock, timeZoneLabel } from '@/lib/client/dates';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
const STATUS_COLORS: Record<string, string> = { active: '#16a34a', invited: '#ca8a04', suspended: '#dc2626' };

// recharts draws axis text in #666, under AA contrast on the dark background, and its grid in a light
// grey that glares there; legend text takes each series' colour (the grey of "Disabled" is 2.5:1 on
// white), so the legend's words get the text colour.
const CHART_TONES = [
  'text-sm',
  '[&_.recharts-cartesian-axis-tick-value]:fill-slate-700 dark:[&_.recharts-cartesian-axis-tick-value]:fill-slate-300',
  '[&_.recharts-cartesian-grid_line]:stroke-slate-200 dark:[&_.recharts-cartesian-grid_line]:stroke-slate-800',
  '[&_.recharts-label]:fill-slate-700 dark:[&_.recharts-label]:fill-slate-300',
].join(' ');
const legendText = (value: string) => <span className="text-slate-700 dark:text-slate-300">{value}</span>;

/** Provider names are long ("Splunk HTTP Event Collector"): each wraps within the axis instead of being skipped. */
const PROVIDER_AXIS_WIDTH = 160;
/** Room per provider bar, so every name fits beside its bar (two lines at most). */
const PROVIDER_ROW_PX = 40;

function ProviderTick({ x, y, payload }: { x?: number | string; y?: number | string; payload?: { value: string } }) {
  return (
    <Text x={Number(x)} y={Number(y)} width={PROVIDER_AXIS_WIDTH - 12} textAnchor="end" verticalAnchor="middle" className="recharts-cartesian-axis-tick-value">
      {payload?.value ?? ''}
    </Text>
  );
}

function ChartFrame({ label, height = 256, children }: { label: string; height?: number; children: React.ReactElement }) {
  return (
    <div role="img" aria-label={label} className={`w-full ${CHART_TONES}`} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        {children}
      </ResponsiveContainer>
    </div>
  );
}

export function OverviewCharts({ data }: { data: TOverview }) {
  const environments = [...new Set(data.tenants.map((t) => t.environment))];
  const byEnvironment = environments.map((environment) => {
    const row: Record<string, string | number> = { environment };
    for (const t of data.tenants.filter((x) => x.environment === environment)) row[t.status] = t.count;
    return row;
  });
  const statuses = [...new Set(data.tenants.map((t) => t.status))];
  const providers = data.configs.map((c) => ({ provider: providerLabel(c.provider), active: c.active, disabled: c.disabled }));
  const lagPoints = data.buckets.map((at, i) => {
    const row: Record<string, string | number | null> = { at: formatClock(at) };
    for (const s of data.lag) row[s.name] = s.values[i] ?? null;
    return row;
  });
  const errorPoints = data.buckets.map((at, i) => ({ at: formatClock(at), errors: data.errors[i] ?? 0 }));
  const lagReported = data.lag.some((s) => s.values.some((v) => v !== null));
  // The ticks are bare clocks ("14:30"); the axis and the tables name the viewer's zone once.
  const zone = timeZoneLabel(data.buckets.at(-1));
  const timeAxis = { value: `Time (${zone})`, position: 'insideBottom' as const, offset: 0 };
  const halfHour = `Half hour (${zone})`;

  return (
    <div className="grid gap-8 lg:grid-cols-2">
      <Card id="tenants-chart" title="Tenants by environment and status">
        {byEnvironment.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No tenants yet.</p>
        ) : (
          <ChartFrame label={`Bar chart of tenants per environment by status: ${data.tenants.map((t) => `${t.environment} ${statusWord(t.status)} ${t.count}`).join(', ')}`}>
            <BarChart data={byEnvironment}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="environment" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend formatter={legendText} />
              {statuses.map((s) => (
                <Bar key={s} dataKey={s} stackId="tenants" fill={STATUS_COLORS[s] ?? '#4b5563'} name={statusWord(s)} />
              ))}
            </BarChart>
          </ChartFrame>
        )}
      </Card>
      <Card id="configs-chart" title="Configurations by provider">
        {providers.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No configurations yet.</p>
        ) : (
          <ChartFrame
            label={`Bar chart of configurations per provider: ${providers.map((p) => `${p.provider} ${p.active} active, ${p.disabled} disabled`).join('; ')}`}
            height={Math.max(256, providers.length * PROVIDER_ROW_PX + 80)}
          >
            <BarChart data={providers} layout="vertical">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis type="number" allowDecimals={false} />
              {/* interval 0: recharts would otherwise skip names it thinks collide, leaving every other bar unnamed. */}
              <YAxis type="category" dataKey="provider" width={PROVIDER_AXIS_WIDTH} interval={0} tick={<ProviderTick />} />
              <Tooltip />
              <Legend formatter={legendText} />
              <Bar dataKey="active" stackId="configs" fill="#2563eb" name="Active" />
              <Bar dataKey="disabled" stackId="configs" fill="#9ca3af" name="Disabled" />
            </BarChart>
          </ChartFrame>
        )}
      </Card>
      <Card id="lag-chart" title="Propagation lag per deployment, last 24 hours" description="The highest number of changes each deployment had not applied, per half hour: as reported, and the last half hour also as it stands now.">
        {!lagReported ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No status reports in the last 24 hours.</p>
        ) : (
          <>
            <ChartFrame label="Line chart of each deployment's propagation lag over the last 24 hours; the numbers are in the table below">
              <LineChart data={lagPoints}>
                <CartesianGrid strokeDasharray="3 3" />
                {/* Padding: the current half hour's point sits on the right edge and would be cut in half. */}
                <XAxis dataKey="at" minTickGap={24} padding={{ right: 8 }} height={44} label={timeAxis} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend formatter={legendText} />
                {/* Dots: a deployment with one point in the window (a single report, or only its lag now) draws no line. */}
                {data.lag.map((s, i) => (
                  <Line key={s.deploymentId} type="stepAfter" dataKey={s.name} stroke={COLORS[i % COLORS.length]} dot={{ r: 3, strokeWidth: 0, fill: COLORS[i % COLORS.length] }} connectNulls isAnimationActive={false} />
                ))}
              </LineChart>
            </ChartFrame>
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer">Lag as a table</summary>
              <DataTable
                caption="Highest lag per deployment and half hour"
                columns={[halfHour, ...data.lag.map((s) => s.name)]}
                rows={lagPoints.filter((p) => data.lag.some((s) => p[s.name] !== null)).map((p) => [p.at, ...data.lag.map((s) => p[s.name] ?? '—')])}
                empty="No reports."
              />
            </details>
          </>
        )}
      </Card>
      <Card id="errors-chart" title="Proxy errors, last 24 hours" description="Errors the deployments reported, per half hour.">
        <ChartFrame label={`Bar chart of proxy errors per half hour over the last 24 hours; ${data.errors.reduce((a, b) => a + b, 0) === 0 ? 'none reported' : 'the numbers are in the table below'}`}>
          <BarChart data={errorPoints}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" minTickGap={24} height={44} label={timeAxis} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="errors" fill="#dc2626" name="Errors" isAnimationActive={false} />
          </BarChart>
        </ChartFrame>
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer">Errors as a table</summary>
          <DataTable caption="Proxy errors per half hour" columns={[halfHour, 'Errors']} rows={errorPoints.filter((p) => p.errors > 0).map((p) => [p.at, p.errors])} empty="No errors in the last 24 hours." />
        </details>
      </Card>
    </div>
  );
}
