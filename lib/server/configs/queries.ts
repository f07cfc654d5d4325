import 'server-only';
// Reading a tenant's configurations: clear metadata, each latest sealed
// version (the browser decrypts it), the version history, and the latest
// signed state. Every query is scoped to the tenant of the caller.
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { changedSeqs, statesForPropagation } from './propagation';

export async function listConfigs(access: TenantAccess) {
  const db = await getPrisma();
  // One snapshot: seq, state and configurations must agree, or the browser (rightly) suspects tampering.
  const { tenant, states, configs } = await db.$transaction(
    async (tx) => {
      const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: access.tenant.id }, select: { id: true, stateSeq: true, kmsConfigIdMax: true, recipientKids: true } });
      const states = await statesForPropagation(tx, tenant);
      const configs = await tx.tenantConfig.findMany({
        where: { tenantId: access.tenant.id },
        orderBy: [{ kind: 'asc' }, { createdAt: 'asc' }],
        select: {
          id: true,
          kind: true,
          provider: true,
          label: true,
          latestVersion: true,
          status: true,
          isPrimary: true,
          createdAt: true,
          updatedAt: true,
          updatedById: true,
          versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true, jwe: true, digest: true, createdAt: true } },
        },
      });
      return { tenant, states, configs };
    },
    { isolationLevel: 'RepeatableRead' },
  );
  const state = states[0] ?? null;
  const since = changedSeqs(states);
  const stateTimes = new Map(states.map((s) => [s.seq, s.createdAt]));
  const people = await db.user.findMany({
    where: { id: { in: [...new Set(configs.map((c) => c.updatedById).filter((id): id is string => !!id))] } },
    select: { id: true, email: true },
  });
  const emails = new Map(people.map((p) => [p.id, p.email]));
  return {
    seq: tenant.stateSeq,
    state: state ? { seq: state.seq, jws: state.jws, createdAt: state.createdAt } : null,
    // Outlives deleted configurations, so the browser gives a new kmsConfigId above every one ever given.
    kmsConfigIdMax: tenant.kmsConfigIdMax,
    configs: configs.map(({ versions, updatedById, ...c }) => ({
      ...c,
      updatedBy: updatedById ? (emails.get(updatedById) ?? null) : null,
      latest: versions[0] ?? null,
      // Informational (./propagation.ts): compared with what each approved deployment reported applying.
      changedSeq: since.get(c.id) ?? tenant.stateSeq,
      // When that state was stored: "catching up since …" on the configuration page.
      changedAt: stateTimes.get(since.get(c.id) ?? tenant.stateSeq) ?? null,
    })),
  };
}

export async function listVersions(access: TenantAccess, configId: string) {
  const db = await getPrisma();
  const config = await db.tenantConfig.findFirst({ where: { id: configId, tenantId: access.tenant.id }, select: { id: true } });
  if (!config) throw new AppError('not_found');
  const versions = await db.tenantConfigVersion.findMany({
    where: { configId: config.id },
    orderBy: { version: 'desc' },
    select: { version: true, label: true, provider: true, jwe: true, digest: true, createdAt: true, createdById: true },
  });
  const people = await db.user.findMany({ where: { id: { in: versions.map((v) => v.createdById).filter((id): id is string => !!id) } }, select: { id: true, email: true } });
  const emails = new Map(people.map((p) => [p.id, p.email]));
  return versions.map(({ createdById, ...v }) => ({ ...v, createdBy: createdById ? (emails.get(createdById) ?? null) : null }));
}
