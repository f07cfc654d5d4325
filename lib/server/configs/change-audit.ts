import 'server-only';
// What the audit trail says about an accepted configuration change: the
// action, its target and details — ids, kinds, versions, kids and labels
// (non-secret metadata the tenant's admins set and see), never settings or
// sealed content. Mail notifications are read from these events
// (docs/notifications.md), so the target is what a reader must be told:
// for a new primary that is the configuration that BECAME primary, with the
// one that lost it as a detail.
import { secretsOfPath, type TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import type { TConfigChange } from '@/lib/schemas/config-change';
import type { TCheckedRotation } from './key-rotation';

/** A configuration as stored before the change's status and primary were mirrored. */
export type TStoredConfig = { id: string; kind: string; provider: string; label: string; status: string; isPrimary: boolean };

/** The rotation's audit event: kids, counts and ids — never keys, wrapped keys or kits. */
export function describeRotation(
  state: TTenantState,
  rotation: TCheckedRotation,
  rotated: { reconfirm: string[]; kitsDeleted: number; kitId: string | null },
  resealed: { configId: string; version: number }[],
) {
  return {
    action: 'tenant.keys_rotate' as const,
    target: { type: 'tenant', id: state.tenantId },
    details: {
      seq: state.seq,
      previousSigningKid: rotation.previous.sigKid,
      signingKid: rotation.sig.kid,
      previousEncryptionKid: rotation.previous.encKid,
      encryptionKid: rotation.enc.kid,
      resealed: resealed.map((r) => ({ configId: r.configId, version: r.version })),
      reconfirm: rotated.reconfirm,
      recoveryKitsDeleted: rotated.kitsDeleted,
      recoveryKitId: rotated.kitId,
    },
  };
}

/** The audit event's action, target and details for every other change. */
export function describeChange(
  change: TConfigChange,
  state: TTenantState,
  before: {
    created: boolean;
    removed?: { kind: string; provider: string; label: string };
    recipientsBefore: string[];
    configs: TStoredConfig[];
    secretsBefore?: TTenantStateSecret[];
  },
) {
  const seq = state.seq;
  if (change.reissue) {
    return {
      action: 'tenant.state_reissue' as const,
      target: { type: 'tenant', id: state.tenantId },
      details: { seq, fromSeq: change.reissue.fromSeq, configs: changedConfigs(state, before.configs).map(({ statusChanged: _, ...c }) => c) },
    };
  }
  if (change.put) {
    const { configId, kind, provider, label, version, restoredFrom } = change.put;
    if (restoredFrom !== undefined) return { action: 'config.rollback' as const, target: { type: 'config', id: configId }, details: { seq, configId, label, kind, provider, version, restoredFrom } };
    return { action: before.created ? ('config.create' as const) : ('config.edit' as const), target: { type: 'config', id: configId }, details: { seq, configId, label, kind, provider, version } };
  }
  if (change.remove) {
    const { configId } = change.remove;
    const removed = before.removed;
    return { action: 'config.delete' as const, target: { type: 'config', id: configId }, details: { seq, configId, label: removed?.label ?? null, kind: removed?.kind ?? null, provider: removed?.provider ?? null } };
  }
  const added = state.recipients.filter((kid) => !before.recipientsBefore.includes(kid));
  const removed = before.recipientsBefore.filter((kid) => !state.recipients.includes(kid));
  if (added.length || removed.length) {
    return {
      action: added.length ? ('deployment.approve' as const) : ('deployment.remove' as const),
      target: { type: 'deployment', id: (added[0] ?? removed[0]) as string },
      details: { seq, added, removed, resealed: (change.reseal ?? []).map((r) => ({ configId: r.configId, version: r.version })) },
    };
  }
  const changed = changedConfigs(state, before.configs);
  const secrets = secretChanges(before.secretsBefore, state.secrets);
  if (!changed.length && (secrets.rotated.length || secrets.archived.length)) {
    // Paths and ids only: never a wrapped secret. (Detail keys avoid "secret": the recorder refuses such keys.)
    const rotation = secrets.rotated[0];
    const archive = secrets.archived[0];
    const path = rotation?.path ?? (archive as { path: string }).path;
    return {
      action: rotation ? ('tenant_secret.rotated' as const) : ('tenant_secret.archived' as const),
      // The tenant, not the path: operators see targets, and see secrets as counts only; the path is in the details (the tenant's).
      target: { type: 'tenant', id: state.tenantId },
      details: { seq, path, ...(rotation ? { id: rotation.id, previousId: rotation.previousId } : { id: (archive as { id: number }).id }), ...listed(secrets) },
    };
  }
  const configs = changed.map(({ statusChanged: _, ...c }) => c);
  const statusChange = changed.find((c) => c.statusChanged);
  if (statusChange) {
    return {
      action: statusChange.status === 'disabled' ? ('config.disable' as const) : ('config.enable' as const),
      target: { type: 'config', id: statusChange.configId },
      details: { seq, configId: statusChange.configId, label: statusChange.label, kind: statusChange.kind, provider: statusChange.provider, configs },
    };
  }
  // Only primary flags changed. The state lists configurations in its own order, so the first changed entry is as
  // likely the one that lost primary as the one that gained it: pick the gainer, and the loser of the same kind.
  const gained = changed.find((c) => c.primary);
  const lost = changed.find((c) => !c.primary && (!gained || c.kind === gained.kind));
  const target = gained ?? lost;
  return {
    action: 'config.primary' as const,
    target: target ? { type: 'config', id: target.configId } : null,
    details: {
      seq,
      ...(target ? { configId: target.configId, label: target.label, kind: target.kind, provider: target.provider } : {}),
      ...(gained ? { previousPrimary: lost?.configId ?? null, previousPrimaryLabel: lost?.label ?? null } : {}),
      configs,
    },
  };
}

/** Status and primary changes: `configs` still holds the values from before the mirror. */
function changedConfigs(state: TTenantState, configs: TStoredConfig[]) {
  return state.configs.flatMap((entry) => {
    const stored = configs.find((c) => c.id === entry.configId);
    return stored && (stored.status !== entry.status || stored.isPrimary !== entry.primary)
      ? [{ configId: entry.configId, label: stored.label, kind: stored.kind, provider: stored.provider, status: entry.status, primary: entry.primary, statusChanged: stored.status !== entry.status }]
      : [];
  });
}

/** Audit details are bounded (4 KiB) and paths are up to 256 characters: the first few of each list, and the counts. */
const LISTED = 5;
const listed = (c: ReturnType<typeof secretChanges>) => ({
  rotated: c.rotated.slice(0, LISTED),
  rotatedCount: c.rotated.length,
  archived: c.archived.slice(0, LISTED),
  archivedCount: c.archived.length,
});

/**
 * What a state's `secrets` changed: paths whose current secret moved on (a
 * rotation: the new id and the one before) and secrets newly archived.
 */
export function secretChanges(before: readonly TTenantStateSecret[] | undefined, after: readonly TTenantStateSecret[] | undefined) {
  const rotated: { path: string; id: number; previousId: number }[] = [];
  const archived: { path: string; id: number }[] = [];
  const paths = [...new Set((after ?? []).map((s) => s.secretPath))];
  for (const path of paths) {
    const old = secretsOfPath(before, path);
    const now = secretsOfPath(after, path);
    const oldCurrent = old.find((s) => s.status === 'current')!.tenantSecretId;
    const newCurrent = now.find((s) => s.status === 'current')!.tenantSecretId;
    if (newCurrent !== oldCurrent) rotated.push({ path, id: newCurrent, previousId: oldCurrent });
    for (const s of now) {
      const was = old.find((o) => o.tenantSecretId === s.tenantSecretId);
      if (s.status === 'archived' && was?.status !== 'archived') archived.push({ path, id: s.tenantSecretId });
    }
  }
  return { rotated, archived };
}
