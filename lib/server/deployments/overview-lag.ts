import 'server-only';
// The overview's propagation-lag series: per deployment and half hour, the
// highest lag it had. Samples are written by status reports, so they hold the
// lag *when the deployment reported* — nearly always 0, since a proxy reports
// right after applying. Lag builds up between reports (changes made while a
// proxy is slow, stuck or gone), and only the live figure sees it: the
// environment's seq now minus the seq the deployment last applied, which is
// what the health table shows. So the current half hour also takes the live
// lag, and the chart ends where the table stands.

export type TLagWindow = { start: number; bucketMs: number; bucketCount: number };
export type TLagSample = { deploymentId: string; at: Date; lag: number | null };
/** `lag`: the live figure (null until the deployment applied something). */
export type TLagDeployment = { id: string; name: string; lag: number | null };
export type TLagSeries = { deploymentId: string; name: string; values: (number | null)[] };

export function lagSeries(deployments: TLagDeployment[], samples: TLagSample[], window: TLagWindow): TLagSeries[] {
  const { start, bucketMs, bucketCount } = window;
  const bucketOf = (at: Date) => Math.min(bucketCount - 1, Math.max(0, Math.floor((at.getTime() - start) / bucketMs)));
  const series = new Map(deployments.map((d) => [d.id, { deploymentId: d.id, name: d.name, values: Array<number | null>(bucketCount).fill(null) }]));
  for (const s of samples) {
    const values = series.get(s.deploymentId)?.values;
    if (!values || s.lag === null) continue; // a deleted deployment, or a report during a full sync
    const b = bucketOf(s.at);
    values[b] = Math.max(values[b] ?? 0, s.lag);
  }
  const now = bucketCount - 1;
  for (const d of deployments) {
    const values = series.get(d.id)?.values;
    if (values && d.lag !== null) values[now] = Math.max(values[now] ?? 0, d.lag);
  }
  return [...series.values()];
}
