// The browser side of configurations: validate with the provider's schema,
// sign with the tenant signing key, encrypt to the tenant key and every proxy
// deployment the current signed state approves, and sign the next tenant
// state (same approvals) — then send only ciphertext, the signed state and
// clear metadata. Reading decrypts and verifies here. Nothing secret leaves
// this module in clear.
import type { JWK } from 'jose';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { assignKmsConfigIds, highestKmsConfigId } from '@/lib/crypto/kms-config-ids';
import { openConfig } from '@/lib/crypto/open-config';
import { sealConfig, type TSealRecipient } from '@/lib/crypto/seal-config';
import { signTenantState, verifyTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { findProvider } from '@/lib/schemas/providers/registry';
import { api, type TConfigListing, type TTenantDeployments, type TTenantKeys } from './api';
import type { TStoredTenantKeys } from './key-store';
import { deploymentRecipients } from './recipients';
import { openTenantKeys, type TOpenedTenantKeys } from './session-keys';
import { UntrustedTenantKeysError } from './tenant-key-pin';

/**
 * The tenant keys unlocked in this browser and the broker's answer about them.
 * Everything is verified with and sealed to `keys` (public halves taken from
 * the unwrapped private keys); `info`'s public keys are only the broker's word.
 */
export type TTenantContext = { tenantId: string; keys: TStoredTenantKeys; info: TTenantKeys };

/** Loads the tenant's keys (unlocked in this browser, and trusted: lib/client/tenant-key-pin.ts) and checks the public keys on record are theirs. */
export async function loadTenantContext(userId: string, tenantId: string): Promise<TTenantContext> {
  return tenantContext(tenantId, await openTenantKeys(userId, tenantId));
}

/** loadTenantContext from keys already opened (openTenantKeys). */
export async function tenantContext(tenantId: string, opened: TOpenedTenantKeys | 'locked' | 'not-confirmed'): Promise<TTenantContext> {
  if (opened === 'locked') throw new Error('Your keys are locked in this browser. Unlock them on the tenant page.');
  if (opened === 'not-confirmed') throw new Error('You are not a confirmed administrator of this tenant yet.');
  const { keys, info } = opened;
  // Not used for anything here, but shown elsewhere (fingerprints) and sent to proxies: a record that is not the keys is tampering.
  if (
    !info.encPublicJwk ||
    !info.sigPublicJwk ||
    info.encKid !== keys.encryptionKid ||
    info.sigKid !== keys.signingKid ||
    !(await isThumbprint(info.encPublicJwk, keys.encryptionKid)) ||
    !(await isThumbprint(info.sigPublicJwk, keys.signingKid))
  ) {
    throw new UntrustedTenantKeysError(
      'The tenant’s public keys on record at the broker are not the keys you hold. Do not continue; contact another administrator.',
      keys.signingKid,
      info.sigKid ?? undefined,
    );
  }
  return { tenantId, keys, info };
}

async function isThumbprint(jwk: JWK, kid: string): Promise<boolean> {
  try {
    return (await jwkThumbprint(jwk)) === kid;
  } catch {
    return false;
  }
}

const SEEN_KEY = (tenantId: string) => `cmk-broker:seen-seq:${tenantId}`;
const DISABLED_KEY = (tenantId: string) => `cmk-broker:seen-disabled:${tenantId}`;
const KMS_ID_KEY = (tenantId: string) => `cmk-broker:seen-kms-config-id:${tenantId}`;

/** The broker shows an older state than this browser has seen: lost changes (a restored backup) or withheld ones. */
export class RolledBackError extends Error {
  override readonly name = 'RolledBackError';
  constructor(
    readonly seq: number,
    readonly seen: number,
    /** Who saw the newer state: this browser, or a proxy deployment that reported applying it. */
    readonly seenBy: 'browser' | 'proxies' = 'browser',
  ) {
    super(
      `The broker shows an older state (change ${seq}) than ${seenBy === 'browser' ? 'this browser has already seen' : 'your proxies have already applied'} (change ${seen}). It may have lost or be withholding changes: do not continue from it.`,
    );
  }
}

/** The highest seq this browser has received for the tenant (0 when none). */
export function seenSeq(tenantId: string): number {
  if (typeof localStorage === 'undefined') return 0;
  const seen = Number(localStorage.getItem(SEEN_KEY(tenantId)) ?? '0');
  return Number.isSafeInteger(seen) && seen > 0 ? seen : 0;
}

/**
 * The broker can withhold changes (serve an older state). This browser
 * remembers the highest seq it has verified per tenant (markSeen) and refuses
 * a fresh answer that goes back (RolledBackError). Call it on listings just
 * fetched from the broker — not on a cached listing, which may be older than
 * what another tab saw. It remembers nothing itself: the listing's seq is the
 * broker's word until verifiedState has checked the tenant's signature on it.
 */
export function checkNotRolledBack(tenantId: string, seq: number): void {
  const seen = seenSeq(tenantId);
  if (seq < seen) throw new RolledBackError(seq, seen);
}

/**
 * Remembers which configurations the newest verified state this browser saw
 * had disabled: if the broker later loses that state, a re-issue disables
 * them again by default (lib/client/reissue.ts). Ids only, nothing secret.
 */
export function rememberState(state: TTenantState): void {
  if (typeof localStorage === 'undefined') return;
  // Whatever its seq: a kmsConfigId seen once is never given again, even if the broker loses the state that held it.
  const highest = highestKmsConfigId(state.configs);
  if (highest > seenKmsConfigId(state.tenantId)) localStorage.setItem(KMS_ID_KEY(state.tenantId), String(highest));
  const stored = seenDisabled(state.tenantId);
  if (stored && stored.seq > state.seq) return;
  const disabled = state.configs.filter((c) => c.status === 'disabled').map((c) => c.configId);
  localStorage.setItem(DISABLED_KEY(state.tenantId), JSON.stringify({ seq: state.seq, disabled }));
}

/** What rememberState kept for the tenant, or null. */
export function seenDisabled(tenantId: string): { seq: number; disabled: string[] } | null {
  if (typeof localStorage === 'undefined') return null;
  try {
    const value = JSON.parse(localStorage.getItem(DISABLED_KEY(tenantId)) ?? 'null') as { seq?: unknown; disabled?: unknown } | null;
    if (!value || !Number.isSafeInteger(value.seq) || !Array.isArray(value.disabled) || !value.disabled.every((id) => typeof id === 'string')) return null;
    return { seq: value.seq as number, disabled: value.disabled as string[] };
  } catch {
    return null;
  }
}

/** The highest kmsConfigId this browser has seen in a verified state of the tenant (0 when none). */
export function seenKmsConfigId(tenantId: string): number {
  if (typeof localStorage === 'undefined') return 0;
  const seen = Number(localStorage.getItem(KMS_ID_KEY(tenantId)) ?? '0');
  return Number.isSafeInteger(seen) && seen > 0 ? seen : 0;
}

/**
 * The highest kmsConfigId given so far, as far as this browser can tell: the
 * broker's record (it outlives deleted configurations) or what this browser
 * saw, whichever is higher. New ids go above it (lib/crypto/kms-config-ids.ts).
 */
export function highestGivenKmsConfigId(tenantId: string, listing: Pick<TConfigListing, 'kmsConfigIdMax'>): number {
  const recorded = listing.kmsConfigIdMax;
  return Math.max(Number.isSafeInteger(recorded) && recorded > 0 ? recorded : 0, seenKmsConfigId(tenantId));
}

/** After a state with `seq` verified, or this browser published it itself (a re-issue moves past what was seen). */
export function markSeen(tenantId: string, seq: number): void {
  if (typeof localStorage === 'undefined' || seq <= seenSeq(tenantId)) return;
  localStorage.setItem(SEEN_KEY(tenantId), String(seq));
}

/** The current signed state, verified with the tenant signing key this browser holds; null before the first configuration. */
export async function verifiedState(ctx: TTenantContext, listing: TConfigListing): Promise<TTenantState | null> {
  if (!listing.state) {
    if (listing.seq !== 0) throw new Error('The broker reports changes but no signed state. Do not continue.');
    return null;
  }
  const state = await verifyTenantState(listing.state.jws, ctx.keys.signingPublicJwk, { tenantId: ctx.tenantId, minSeq: listing.seq });
  if (state.seq !== listing.seq) throw new Error('The signed state is not the latest one the broker reports. Reload.');
  return state;
}

/**
 * The tenant encryption key plus every proxy deployment key in `kids` — by
 * default those the verified state `previous` approved. Each deployment key
 * is checked against its kid (lib/client/recipients.ts).
 */
export async function sealRecipients(
  ctx: TTenantContext,
  previous: TTenantState | null,
  kids: readonly string[] = previous?.recipients ?? [],
  deployments?: TTenantDeployments,
): Promise<TSealRecipient[]> {
  return [{ kid: ctx.keys.encryptionKid, publicJwk: ctx.keys.encryptionPublicJwk }, ...(await deploymentRecipients(ctx.tenantId, kids, deployments))];
}

/**
 * The next tenant state (seq + 1), signed; the approved deployments and the
 * secrets' rotation state stay as they were unless `recipients` or `secrets` is given. Every KMS configuration keeps its
 * kmsConfigId, and one without gets the next (`listing` says the highest given).
 */
export async function signNext(
  ctx: TTenantContext,
  listing: Pick<TConfigListing, 'kmsConfigIdMax'>,
  previous: TTenantState | null,
  configs: TTenantState['configs'],
  recipients = previous?.recipients ?? [],
  secrets = previous?.secrets,
): Promise<string> {
  const next: TTenantState = {
    typ: 'tenant-state',
    tenantId: ctx.tenantId,
    seq: (previous?.seq ?? 0) + 1,
    configs: assignKmsConfigIds({ configs, previous: previous?.configs ?? [], highestGiven: highestGivenKmsConfigId(ctx.tenantId, listing) }),
    recipients: [...recipients],
    iat: Math.floor(Date.now() / 1000),
    // Secrets keep their rotation state through every other change (lib/crypto/tenant-secrets.ts).
    ...(secrets ? { secrets } : {}),
  };
  return signTenantState(next, ctx.keys.signingKey, ctx.keys.signingKid);
}

export type TSaveInput = {
  configId?: string;
  kind: 'kms' | 'siem';
  provider: string;
  label: string;
  settings: Record<string, unknown>;
  /** Set by a rollback: the older version this one restores. */
  restoredFrom?: number;
};

/**
 * Creates (no configId) or edits a configuration: validates the settings,
 * seals them as the next version and signs the state that lists it. A new
 * configuration becomes primary if its kind has no primary yet.
 */
export async function saveConfig(ctx: TTenantContext, listing: TConfigListing, input: TSaveInput) {
  const provider = findProvider(input.provider);
  if (!provider || provider.kind !== input.kind) throw new Error('Unknown provider.');
  const settings = provider.schema.parse(input.settings) as Record<string, unknown>;
  const previous = await verifiedState(ctx, listing);
  const existing = input.configId ? listing.configs.find((c) => c.id === input.configId) : undefined;
  if (input.configId && !existing) throw new Error('This configuration no longer exists. Reload.');
  const configId = input.configId ?? newConfigId();
  const version = existing ? existing.latestVersion + 1 : 1;
  const document: TConfigDocument = { typ: input.kind, tenantId: ctx.tenantId, configId, version, provider: provider.id, settings, iat: Math.floor(Date.now() / 1000) };
  const { jwe, digest } = await sealConfig({ document, signingKey: ctx.keys.signingKey, signingKid: ctx.keys.signingKid, recipients: await sealRecipients(ctx, previous) });
  const others = (previous?.configs ?? []).filter((c) => c.configId !== configId);
  const before = previous?.configs.find((c) => c.configId === configId);
  const hasPrimary = others.some((c) => c.kind === input.kind && c.primary);
  const entry = {
    configId,
    kind: input.kind,
    version,
    status: before?.status ?? ('active' as const),
    primary: before ? before.primary : !hasPrimary,
    digest,
  };
  const state = await signNext(ctx, listing, previous, [...others, entry]);
  await api.change(ctx.tenantId, { state, put: { configId, kind: input.kind, provider: provider.id, label: input.label, version, jwe, ...(input.restoredFrom ? { restoredFrom: input.restoredFrom } : {}) } });
  return { configId, version };
}

/** Decrypts and verifies a sealed version with the tenant keys held in this browser. */
export async function openVersion(ctx: TTenantContext, configId: string, version: number, jwe: unknown, digest: string): Promise<TConfigDocument> {
  return openConfig({
    jwe: jwe as Parameters<typeof openConfig>[0]['jwe'],
    decryptionKey: ctx.keys.encryptionKey,
    decryptionKid: ctx.keys.encryptionKid,
    verifyKey: ctx.keys.signingPublicJwk,
    expected: { tenantId: ctx.tenantId, configId, version, digest },
  });
}

export type TStateEdit = { configId: string; status?: 'active' | 'disabled'; primary?: boolean; newPrimaryOfKind?: string | null };

/**
 * Changes status or primary: a new signed state with seq + 1, nothing else.
 * Keeps the rules: at most one primary per kind, a disabled configuration is never primary.
 */
export async function changeState(ctx: TTenantContext, listing: TConfigListing, edit: TStateEdit) {
  const previous = await verifiedState(ctx, listing);
  if (!previous) throw new Error('There is nothing to change yet.');
  const target = previous.configs.find((c) => c.configId === edit.configId);
  if (!target) throw new Error('This configuration no longer exists. Reload.');
  const configs = previous.configs.map((c) => ({ ...c }));
  const me = configs.find((c) => c.configId === edit.configId)!;
  if (edit.status) me.status = edit.status;
  if (edit.primary) {
    if (me.status !== 'active') throw new Error('A disabled configuration cannot be primary.');
    for (const c of configs) if (c.kind === me.kind) c.primary = c.configId === me.configId;
  }
  if (me.status === 'disabled' && me.primary) {
    me.primary = false;
    if (edit.newPrimaryOfKind) {
      const successor = configs.find((c) => c.configId === edit.newPrimaryOfKind && c.kind === me.kind && c.status === 'active');
      if (!successor) throw new Error('Choose an active configuration of the same kind as the new primary.');
      successor.primary = true;
    }
  }
  await api.change(ctx.tenantId, { state: await signNext(ctx, listing, previous, configs) });
}

/** Deletes a disabled configuration: a state without it, and the broker drops its versions. */
export async function deleteConfig(ctx: TTenantContext, listing: TConfigListing, configId: string) {
  const previous = await verifiedState(ctx, listing);
  const target = previous?.configs.find((c) => c.configId === configId);
  if (!previous || !target) throw new Error('This configuration no longer exists. Reload.');
  if (target.status !== 'disabled') throw new Error('Disable the configuration before deleting it.');
  const state = await signNext(ctx, listing, previous, previous.configs.filter((c) => c.configId !== configId));
  await api.change(ctx.tenantId, { state, remove: { configId } });
}

/** Rollback: the older content sealed again as a new version. */
export async function rollbackConfig(ctx: TTenantContext, listing: TConfigListing, configId: string, old: { version: number; jwe: unknown; digest: string; label: string }) {
  const document = await openVersion(ctx, configId, old.version, old.jwe, old.digest);
  const current = listing.configs.find((c) => c.id === configId);
  if (!current) throw new Error('This configuration no longer exists. Reload.');
  return saveConfig(ctx, listing, { configId, kind: document.typ, provider: document.provider, label: old.label, settings: document.settings, restoredFrom: old.version });
}
