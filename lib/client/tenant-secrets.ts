// The browser side of the tenant's secrets for deterministic keys (issue 25):
// what the admin sees of each secret path, and the two changes the admin can
// sign — start a rotation, archive a secret in rotation.
//
// The rotation state comes only from the signed tenant state, verified in this
// browser. The broker adds what it stores of each secret (the wrapped form, the
// configuration that wrapped it, when and by which deployment it was made); its
// digest is ignored: every digest is recomputed here (secretDigest) before it
// is compared with the state or pinned into a new one.
import type { TTenantSecretListingRow } from '@/lib/schemas/tenant-secret-listing';
import { archiveSecret, rotateSecret, secretDigest, secretsOfPath, type TSecretStatus, type TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { api, type TConfigListing } from './api';
import { signNext, verifiedState, type TTenantContext } from './configs';

/** A stored secret with the digest this browser computed from its wrapped form. */
export type TCheckedSecretRow = TTenantSecretListingRow & { computedDigest: string };

export type TSecretView = {
  tenantSecretId: number;
  status: TSecretStatus;
  /** A proxy has made it: the broker holds its wrapped form (and, when pinned, the one the state pins). */
  isMade: boolean;
  kmsConfigId: number | null;
  /** The label of the KMS configuration that wrapped it, from the tenant's listing; null when no longer listed. */
  configLabel: string | null;
  createdAt: string | null;
  createdBy: string | null;
  /** What is wrong with the broker's copy, said for the admin; null when it matches the signed state. */
  problem: string | null;
};

export type TSecretPathView = { secretPath: string; secrets: TSecretView[]; canRotate: boolean };

/** Recomputes each row's digest; a row whose wrapped form is not base64url gets an empty digest (it then matches no pin). */
export async function checkSecretRows(rows: readonly TTenantSecretListingRow[]): Promise<TCheckedSecretRow[]> {
  return Promise.all(
    rows.map(async (row) => {
      try {
        return { ...row, computedDigest: await secretDigest(row.kmsConfigId, row.wrapped) };
      } catch {
        return { ...row, computedDigest: '' };
      }
    }),
  );
}

/**
 * Every secret path the signed state lists or the broker holds a secret for,
 * with its secrets newest first. The state decides which secrets exist and
 * their status; a stored secret the state does not list (beyond a path's
 * implicit secret 1) is left out, as proxies leave it out.
 */
export function mergeSecrets(
  stateSecrets: readonly TTenantStateSecret[] | undefined,
  rows: readonly TCheckedSecretRow[],
  labelOf: (kmsConfigId: number) => string | null,
): TSecretPathView[] {
  const paths = [...new Set([...(stateSecrets ?? []).map((s) => s.secretPath), ...rows.map((r) => r.secretPath)])].sort();
  return paths.map((secretPath) => {
    const secrets = secretsOfPath(stateSecrets, secretPath)
      .map((entry) => viewOf(entry, rows.find((r) => r.secretPath === secretPath && r.tenantSecretId === entry.tenantSecretId), labelOf))
      .sort((a, b) => b.tenantSecretId - a.tenantSecretId);
    const current = secrets.find((s) => s.status === 'current');
    return { secretPath, secrets, canRotate: !!current && current.isMade && current.problem === null };
  });
}

function viewOf(entry: TTenantStateSecret, row: TCheckedSecretRow | undefined, labelOf: (kmsConfigId: number) => string | null): TSecretView {
  const base = { tenantSecretId: entry.tenantSecretId, status: entry.status };
  if (!row) {
    // Only a current secret may be unmade; anything the state pins must still be at the broker.
    const problem = entry.digest === undefined ? null : 'The broker no longer has this secret. Proxies cannot use it.';
    return { ...base, isMade: false, kmsConfigId: null, configLabel: null, createdAt: null, createdBy: null, problem };
  }
  const problem =
    entry.digest !== undefined && entry.digest !== row.computedDigest
      ? 'The broker’s copy is not the secret your signed state pins. Proxies refuse it. Tell your other administrators and the vendor.'
      : row.computedDigest === ''
        ? 'The broker’s copy is not well formed. Proxies refuse it.'
        : null;
  return {
    ...base,
    isMade: true,
    kmsConfigId: row.kmsConfigId,
    configLabel: labelOf(row.kmsConfigId),
    createdAt: row.createdAt,
    createdBy: row.createdByDeploymentName,
    problem,
  };
}

/** The digests to pin for one path: each stored secret's, as computed here. */
export function pinsOf(rows: readonly TCheckedSecretRow[], secretPath: string): Map<number, string> {
  return new Map(rows.filter((r) => r.secretPath === secretPath && r.computedDigest !== '').map((r) => [r.tenantSecretId, r.computedDigest]));
}

export type TSecretAction = { type: 'rotate'; secretPath: string } | { type: 'archive'; secretPath: string; tenantSecretId: number };

/**
 * Signs and sends the next tenant state with one path rotated or one secret
 * archived, against the listing the admin was looking at (a change made
 * elsewhere since is refused by the broker, never merged). Everything else in
 * the state stays as it was.
 */
export async function changeSecrets(ctx: TTenantContext, listing: TConfigListing, rows: readonly TCheckedSecretRow[], action: TSecretAction): Promise<{ seq: number }> {
  const previous = await verifiedState(ctx, listing);
  if (!previous) throw new Error('Your tenant has no signed state yet: add a KMS configuration first.');
  const secrets = nextSecrets(previous, rows, action);
  const state = await signNext(ctx, listing, previous, previous.configs, previous.recipients, secrets);
  return api.change(ctx.tenantId, { state });
}

export function nextSecrets(previous: TTenantState, rows: readonly TCheckedSecretRow[], action: TSecretAction): TTenantStateSecret[] {
  if (action.type === 'rotate') return rotateSecret(previous.secrets, action.secretPath, pinsOf(rows, action.secretPath));
  return archiveSecret(previous.secrets, action.secretPath, action.tenantSecretId);
}
