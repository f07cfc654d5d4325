import 'server-only';
// The operators' overview: tenants by environment and status, configurations
// by provider, each deployment's health, and 24 hours of sampled propagation
// lag and proxy errors (deployment_status_sample, written by status reports),
// and the tenants with the most key use their proxies reported (usage.ts).
import type { TDeploymentRow } from '@/lib/schemas/deployments';
import type { TDeploymentHealth, TOverview } from '@/lib/schemas/overview';
import { getPrisma } from '@/lib/server/db';
import { lagSeries } from './overview-lag';
import { listDeployments } from './service';
import { topTenantsByUsage } from './usage';

const WINDOW_MS = 24 * 3_600_000;
const BUCKET_MS = 30 * 60_000;
/** One word per deployment: a proxy that is not there (never connected, offline) says so before any error it last reported. */
function health(d: TDeploymentRow): TDeploymentHealth {
  if (d.status === 'disabled') return 'disabled';
  if (d.delivery === 'never' || d.delivery === 'offline') return d.delivery;
  if (d.errorCount > 0) return 'errors';
  return d.delivery;
}

export async function getOverview(now = Date.now()): Promise<TOverview> {
  const db = await getPrisma();
  const start = Math.floor((now - WINDOW_MS) / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
  // Whole half hours, the last one being the one now is in.
  const bucketCount = Math.floor((now - start) / BUCKET_MS) + 1;
  const buckets = Array.from({ length: bucketCount }, (_, i) => new Date(start + i * BUCKET_MS).toISOString());

  const [environments, tenantGroups, configGroups, deployments, samples, usage] = await Promise.all([
    db.environment.findMany({ select: { id: true, slug: true } }),
    db.tenant.groupBy({ by: ['environmentId', 'status'], _count: { _all: true } }),
    db.tenantConfig.groupBy({ by: ['kind', 'provider', 'status'], _count: { _all: true } }),
    listDeployments(now),
    db.deploymentStatusSample.findMany({ where: { at: { gte: new Date(start) } }, select: { deploymentId: true, at: true, lag: true, errorCount: true } }),
    topTenantsByUsage(10, now),
  ]);
  const slug = new Map(environments.map((e) => [e.id, e.slug]));

  const configs = new Map<string, TOverview['configs'][number]>();
  for (const g of configGroups) {
    const key = `${g.kind}:${g.provider}`;
    const row = configs.get(key) ?? { kind: g.kind as 'kms' | 'siem', provider: g.provider, active: 0, disabled: 0 };
    if (g.status === 'disabled') row.disabled += g._count._all;
    else row.active += g._count._all;
    configs.set(key, row);
  }

  const bucketOf = (at: Date) => Math.min(bucketCount - 1, Math.max(0, Math.floor((at.getTime() - start) / BUCKET_MS)));
  const known = new Set(deployments.map((d) => d.id));
  const errorMax = new Map<string, number[]>();
  for (const s of samples) {
    if (!known.has(s.deploymentId)) continue; // deleted deployment
    const b = bucketOf(s.at);
    const perDeployment = errorMax.get(s.deploymentId) ?? Array<number>(bucketCount).fill(0);
    perDeployment[b] = Math.max(perDeployment[b] ?? 0, s.errorCount);
    errorMax.set(s.deploymentId, perDeployment);
  }
  const errors = Array<number>(bucketCount).fill(0);
  for (const perDeployment of errorMax.values()) perDeployment.forEach((v, i) => (errors[i] = (errors[i] ?? 0) + v));

  return {
    generatedAt: new Date(now).toISOString(),
    tenants: tenantGroups
      .map((g) => ({ environment: slug.get(g.environmentId) ?? g.environmentId, status: g.status as TOverview['tenants'][number]['status'], count: g._count._all }))
      .sort((a, b) => a.environment.localeCompare(b.environment) || a.status.localeCompare(b.status)),
    configs: [...configs.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.active + b.disabled - (a.active + a.disabled)),
    deployments: deployments.map((d) => ({
      id: d.id,
      name: d.name,
      environment: d.environment.slug,
      status: d.status,
      health: health(d),
      lag: d.lag,
      errorCount: d.errorCount,
      lastStatusAt: d.lastStatusAt,
      lastUsedAt: d.lastUsedAt,
      tenantsApproved: d.tenantsApproved,
    })),
    buckets,
    lag: lagSeries(deployments, samples, { start, bucketMs: BUCKET_MS, bucketCount }),
    errors,
    usage,
  };
}
