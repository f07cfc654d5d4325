import 'server-only';
// One tenant for the operator console: configurations (metadata), admins,
// invitations, deployment approvals, delivery acknowledgements per version
// and a timeline built from those records. SIEM delivery and deterministic-key secrets: counts and codes only. Nothing sealed is read: the
// selects below never name a JWE, a signed state or a wrapped key.
import { deliveryState, stoppedOf } from '@/lib/delivery-state';
import type { TTenantDetail, TTimelineEvent } from '@/lib/schemas/tenant-detail';
import { getPrisma } from '@/lib/server/db';
import { countTenantSecrets } from '@/lib/server/dal/tenant-secrets';
import { summarizeSiemDelivery } from '@/lib/server/deployments/siem-health';
import { summarizeTenantUsage } from '@/lib/server/deployments/usage';
import { AppError } from '@/lib/server/errors';

const DELETION_WAIT_MS = 36 * 60 * 60 * 1000;
const VERSIONS_SHOWN = 50;

export async function getTenantDetail(externalId: string): Promise<TTenantDetail> {
  const db = await getPrisma();
  const t = await db.tenant.findUnique({
    where: { externalId },
    select: {
      id: true, externalId: true, displayName: true, status: true, requireMfa: true, stateSeq: true, createdAt: true, lastChangeAt: true,
      encKid: true, recipientKids: true, environmentId: true, deletionRequestedAt: true, keyRotationDueAt: true,
      keyRotations: { orderBy: { ordinal: 'desc' }, take: 1, select: { ordinal: true, createdAt: true } },
      environment: { select: { slug: true, displayName: true } },
      configs: { orderBy: [{ kind: 'asc' }, { label: 'asc' }], select: { id: true, kind: true, provider: true, label: true, latestVersion: true, status: true, isPrimary: true, updatedAt: true } },
      admins: { orderBy: { createdAt: 'asc' }, select: { id: true, status: true, confirmedAt: true, createdAt: true, user: { select: { email: true, totpEnabledAt: true } } } },
      invitations: { orderBy: { createdAt: 'desc' }, select: { id: true, email: true, expiresAt: true, acceptedAt: true, revokedAt: true, sendCount: true, lastSentAt: true, createdAt: true } },
      states: { orderBy: { seq: 'desc' }, take: VERSIONS_SHOWN, select: { seq: true, createdAt: true } },
      deliveries: { select: { deploymentId: true, appliedSeq: true, appliedAt: true, errors: true } },
    },
  });
  if (!t) throw new AppError('not_found');
  const [deployments, versions, siem, usage, secrets] = await Promise.all([
    db.proxyDeployment.findMany({
      where: { OR: [{ environmentId: t.environmentId, status: { not: 'deleted' } }, { kid: { in: t.recipientKids } }] },
      orderBy: { name: 'asc' },
      select: { id: true, name: true, kid: true, status: true, lastStatusAt: true },
    }),
    db.tenantConfigVersion.findMany({
      where: { config: { tenantId: t.id } },
      orderBy: [{ stateSeq: 'desc' }, { configId: 'asc' }],
      take: VERSIONS_SHOWN,
      select: { configId: true, version: true, label: true, stateSeq: true, createdAt: true },
    }),
    summarizeSiemDelivery(t.id),
    summarizeTenantUsage(t.id),
    countTenantSecrets(db, t.id),
  ]);
  const now = Date.now();
  const delivery = new Map(t.deliveries.map((d) => [d.deploymentId, d]));
  const highestApplied = Math.max(0, ...t.deliveries.map((d) => d.appliedSeq));
  const approved = deployments.filter((d) => t.recipientKids.includes(d.kid) && d.status === 'active');

  const detail: TTenantDetail = {
    usage,
    tenant: {
      id: t.id, externalId: t.externalId, displayName: t.displayName, status: t.status as TTenantDetail['tenant']['status'],
      environment: t.environment, requireMfa: t.requireMfa, stateSeq: t.stateSeq, createdAt: t.createdAt.toISOString(),
      lastChangeAt: t.lastChangeAt.toISOString(), hasKeys: t.encKid !== null,
      keyRotations: t.keyRotations[0]?.ordinal ?? 0, lastKeyRotationAt: t.keyRotations[0]?.createdAt.toISOString() ?? null,
      keyRotationDueAt: t.keyRotationDueAt?.toISOString() ?? null,
      appliedAhead: highestApplied > t.stateSeq ? highestApplied : null,
    },
    secrets: { paths: secrets.paths, secrets: secrets.secrets },
    configs: t.configs.map((c) => ({
      id: c.id, kind: c.kind as 'kms' | 'siem', provider: c.provider, label: c.label, version: c.latestVersion,
      status: c.status as 'active' | 'disabled', isPrimary: c.isPrimary, updatedAt: c.updatedAt.toISOString(),
    })),
    versions: versions.map((v) => ({
      configId: v.configId, label: v.label, version: v.version, stateSeq: v.stateSeq, createdAt: v.createdAt.toISOString(),
      appliedBy: approved.filter((d) => (delivery.get(d.id)?.appliedSeq ?? 0) >= v.stateSeq).map((d) => d.name),
      pendingAt: approved.filter((d) => (delivery.get(d.id)?.appliedSeq ?? 0) < v.stateSeq).map((d) => d.name),
    })),
    admins: t.admins.map((a) => ({
      id: a.id, email: a.user.email, enrolled: true, confirmed: a.status === 'confirmed', mfaEnabled: a.user.totpEnabledAt !== null,
      confirmedAt: a.confirmedAt?.toISOString() ?? null, createdAt: a.createdAt.toISOString(),
    })),
    invitations: t.invitations.map((i) => ({
      id: i.id, email: i.email,
      state: i.acceptedAt ? 'accepted' : i.revokedAt ? 'revoked' : i.expiresAt.getTime() <= now ? 'expired' : 'open',
      expiresAt: i.expiresAt.toISOString(), acceptedAt: i.acceptedAt?.toISOString() ?? null, revokedAt: i.revokedAt?.toISOString() ?? null, sendCount: i.sendCount, lastSentAt: i.lastSentAt.toISOString(), createdAt: i.createdAt.toISOString(),
    })),
    deployments: deployments.map((d) => {
      const status = delivery.get(d.id);
      const errors = Array.isArray(status?.errors) ? (status.errors as { configId?: string | null; code?: string }[]) : [];
      const approvedActive = t.recipientKids.includes(d.kid) && d.status === 'active';
      const lastStatusAt = d.lastStatusAt?.toISOString() ?? null;
      const stopped = stoppedOf(status?.errors);
      const input = { lastReportAt: lastStatusAt, appliedSeq: status ? status.appliedSeq : null, currentSeq: t.stateSeq, changedAt: t.lastChangeAt.toISOString(), stopped };
      return {
        id: d.id, name: d.name, status: d.status as 'active' | 'disabled' | 'deleted', approved: t.recipientKids.includes(d.kid),
        appliedSeq: status ? status.appliedSeq : null, appliedAt: status?.appliedAt?.toISOString() ?? null,
        lastStatusAt, delivery: approvedActive ? deliveryState(input, now) : null, stopped,
        errors: errors.map((e) => ({ configId: e.configId ?? null, code: String(e.code ?? 'unknown') })),
        siem: siem.get(d.id) ?? null,
      };
    }),
    deletion: t.deletionRequestedAt
      ? {
          requestedAt: t.deletionRequestedAt.toISOString(),
          eligibleAt: new Date(t.deletionRequestedAt.getTime() + DELETION_WAIT_MS).toISOString(),
          eligible: t.deletionRequestedAt.getTime() + DELETION_WAIT_MS <= now,
          configCount: t.configs.length,
        }
      : { requestedAt: null, eligibleAt: null, eligible: false, configCount: t.configs.length },
    timeline: [],
  };
  detail.timeline = buildTimeline(detail, t.states);
  return detail;
}

function buildTimeline(detail: TTenantDetail, states: { seq: number; createdAt: Date }[]): TTimelineEvent[] {
  const events: TTimelineEvent[] = [{ at: detail.tenant.createdAt, kind: 'tenant', text: 'Tenant created' }];
  for (const i of detail.invitations) {
    events.push({ at: i.createdAt, kind: 'invitation', text: `Invitation to ${i.email} (${i.state})` });
    if (i.acceptedAt) events.push({ at: i.acceptedAt, kind: 'invitation', text: `${i.email} accepted the invitation` });
  }
  for (const a of detail.admins) {
    events.push({ at: a.createdAt, kind: 'admin', text: `${a.email} enrolled` });
    if (a.confirmedAt) events.push({ at: a.confirmedAt, kind: 'admin', text: `${a.email} confirmed` });
  }
  for (const s of states) events.push({ at: s.createdAt.toISOString(), kind: 'state', text: `Tenant state ${s.seq} signed` });
  for (const v of detail.versions) events.push({ at: v.createdAt, kind: 'config', text: `${v.label} version ${v.version} (state ${v.stateSeq})` });
  for (const d of detail.deployments) {
    if (d.appliedAt) events.push({ at: d.appliedAt, kind: 'delivery', text: `${d.name} applied state ${d.appliedSeq}` });
  }
  if (detail.deletion.requestedAt) events.push({ at: detail.deletion.requestedAt, kind: 'tenant', text: 'Deletion requested' });
  if (detail.tenant.lastKeyRotationAt) events.push({ at: detail.tenant.lastKeyRotationAt, kind: 'tenant', text: `Tenant keys rotated (rotation ${detail.tenant.keyRotations})` });
  if (detail.tenant.keyRotationDueAt) events.push({ at: detail.tenant.keyRotationDueAt, kind: 'admin', text: 'An admin who held the tenant keys was removed: rotation due' });
  return events.sort((a, b) => b.at.localeCompare(a.at)).slice(0, 200);
}
