'use client';
// Data for the configuration pages. The tenant keys come from this browser;
// the listing comes from the broker and is trusted only as far as the signed
// tenant state vouches for it: status and primary are taken from the state,
// and every configuration's latest version and digest must be the ones the
// state lists, or the page refuses to show anything.
import { useQuery } from '@tanstack/react-query';
import { api, type TConfigListing, type TConfigRow } from '@/lib/client/api';
import { checkNotRolledBack, markSeen, openVersion, rememberState, RolledBackError, tenantContext, verifiedState, type TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { openTenantKeys } from '@/lib/client/session-keys';
import { useAccount } from '@/lib/client/use-account';
import type { TConfigDocument } from '@/lib/crypto/config-document';
import type { TTenantState } from '@/lib/crypto/tenant-state';

/** The broker's answer does not match what the tenant signed: a security warning, never partial data. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

/** A configuration as shown: clear metadata from the broker; status, primary and the kmsConfigId (null: none yet) from the signed state. */
export type TConfigView = Omit<TConfigRow, 'status' | 'isPrimary'> & { status: 'active' | 'disabled'; isPrimary: boolean; digest: string; kmsConfigId: number | null };
export type TOverview = { listing: TConfigListing; state: TTenantState | null; rows: TConfigView[] };

/**
 * The broker reads the state and the configurations in separate queries, so a
 * change committed between them can give one inconsistent answer; a second
 * read settles that. So does a proxy reporting a change the listing, read a
 * moment earlier, did not have yet. A broker that keeps answering
 * inconsistently is refused.
 */
export async function loadOverview(ctx: TTenantContext): Promise<TOverview> {
  try {
    return await readOverview(ctx);
  } catch (error) {
    if (!(error instanceof IntegrityError) && !(error instanceof RolledBackError && error.seenBy === 'proxies')) throw error;
    return readOverview(ctx);
  }
}

async function readOverview(ctx: TTenantContext): Promise<TOverview> {
  const [listing, deployments] = await Promise.all([api.configs(ctx.tenantId), api.tenantDeployments(ctx.tenantId)]);
  // Older than this browser has seen: shown as such (the page offers a re-issue), never used as the base of a change.
  // Only checked here; the seq is remembered once the tenant's signature on it verified.
  checkNotRolledBack(ctx.tenantId, listing.seq);
  // Older than a proxy deployment has applied (another admin's browser saw more, or this one was never here).
  const applied = Math.max(0, ...deployments.deployments.map((d) => d.appliedSeq ?? 0));
  if (applied > listing.seq) throw new RolledBackError(listing.seq, applied, 'proxies');
  let state: TTenantState | null;
  try {
    state = await verifiedState(ctx, listing);
  } catch (error) {
    throw new IntegrityError(`The tenant state could not be verified: ${(error as Error).message}`);
  }
  if (state) markSeen(ctx.tenantId, state.seq);
  const entries = new Map((state?.configs ?? []).map((c) => [c.configId, c]));
  const rows = listing.configs.map((row): TConfigView => {
    const entry = entries.get(row.id);
    if (!entry) throw new IntegrityError(`The broker lists “${row.label}”, which the signed tenant state does not contain.`);
    if (entry.kind !== row.kind || entry.version !== row.latestVersion || row.latest?.version !== entry.version || row.latest.digest !== entry.digest) {
      throw new IntegrityError(`The broker’s copy of “${row.label}” is not the version the signed tenant state lists.`);
    }
    return { ...row, status: entry.status, isPrimary: entry.primary, digest: entry.digest, kmsConfigId: entry.kmsConfigId ?? null };
  });
  if (rows.length !== entries.size) {
    throw new IntegrityError('The signed tenant state lists configurations that the broker did not send.');
  }
  if (state) rememberState(state);
  return { listing, state, rows };
}

export type TContextResult = { locked: true } | { locked: false; ctx: TTenantContext };

/**
 * The tenant keys in this browser. The key starts with ['keys', userId] so
 * that unlocking with the passphrase (UnlockForm) loads them again.
 */
export function useTenantContext(tenant: string) {
  const account = useAccount();
  const userId = account.data?.id;
  const context = useQuery({
    queryKey: ['keys', userId ?? '', 'config-context', tenant],
    queryFn: async (): Promise<TContextResult> => {
      const opened = await openTenantKeys(userId as string, tenant);
      if (opened === 'locked') return { locked: true };
      return { locked: false, ctx: await tenantContext(tenant, opened) };
    },
    enabled: !!userId,
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  return { account, context };
}

export function useOverview(tenant: string, ctx: TTenantContext | undefined) {
  return useQuery({
    queryKey: tenantKeys.configs(tenant),
    queryFn: () => loadOverview(ctx as TTenantContext),
    enabled: !!ctx,
    // The list must not change under an open dialog: a change prepared against it is
    // either accepted or refused as "changed elsewhere", never silently re-based.
    refetchOnWindowFocus: false,
    // An integrity failure is not a network blip: show it at once.
    retry: (count, error) => !(error instanceof IntegrityError) && !(error instanceof RolledBackError) && count < 1,
  });
}

export function useVersions(tenant: string, configId: string, enabled: boolean) {
  return useQuery({ queryKey: tenantKeys.versions(tenant, configId), queryFn: () => api.configVersions(tenant, configId), enabled });
}

/**
 * A decrypted and verified version. Kept in the cache only while shown
 * (gcTime 0), so decrypted settings do not outlive the page that needs them.
 */
export function useOpenedVersion(ctx: TTenantContext | undefined, configId: string, sealed: { version: number; jwe: unknown; digest: string } | undefined) {
  return useQuery({
    queryKey: ['tenant', ctx?.tenantId ?? '', 'opened', configId, sealed?.version ?? 0, sealed?.digest ?? ''],
    queryFn: (): Promise<TConfigDocument> => {
      const s = sealed as { version: number; jwe: unknown; digest: string };
      return openVersion(ctx as TTenantContext, configId, s.version, s.jwe, s.digest);
    },
    enabled: !!ctx && !!sealed,
    gcTime: 0,
    staleTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
  });
}
