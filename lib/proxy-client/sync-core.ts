// The proxy client's state and one sync: fetch bundle pages, verify each
// against the pinned broker keys (extending the pins only through broker
// rotation statements), verify every tenant, apply what passes, keep the last
// good configuration of what fails. The pins are persisted before what they
// protect is applied. Memory holds the settings; only the pins file is written.
import { collectParts, type TReportSource } from './report-source';
import type { JWK } from 'jose';

import { BundleError, verifyBundle, type TBundle } from '@/lib/crypto/bundle';
import { CryptoError } from '@/lib/crypto/errors';
import { followKeyRotations } from '@/lib/crypto/key-rotation';
import { assertKeyPairMatches, importPrivateKey, readPrivateJwk, thumbprintOf } from '@/lib/crypto/p256-jwk';
import {
  MAX_STATUS_ERRORS,
  MAX_STATUS_TENANTS,
  type TProxyCredentials,
  type TProxyErrorCode,
  type TProxyStatus,
} from '@/lib/schemas/deployments';

import type { TBrokerApi } from './http';
import type { TKnownKmsConfigIds } from './kms-config-ids';
import { loadPins, savePins, tenantPins, type TPins, type TSavedPins } from './pins';
import type { TProxyError, TProxyLogger, TProxyTenant } from './types';
import { verifyTenant, type TDeploymentKey, type TTenantPin } from './verify-tenant';

/** Tenants of one page verified at a time: enough to keep the thread pool busy, bounded in memory. */
const VERIFY_CONCURRENCY = 16;

/** `fn` over `items` with at most `limit` calls in flight; results in item order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** The whole bundle was refused (tenantId '*' in the report); nothing in it was applied. */
export class BundleRefusedError extends Error {
  override readonly name = 'BundleRefusedError';
  constructor(readonly error: TProxyError) {
    super(`${error.code}: ${error.message}`);
  }
}

const BUNDLE_CODES: Record<string, TProxyErrorCode> = { lifetime: 'bundle_expired', audience: 'bundle_audience' };

/**
 * Told once per new fact: a pinned tenant the broker stopped handing over
 * (tenant_withheld, tenant_suspended), with the last verified view this
 * process served of it, if it served one (memory only: after a restart there
 * is none). A Tenant Security Proxy tells that tenant's SIEM with it.
 */
export type TStoppedListener = (notice: TProxyError, lastServed: TProxyTenant | undefined) => void;

const withheldMessage = (seq: number) =>
  `The broker's full sync no longer lists this tenant. This proxy last applied its state ${seq} and now serves none of its configurations. A tenant leaves the bundle only when deleted, with no configuration left, so the broker may be withholding it.`;
const suspendedMessage = (seq: number) =>
  `The broker marks this tenant suspended (a flag the tenant does not sign). This proxy last applied its state ${seq} and now serves none of its configurations.`;

/** Where a pull's time went, from the broker's first answer to the change applied (milliseconds, summed over pages). */
type TPullTiming = { receivedAt: number | null; signatureMs: number; tenantStatesMs: number; pinsMs: number };

/**
 * One line per pull that applied something: which tenants, and the time from
 * the broker's answer until it applied, by stage. An operator reads when a
 * revocation took effect here; bench/tsp-revocation.ts reads the stages.
 */
export function appliedMessage(full: boolean, listed: readonly { id: string; seq: number | undefined }[], timing: TPullTiming): string {
  const which = listed.length <= 3 ? listed.map((t) => (t.seq === undefined ? `${t.id} (not served)` : `${t.id} at state ${t.seq}`)).join(', ') || 'no tenant' : `${listed.length} tenants`;
  const total = timing.receivedAt === null ? 0 : performance.now() - timing.receivedAt;
  const r = Math.round;
  return `Applied the broker's ${full ? 'full sync' : 'changes'}: ${which}; ${r(total)} ms from its answer (broker signature ${r(timing.signatureMs)} ms, tenant states ${r(timing.tenantStatesMs)} ms, pins saved ${r(timing.pinsMs)} ms).`;
}

export type TSyncCore = ReturnType<typeof createSyncCore>;

export function createSyncCore(input: {
  credentials: TProxyCredentials;
  pinsFile: string;
  api: TBrokerApi;
  now: () => number;
  logger: TProxyLogger;
  /** Failures of the proxy's own work (a TSP's SIEM delivery), reported with the verification ones. */
  extraErrors?: () => TProxyError[];
  /** Parts of each report the embedding proxy owns: SIEM delivery health, key-use counters (lib/proxy-client/report-source.ts). */
  sources?: () => readonly TReportSource[];
}) {
  const { credentials, pinsFile, api, now, logger } = input;
  const tenants = new Map<string, TProxyTenant>();
  const tenantErrors = new Map<string, TProxyError[]>();
  // Every kmsConfigId applied per tenant (never forgotten, not even for a tenant no longer served): a state moving one is refused.
  const kmsConfigIds = new Map<string, TKnownKmsConfigIds>();
  // The seq of each tenant in the last report the broker accepted.
  const reported = new Map<string, number>();
  let reportedErrors = '[]';
  let reportedCursor: string | null = null;
  let bundleError: TProxyError | null = null;
  let pins: TPins | null = null;
  // The inode of the pins file as this process last wrote it (null: not written yet).
  let pinsIno: number | null = null;
  let deployment: TDeploymentKey | null = null;
  let cursor: string | null = null;
  let etag: string | null = null;
  let lastSyncAt: number | null = null;
  let lastFullSyncAt: number | null = null;
  // Pinned tenants the broker no longer hands over, and the last view of each this process served (for its SIEM).
  const stopped = new Map<string, TProxyError>();
  const lastServed = new Map<string, TProxyTenant>();
  const stoppedListeners: TStoppedListener[] = [];
  const appliedListeners: ((tenantIds: string[]) => void)[] = [];

  /** Records that the broker stopped handing `notice.tenantId` over; logs and tells the listeners when that is news. */
  function markStopped(notice: TProxyError, served: TProxyTenant | undefined): void {
    if (served?.status === 'active' && served.configs.length > 0) lastServed.set(notice.tenantId, served);
    const before = stopped.get(notice.tenantId);
    stopped.set(notice.tenantId, notice);
    if (before?.code === notice.code && before.seq === notice.seq) return;
    logger.warn(`Tenant ${notice.tenantId}: ${notice.code}: ${notice.message}`);
    for (const listener of stoppedListeners) {
      try {
        listener(notice, lastServed.get(notice.tenantId));
      } catch (e) {
        logger.warn(`A listener failed on ${notice.code} for tenant ${notice.tenantId}: ${(e as Error).message}`);
      }
    }
  }

  function markHandedOver(tenantId: string): void {
    if (!stopped.delete(tenantId)) return;
    lastServed.delete(tenantId);
    logger.info(`Tenant ${tenantId}: the broker hands it over again.`);
  }

  /** After a full sync: every pinned tenant it did not list is withheld — unless its last state listed no configuration (deleted). */
  function checkWithheld(pinned: Record<string, TTenantPin>, seen: Set<string>, served: Map<string, TProxyTenant>): void {
    for (const [tenantId, pin] of Object.entries(pinned)) {
      if (seen.has(tenantId)) continue;
      if (pin.configs === 0) {
        markHandedOver(tenantId);
        continue;
      }
      markStopped({ tenantId, configId: null, code: 'tenant_withheld', message: withheldMessage(pin.seq), seq: pin.seq }, served.get(tenantId));
    }
  }

  async function init(): Promise<{ pins: TPins; deployment: TDeploymentKey }> {
    if (!deployment) {
      const jwk = readPrivateJwk(credentials.privateJwk, 'ecdh', 'invalid_input');
      // A credentials file with a mismatched d would decrypt nothing; say so at start, not per config.
      await assertKeyPairMatches(jwk, 'ecdh', 'invalid_input');
      deployment = { key: await importPrivateKey(jwk, 'ecdh', ['deriveBits'], 'invalid_input'), kid: await thumbprintOf(jwk) };
    }
    pins ??= await loadPins(pinsFile, credentials.deploymentId, credentials.brokerJwks.keys as JWK[]);
    return { pins, deployment };
  }

  /** What a save wrote (ours merged with what another process sharing the file had pinned) becomes our pins. */
  function adopt(current: TPins, saved: TSavedPins): void {
    current.broker = saved.pins.broker;
    current.tenants = saved.pins.tenants;
    pinsIno = saved.ino;
  }

  // Unknown broker kid: learn new keys only through rotation statements from a pinned key.
  async function extendBrokerPins(current: TPins): Promise<boolean> {
    const rotations = await api.getBrokerRotations();
    const known = new Set(current.broker.keys.map((k) => k.kid));
    const added: JWK[] = [];
    for (const pinned of current.broker.keys) {
      for (const key of await followKeyRotations(pinned, rotations, 'broker')) {
        if (!known.has(key.kid)) {
          known.add(key.kid);
          added.push(key);
        }
      }
    }
    if (added.length === 0) return false;
    adopt(current, await savePins(pinsFile, { ...current, broker: { keys: [...current.broker.keys, ...added] } }, { writtenIno: pinsIno }));
    logger.info(`Broker signing key(s) ${added.map((k) => k.kid).join(', ')} accepted through rotation statements.`);
    return true;
  }

  async function openBundle(jws: string, current: TPins, requested: string | null): Promise<TBundle> {
    const expected = { deploymentId: credentials.deploymentId, now: Math.floor(now() / 1000) };
    let bundle: TBundle;
    try {
      try {
        bundle = await verifyBundle(jws, current.broker.keys, expected);
      } catch (e) {
        if (!(e instanceof BundleError && e.check === 'key') || !(await extendBrokerPins(current))) throw e;
        bundle = await verifyBundle(jws, current.broker.keys, expected);
      }
    } catch (e) {
      const check = e instanceof CryptoError ? (e.check ?? '') : '';
      const message = e instanceof Error ? e.message : 'unexpected failure';
      bundleError = { tenantId: '*', configId: null, code: BUNDLE_CODES[check] ?? 'broker_signature', message: message.slice(0, 500) };
      throw new BundleRefusedError(bundleError);
    }
    // The signed cursor binds the answer to the question: an old page replayed for another cursor is refused.
    if (bundle.cursor !== requested) {
      bundleError = { tenantId: '*', configId: null, code: 'broker_signature', message: 'The bundle answers another cursor than the one asked for.' };
      throw new BundleRefusedError(bundleError);
    }
    bundleError = null;
    return bundle;
  }

  /**
   * Verifies a page's tenants and applies what passes. The pins are written
   * to disk first: a state is never applied (nor reported as applied) before
   * a restart would still refuse anything older than it, or a signing key it
   * replaced. If the pins cannot be saved, nothing from the page is applied.
   */
  async function applyTenants(bundle: TBundle, current: TPins, key: TDeploymentKey, seen: Set<string>, timing: TPullTiming): Promise<void> {
    let at = performance.now();
    // Verified concurrently — the signatures and key agreements run on the thread pool, so a
    // large page uses every core — then applied in page order. verifyBundle refuses a page that
    // lists a tenant twice, so each verification reads its own tenant's pin and no other.
    const verdicts = await mapConcurrently(bundle.tenants, VERIFY_CONCURRENCY, (t) => verifyTenant(t, current.tenants[t.tenantId], key, kmsConfigIds.get(t.tenantId), tenants.get(t.tenantId)));
    timing.tenantStatesMs += performance.now() - at;
    at = performance.now();
    const next = tenantPins(current.tenants);
    let changed = false;
    for (const [i, t] of bundle.tenants.entries()) {
      const verdict = verdicts[i] as Awaited<ReturnType<typeof verifyTenant>>;
      if (!verdict.ok) continue;
      const previous = next[t.tenantId];
      if (previous?.seq !== verdict.pin.seq || previous.signingKey.kid !== verdict.pin.signingKey.kid || previous.state !== verdict.pin.state || previous.configs !== verdict.pin.configs) {
        changed = true;
      }
      next[t.tenantId] = verdict.pin;
    }
    if (changed) adopt(current, await savePins(pinsFile, { ...current, tenants: next }, { writtenIno: pinsIno }));
    else current.tenants = next;
    timing.pinsMs += performance.now() - at;
    for (const [i, t] of bundle.tenants.entries()) {
      const verdict = verdicts[i] as Awaited<ReturnType<typeof verifyTenant>>;
      seen.add(t.tenantId);
      if (!verdict.ok) {
        // Listed again: whatever is wrong with it now is what its errors say.
        markHandedOver(t.tenantId);
        tenantErrors.set(t.tenantId, verdict.errors);
        for (const e of verdict.errors) logger.warn(`Tenant ${e.tenantId}${e.configId ? ` ${e.configId}` : ''}: ${e.code}: ${e.message}`);
        continue;
      }
      // Secrets left out are reported; the rest of the tenant applies.
      if (verdict.errors.length > 0) {
        tenantErrors.set(t.tenantId, verdict.errors);
        for (const e of verdict.errors) logger.warn(`Tenant ${e.tenantId}: ${e.code}: ${e.message}`);
      } else tenantErrors.delete(t.tenantId);
      const served = tenants.get(t.tenantId);
      tenants.set(t.tenantId, verdict.tenant);
      kmsConfigIds.set(t.tenantId, verdict.kmsConfigIds);
      // Suspension is the broker's unsigned flag: reported for a tenant that approved this deployment (the others get nothing anyway).
      if (verdict.tenant.status === 'suspended' && verdict.tenant.approved) {
        markStopped({ tenantId: t.tenantId, configId: null, code: 'tenant_suspended', message: suspendedMessage(verdict.pin.seq), seq: verdict.pin.seq }, served);
      } else markHandedOver(t.tenantId);
    }
  }

  /**
   * Fetches until the bundle is complete (a full sync when there is no
   * cursor). Returns false on 304. Throws BrokerHttpError / BundleRefusedError.
   *
   * Pages are fetched one ahead: once a page's broker signature verifies, its
   * signed `next` cursor is requested while the page's tenants are verified,
   * so the broker builds a page while the proxy checks the last one. Nothing
   * is applied from a page before it and every page before it verified.
   */
  async function pull(wait: number, signal?: AbortSignal): Promise<boolean> {
    const ready = await init();
    const full = cursor === null;
    let asked = cursor;
    const seen = new Set<string>();
    const timing: TPullTiming = { receivedAt: null, signatureMs: 0, tenantStatesMs: 0, pinsMs: 0 };
    // Only a delta long-polls; a full sync and the later pages of anything are wanted at once.
    let pending: ReturnType<TBrokerApi['getConfigs']> | null = api.getConfigs({ cursor: asked, wait: full ? 0 : wait, etag, signal });
    // A prefetch still in flight when this pull fails is abandoned: its outcome is never read.
    const abandon = new AbortController();
    const onAbort = () => abandon.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const response = await (pending as NonNullable<typeof pending>);
        pending = null;
        if (response.kind === 'not_modified') {
          lastSyncAt = now();
          return false;
        }
        timing.receivedAt ??= performance.now();
        const opening = performance.now();
        const bundle = await openBundle(response.jws, ready.pins, asked);
        timing.signatureMs += performance.now() - opening;
        if (!bundle.complete) {
          pending = api.getConfigs({ cursor: bundle.next, wait: 0, etag: null, signal: abandon.signal });
          // Read (or dropped) only after this page is applied; never an unhandled rejection meanwhile.
          pending.catch(() => {});
        }
        await applyTenants(bundle, ready.pins, ready.deployment, seen, timing);
        asked = bundle.next;
        if (bundle.complete) {
          etag = response.etag;
          break;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (pending) abandon.abort();
    }
    if (full) {
      // A full sync lists every tenant still assigned to this deployment; the rest are no longer served.
      const dropped = new Map<string, TProxyTenant>();
      for (const id of [...tenants.keys(), ...tenantErrors.keys()]) {
        if (!seen.has(id)) {
          const served = tenants.get(id);
          if (served) dropped.set(id, served);
          tenants.delete(id);
          tenantErrors.delete(id);
        }
      }
      // Withholding is visible: a pinned tenant left out is reported, with the last state applied (the pin stays).
      checkWithheld(ready.pins.tenants, seen, dropped);
      lastFullSyncAt = now();
      for (const id of dropped.keys()) seen.add(id);
    }
    cursor = asked;
    lastSyncAt = now();
    const listed = [...seen];
    logger.info(appliedMessage(full, listed.map((id) => ({ id, seq: tenants.get(id)?.seq })), timing));
    for (const listener of appliedListeners) {
      try {
        listener(listed);
      } catch (e) {
        logger.warn(`A listener failed after a pull: ${(e as Error).message}`);
      }
    }
    return true;
  }

  function errors(): TProxyError[] {
    return [...(bundleError ? [bundleError] : []), ...[...tenantErrors.values()].flat(), ...stopped.values(), ...(input.extraErrors?.() ?? [])];
  }

  function statusBody(): TProxyStatus {
    const changed = [...tenants.values()].filter((t) => reported.get(t.tenantId) !== t.seq);
    return {
      cursor,
      tenants: changed.slice(0, MAX_STATUS_TENANTS).map((t) => ({ tenantId: t.tenantId, seq: t.seq })),
      errors: errors().slice(0, MAX_STATUS_ERRORS),
    };
  }

  async function reportStatus(signal?: AbortSignal): Promise<void> {
    const extra = collectParts(input.sources?.() ?? []);
    const body = { ...statusBody(), ...extra.part };
    await api.postStatus(body, signal);
    extra.accepted();
    for (const t of body.tenants) reported.set(t.tenantId, t.seq);
    reportedErrors = JSON.stringify(body.errors);
    reportedCursor = body.cursor;
  }

  /** Something the broker has not been told yet: an applied state, a changed error list or cursor. */
  function needsReport(): boolean {
    const body = statusBody();
    return body.tenants.length > 0 || body.cursor !== reportedCursor || JSON.stringify(body.errors) !== reportedErrors || (input.sources?.() ?? []).some((source) => source.urgent());
  }

  /**
   * The broker no longer knows our cursor. It may have lost what we reported
   * too (an older database restored), so the next report tells it everything
   * again: every tenant's applied state, every error.
   */
  function resetCursor(): void {
    cursor = null;
    etag = null;
    reported.clear();
    reportedErrors = '[]';
    reportedCursor = null;
    for (const source of input.sources?.() ?? []) source.reset();
  }

  /**
   * The next pull is a full sync again (cursor and ETag dropped), without
   * repeating what the broker was already told: only a full sync shows a
   * tenant left out of the bundle.
   */
  function startFullSync(): void {
    cursor = null;
    etag = null;
  }

  /**
   * For a draft's configuration test: this deployment's key and the tenant
   * signing key pinned from its verified state, while the tenant is served
   * (active and approving this deployment); else null.
   */
  async function draftKeys(tenantId: string): Promise<{ deployment: TDeploymentKey; signingKey: JWK } | null> {
    const ready = await init();
    const tenant = tenants.get(tenantId);
    const pin = ready.pins.tenants[tenantId];
    if (!tenant || !pin || tenant.status !== 'active' || !tenant.approved) return null;
    return { deployment: ready.deployment, signingKey: pin.signingKey };
  }

  return {
    init,
    draftKeys,
    pull,
    startFullSync,
    reportStatus,
    resetCursor,
    errors,
    needsReport,
    tenants: () => [...tenants.values()],
    getTenant: (tenantId: string) => tenants.get(tenantId),
    cursor: () => cursor,
    lastSyncAt: () => lastSyncAt,
    lastFullSyncAt: () => lastFullSyncAt,
    /** Pinned tenants the broker stopped handing over (tenant_withheld, tenant_suspended). */
    stopped: () => [...stopped.values()],
    onStopped: (listener: TStoppedListener) => void stoppedListeners.push(listener),
    onApplied: (listener: (tenantIds: string[]) => void) => void appliedListeners.push(listener),
  };
}
