// Leased keys (TSP.md "Leased keys"): a random 32-byte key per KMS
// configuration and TSP instance, wrapped once by the tenant's KMS and then
// used to wrap document keys locally (AES-256-GCM) for at most the lifetime
// the tenant admin signed with the configuration. Off unless that lifetime is
// set.
//
// The EDEK layout is the reference's (lib/tsp/edek.ts): field 1 holds the DEK
// under the leased key (ciphertext ‖ tag), field 3 a random leasedKeyId,
// field 4 the 12-byte IV and field 5 the leased key as an EncryptedDeks
// wrapped by the KMS — so any replica, or this one after a restart, opens a
// leased EDEK by asking the KMS once for field 5, then from its cache.
//
// The cache holds opened leased keys only: bounded in entries (least recently
// used goes first) and in time (a key opened at t is forgotten at t +
// lifetime, so a key disabled inside the KMS stops working everywhere within
// the lifetime), and wiped (overwritten with zeros) when it goes, when its
// configuration is disabled or changed, and when the TSP stops. A disabled
// configuration is refused before the cache is consulted (key-ops), so a
// revocation in the broker applies at once whatever the cache holds.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { leasedKeyLifetimeSeconds } from '@/lib/schemas/providers/common';
import type { TProxyTenant } from '@/lib/proxy-client';
import type { TKmsConfig } from './configs';
import { decodeEdekBytes, encodeEdekBytes, type TEncryptedDek } from './edek';
import { TspError } from './errors';

export const LEASED_KEY_BYTES = 32;
export const LEASE_IV_BYTES = 12;
const TAG_BYTES = 16;
/** Opened leased keys one TSP keeps at most (TSP_LEASE_CACHE_ENTRIES). */
export const DEFAULT_LEASE_CACHE_ENTRIES = 50_000;
const SWEEP_EVERY_MS = 5_000;

/** The leased-key fields of an EDEK entry (fields 1, 3, 4 and 5). */
export type TLeasedEdek = { encryptedDekData: Uint8Array; leasedKeyId: number; leasedKeyIv: Uint8Array; encryptedLeasedKeyData: Uint8Array };

type TKmsCall = (data: Uint8Array) => Promise<Uint8Array>;

type TOpened = { key: Buffer; expiresAt: number; tenantId: string; configId: string; version: number };
type TCurrent = { id: number; key: Buffer; wrapped: Uint8Array; cacheKey: string; expiresAt: number; version: number };

export type TLeaseStats = { entries: number; hits: number; misses: number; kmsWraps: number; kmsUnwraps: number };

export type TLeases = {
  /** The lifetime, in ms, of `config`'s leased keys; undefined when leasing is off. */
  lifetimeMs(config: TKmsConfig): number | undefined;
  /** Wraps `dek` under the configuration's current leased key; `kmsWrap` wraps a new leased key when none is current. */
  wrap(tenantId: string, config: TKmsConfig, dek: Uint8Array, kmsWrap: TKmsCall): Promise<TLeasedEdek>;
  /** Opens a leased EDEK entry: its leased key from the cache, or from `kmsUnwrap` (once, however many ask at the same time). */
  unwrap(tenantId: string, config: TKmsConfig, entry: TEncryptedDek, kmsUnwrap: TKmsCall): Promise<Uint8Array>;
  /** Wipes the keys of configurations no longer in force as they were (disabled, changed, gone) for `tenantIds`, or every tenant. */
  sweep(getTenant: (tenantId: string) => TProxyTenant | undefined, tenantIds?: Iterable<string>): void;
  stats(): TLeaseStats;
  /** Wipes everything and stops the expiry timer. */
  close(): void;
};

const invalid = (message: string) => new TspError('invalid_edek', `The EDEK is not valid: ${message}`);

/** What the DEK's AES-GCM tag binds: the tenant, the configuration and the leased key. */
function aad(tenantId: string, kmsConfigId: number, leasedKeyId: number): Buffer {
  return Buffer.from(`cmk-leased-dek-v1\u0000${tenantId}\u0000${kmsConfigId}\u0000${leasedKeyId}`, 'utf8');
}

// Field 5 itself (base64) is the key: cheaper than a digest, and a few hundred bytes per entry.
const keyOf = (tenantId: string, configId: string, wrapped: Uint8Array) => `${tenantId}\u0000${configId}\u0000${Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength).toString('base64')}`;

export function createLeases(options: { maxEntries?: number; now?: () => number } = {}): TLeases {
  const maxEntries = options.maxEntries ?? DEFAULT_LEASE_CACHE_ENTRIES;
  const now = options.now ?? Date.now;
  /** Opened leased keys by tenant, configuration and field 5; Map order is least recently used first. */
  const opened = new Map<string, TOpened>();
  /** The leased key each configuration wraps with now, by tenant and configuration. */
  const current = new Map<string, TCurrent>();
  const making = new Map<string, Promise<TCurrent>>();
  const opening = new Map<string, Promise<TOpened>>();
  const stats = { hits: 0, misses: 0, kmsWraps: 0, kmsUnwraps: 0 };

  function forget(cacheKey: string): void {
    const entry = opened.get(cacheKey);
    if (!entry) return;
    opened.delete(cacheKey);
    entry.key.fill(0);
  }

  function forgetCurrent(slot: string): void {
    const lease = current.get(slot);
    if (!lease) return;
    current.delete(slot);
    // The same key object is in `opened` under lease.cacheKey (wiped there too, or still in use there until it goes).
    if (!opened.has(lease.cacheKey)) lease.key.fill(0);
  }

  function remember(cacheKey: string, entry: TOpened): void {
    forget(cacheKey);
    while (opened.size >= maxEntries) {
      const oldest = opened.keys().next().value as string;
      forget(oldest);
    }
    opened.set(cacheKey, entry);
  }

  function lifetimeMs(config: TKmsConfig): number | undefined {
    const seconds = leasedKeyLifetimeSeconds(config.settings);
    return seconds === undefined ? undefined : seconds * 1000;
  }

  async function makeLease(tenantId: string, config: TKmsConfig, lifetime: number, kmsWrap: TKmsCall): Promise<TCurrent> {
    const key = randomBytes(LEASED_KEY_BYTES);
    const started = now();
    let wrappedByKms: Uint8Array;
    try {
      stats.kmsWraps += 1;
      wrappedByKms = await kmsWrap(key);
    } catch (error) {
      key.fill(0);
      throw error;
    }
    const wrapped = encodeEdekBytes({ encryptedDekData: wrappedByKms, kmsConfigId: config.kmsConfigId, tenantId });
    // The lifetime runs from before the KMS call: never longer than the tenant chose.
    const lease: TCurrent = { id: randomInt(1, 2 ** 31 - 1), key, wrapped, cacheKey: keyOf(tenantId, config.configId, wrapped), expiresAt: started + lifetime, version: config.version };
    remember(lease.cacheKey, { key, expiresAt: lease.expiresAt, tenantId, configId: config.configId, version: config.version });
    return lease;
  }

  async function currentLease(tenantId: string, config: TKmsConfig, lifetime: number, kmsWrap: TKmsCall): Promise<TCurrent> {
    const slot = `${tenantId}\u0000${config.configId}`;
    const held = current.get(slot);
    if (held && held.version === config.version && now() < held.expiresAt && opened.has(held.cacheKey)) return held;
    if (held) forgetCurrent(slot);
    let pending = making.get(slot);
    if (!pending) {
      pending = makeLease(tenantId, config, lifetime, kmsWrap).then(
        (lease) => {
          making.delete(slot);
          current.set(slot, lease);
          return lease;
        },
        (error: unknown) => {
          making.delete(slot);
          throw error;
        },
      );
      making.set(slot, pending);
    }
    return pending;
  }

  /** Opens field 5 with the KMS. */
  async function openWithKms(tenantId: string, entry: TEncryptedDek, kmsUnwrap: TKmsCall): Promise<Buffer> {
    const inner = decodeEdekBytes(entry.encryptedLeasedKeyData, 'its leased key');
    if (inner.length !== 1 || inner[0]?.leasedKeyId !== 0 || inner[0].kmsConfigId !== entry.kmsConfigId) throw invalid('its leased key is not one KMS-wrapped key of the same configuration.');
    if (inner[0].tenantId !== '' && inner[0].tenantId !== tenantId) throw new TspError('invalid_edek', 'The EDEK belongs to another tenant.');
    stats.kmsUnwraps += 1;
    const key = Buffer.from(await kmsUnwrap(inner[0].encryptedDekData));
    if (key.length !== LEASED_KEY_BYTES) {
      key.fill(0);
      throw new TspError('kms_unwrap_failed', 'The KMS returned a leased key that is not 32 bytes.');
    }
    return key;
  }

  /** The opened leased key of a cache entry, from the cache or the KMS (one call however many ask at once). */
  async function openCached(cacheKey: string, tenantId: string, config: TKmsConfig, entry: TEncryptedDek, lifetime: number, kmsUnwrap: TKmsCall): Promise<TOpened> {
    const held = opened.get(cacheKey);
    if (held) {
      if (held.version === config.version && now() < held.expiresAt) {
        stats.hits += 1;
        // Least recently used goes first: a hit moves to the end.
        opened.delete(cacheKey);
        opened.set(cacheKey, held);
        return held;
      }
      forget(cacheKey);
    }
    let pending = opening.get(cacheKey);
    if (!pending) {
      stats.misses += 1;
      const started = now();
      pending = openWithKms(tenantId, entry, kmsUnwrap)
        .then((key) => {
          // The lifetime runs from before the KMS call.
          const result: TOpened = { key, expiresAt: started + lifetime, tenantId, configId: config.configId, version: config.version };
          remember(cacheKey, result);
          return result;
        })
        .finally(() => opening.delete(cacheKey));
      opening.set(cacheKey, pending);
    }
    return pending;
  }

  const sweeper = setInterval(() => {
    const at = now();
    for (const [cacheKey, entry] of opened) if (at >= entry.expiresAt) forget(cacheKey);
    for (const [slot, lease] of current) if (at >= lease.expiresAt) forgetCurrent(slot);
  }, SWEEP_EVERY_MS);
  sweeper.unref();

  return {
    lifetimeMs,
    async wrap(tenantId, config, dek, kmsWrap) {
      const lifetime = lifetimeMs(config);
      if (lifetime === undefined) throw new Error('Leasing is off for this configuration.');
      let lease = await currentLease(tenantId, config, lifetime, kmsWrap);
      // Another request may have pushed it out of the cache (and wiped it) while this one waited: take a new one.
      for (let attempt = 0; opened.get(lease.cacheKey)?.key !== lease.key; attempt++) {
        if (attempt === 2) throw new TspError('unavailable', 'The leased-key cache is too small for the load; retry.', { retryAfterSeconds: 1 });
        lease = await currentLease(tenantId, config, lifetime, kmsWrap);
      }
      const iv = randomBytes(LEASE_IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', lease.key, iv);
      cipher.setAAD(aad(tenantId, config.kmsConfigId, lease.id));
      const sealed = Buffer.concat([cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
      return { encryptedDekData: sealed, leasedKeyId: lease.id, leasedKeyIv: iv, encryptedLeasedKeyData: lease.wrapped };
    },
    async unwrap(tenantId, config, entry, kmsUnwrap) {
      if (entry.leasedKeyIv.length !== LEASE_IV_BYTES) throw invalid(`its leased-key IV is not ${LEASE_IV_BYTES} bytes.`);
      if (entry.encryptedDekData.length !== LEASED_KEY_BYTES + TAG_BYTES) throw invalid('its leased encrypted key has the wrong length.');
      if (entry.encryptedLeasedKeyData.length === 0) throw invalid('it names a leased key but does not hold it.');
      const lifetime = lifetimeMs(config);
      let key: Buffer;
      let owned = false;
      if (lifetime === undefined) {
        // Leasing turned off since the EDEK was made: the KMS opens the leased key for this EDEK alone, and it is not kept.
        key = await openWithKms(tenantId, entry, kmsUnwrap);
        owned = true;
      } else {
        const cacheKey = keyOf(tenantId, config.configId, entry.encryptedLeasedKeyData);
        let lease = await openCached(cacheKey, tenantId, config, entry, lifetime, kmsUnwrap);
        // Pushed out of the cache (and wiped) by another request while this one waited: open it again.
        for (let attempt = 0; opened.get(cacheKey)?.key !== lease.key; attempt++) {
          if (attempt === 2) throw new TspError('unavailable', 'The leased-key cache is too small for the load; retry.', { retryAfterSeconds: 1 });
          lease = await openCached(cacheKey, tenantId, config, entry, lifetime, kmsUnwrap);
        }
        key = lease.key;
      }
      const data = entry.encryptedDekData;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, entry.leasedKeyIv);
        decipher.setAAD(aad(tenantId, entry.kmsConfigId, entry.leasedKeyId));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new TspError('invalid_edek', 'The EDEK does not open with its leased key: it was changed, or made for another tenant or configuration.');
      } finally {
        if (owned) key.fill(0);
      }
    },
    sweep(getTenant, tenantIds) {
      const only = tenantIds ? new Set(tenantIds) : null;
      const inForce = (tenantId: string, configId: string, version: number) => {
        const config = getTenant(tenantId)?.configs.find((c) => c.configId === configId);
        return config !== undefined && config.kind === 'kms' && config.status === 'active' && config.version === version && leasedKeyLifetimeSeconds(config.settings) !== undefined;
      };
      for (const [cacheKey, entry] of opened) {
        if (only && !only.has(entry.tenantId)) continue;
        if (!inForce(entry.tenantId, entry.configId, entry.version)) forget(cacheKey);
      }
      for (const [slot, lease] of current) {
        const [tenantId = '', configId = ''] = slot.split('\u0000');
        if (only && !only.has(tenantId)) continue;
        if (!inForce(tenantId, configId, lease.version)) forgetCurrent(slot);
      }
    },
    stats: () => ({ entries: opened.size, ...stats }),
    close() {
      clearInterval(sweeper);
      for (const cacheKey of [...opened.keys()]) forget(cacheKey);
      for (const slot of [...current.keys()]) forgetCurrent(slot);
    },
  };
}
