import 'server-only';
// Proxy deployments, their API keys and what they report. Metadata only: the
// broker holds the deployment's public key and hashes of its API keys.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export const DEPLOYMENT_SELECT = {
  id: true,
  name: true,
  kid: true,
  publicJwk: true,
  status: true,
  createdAt: true,
  disabledAt: true,
  lastUsedAt: true,
  lastStatusAt: true,
  appliedCursor: true,
  appliedSeq: true,
  errorCount: true,
  errors: true,
  environment: { select: { id: true, slug: true, displayName: true, deliverySeq: true } },
  apiKeys: { orderBy: { createdAt: 'desc' }, select: { id: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true } },
} as const satisfies Prisma.ProxyDeploymentSelect;

export type DeploymentRecord = Prisma.ProxyDeploymentGetPayload<{ select: typeof DEPLOYMENT_SELECT }>;

export function listDeploymentRecords(db: Db) {
  return db.proxyDeployment.findMany({ where: { status: { not: 'deleted' } }, orderBy: [{ environment: { slug: 'asc' } }, { name: 'asc' }], select: DEPLOYMENT_SELECT });
}

export function findDeploymentRecord(db: Db, id: string) {
  return db.proxyDeployment.findFirst({ where: { id, status: { not: 'deleted' } }, select: DEPLOYMENT_SELECT });
}

/** Tenants with a signed state per environment, and how many approved each deployment key. */
export async function approvalCounts(db: Db, deployments: { kid: string; environmentId: string }[]) {
  const envIds = [...new Set(deployments.map((d) => d.environmentId))];
  const perEnv = await db.tenant.groupBy({ by: ['environmentId'], where: { environmentId: { in: envIds }, stateSeq: { gt: 0 } }, _count: { _all: true } });
  const approved = await Promise.all(
    deployments.map((d) => db.tenant.count({ where: { environmentId: d.environmentId, recipientKids: { has: d.kid } } })),
  );
  return {
    inEnvironment: new Map(perEnv.map((r) => [r.environmentId, r._count._all])),
    approved: new Map(deployments.map((d, i) => [d.kid, approved[i] ?? 0])),
  };
}

/**
 * For each deployment that reported but has not applied its environment's latest change: when the earliest-changed
 * of the tenants it has not received last changed (a tenant's last change is never older than the one it missed,
 * so this errs towards "catching up"); null when no such tenant is left (a deleted one).
 */
export async function pendingChangeTimes(db: Db, deployments: DeploymentRecord[]): Promise<Map<string, Date | null>> {
  const behind = deployments.filter((d) => d.lastStatusAt !== null && (d.appliedSeq ?? 0) < d.environment.deliverySeq);
  const times = await Promise.all(
    behind.map((d) => db.tenant.aggregate({ where: { environmentId: d.environment.id, deliverySeq: { gt: d.appliedSeq ?? 0 } }, _min: { lastChangeAt: true } })),
  );
  return new Map(behind.map((d, i) => [d.id, times[i]?._min.lastChangeAt ?? null]));
}

/** The deployment an API key hash belongs to, if the key is live right now. */
export function findLiveApiKey(db: Db, keyHash: string, now: Date) {
  return db.deploymentApiKey.findFirst({
    where: { keyHash, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }], deployment: { status: 'active' } },
    select: { id: true, lastUsedAt: true, expiresAt: true, deployment: { select: { id: true, kid: true, environmentId: true } } },
  });
}

/**
 * Of these deployments, those some held poll may no longer be allowed to
 * wait for: not active, or with a key revoked or past its end. After a gap in
 * what the listener heard, their polls check their key again (a disable or a
 * revocation during the gap was announced to no one).
 */
export async function deploymentsToRecheck(db: Db, deploymentIds: string[], now: Date): Promise<string[]> {
  if (deploymentIds.length === 0) return [];
  const rows = await db.proxyDeployment.findMany({
    where: { id: { in: deploymentIds }, OR: [{ status: { not: 'active' } }, { apiKeys: { some: { OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }] } } }] },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

export async function touchApiKey(db: Db, keyId: string, deploymentId: string, now: Date): Promise<void> {
  await db.deploymentApiKey.update({ where: { id: keyId }, data: { lastUsedAt: now } });
  await db.proxyDeployment.update({ where: { id: deploymentId }, data: { lastUsedAt: now } });
}
