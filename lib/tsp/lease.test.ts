// Leased keys (lib/tsp/lease.ts), the module alone: the KMS here is a pair of
// functions that really encrypt (AES-256-GCM under a key of the test), so a
// leased key goes through a real wrap and unwrap; what is counted is how often
// the KMS is asked. Proves one KMS call per lease however many ask at once, a
// second instance (a replica, or this one restarted) opening the leases of
// the first, the bounds in entries and in time, the wiping of every key that
// goes, and the refusal of a changed, moved or foreign EDEK.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TProxyTenant } from '@/lib/proxy-client';
import type { TKmsConfig } from './configs';
import { decodeEdek, encodeEdek, encodeEdekBytes, type TEncryptedDek } from './edek';
import { createLeases, type TLeases } from './lease';

const config = (overrides: Partial<TKmsConfig> = {}): TKmsConfig => ({
  configId: 'cfg-1',
  label: null,
  kind: 'kms',
  provider: 'aws-kms',
  version: 1,
  status: 'active',
  primary: true,
  kmsConfigId: 3,
  settings: { leasedKeyLifetime: '3600' },
  ...overrides,
});

/** A KMS of the test: AES-256-GCM under its own key, with the tenant as AAD, counting calls; `down` makes it fail. */
function fakeKms() {
  const master = randomBytes(32);
  const kms = { wraps: 0, unwraps: 0, down: false, wrapped: [] as Buffer[] };
  const wrap = (tenantId: string) => async (key: Uint8Array) => {
    kms.wraps += 1;
    if (kms.down) throw new Error('KMS down');
    kms.wrapped.push(key as Buffer);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(Buffer.from(tenantId));
    return Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  };
  const unwrap = (tenantId: string) => async (data: Uint8Array) => {
    kms.unwraps += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (kms.down) throw new Error('KMS down');
    const bytes = Buffer.from(data);
    const decipher = createDecipheriv('aes-256-gcm', master, bytes.subarray(0, 12)).setAAD(Buffer.from(tenantId));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  };
  return { kms, wrap, unwrap };
}

/** What key-ops stores: the leased fields, the configuration id and the tenant, through the EDEK's own encoding. */
async function leasedEdek(leases: TLeases, tenantId: string, cfg: TKmsConfig, dek: Uint8Array, kmsWrap: (key: Uint8Array) => Promise<Uint8Array>): Promise<TEncryptedDek> {
  const fields = await leases.wrap(tenantId, cfg, dek, kmsWrap);
  return decodeEdek(encodeEdek({ ...fields, kmsConfigId: cfg.kmsConfigId, tenantId }))[0] as TEncryptedDek;
}

const zeroed = (key: Buffer) => key.every((byte) => byte === 0);
const open: TLeases[] = [];
function leasesWith(options: Parameters<typeof createLeases>[0] = {}): TLeases {
  const leases = createLeases(options);
  open.push(leases);
  return leases;
}

afterEach(() => {
  for (const leases of open.splice(0)) leases.close();
  vi.useRealTimers();
});

describe('leased keys', () => {
  it('wraps many document keys with one KMS call, however many ask at once, and opens them again', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    const leases = leasesWith();
    const deks = Array.from({ length: 50 }, () => randomBytes(32));
    const edeks = await Promise.all(deks.map((dek) => leasedEdek(leases, 'acme', config(), dek, wrap('acme'))));
    expect(kms.wraps).toBe(1);
    expect(new Set(edeks.map((e) => e.leasedKeyId)).size).toBe(1);
    expect(edeks[0]?.leasedKeyId).toBeGreaterThan(0);
    expect(edeks[0]?.leasedKeyIv).toHaveLength(12);
    expect(new Set(edeks.map((e) => Buffer.from(e.leasedKeyIv).toString('hex'))).size).toBe(50);
    // The DEK is not in the EDEK in clear.
    expect(Buffer.from(edeks[0]?.encryptedDekData ?? []).includes(deks[0] as Buffer)).toBe(false);
    const opened = await Promise.all(edeks.map((e) => leases.unwrap('acme', config(), e, unwrap('acme'))));
    expect(opened.map((k) => Buffer.from(k).toString('hex'))).toEqual(deks.map((d) => d.toString('hex')));
    // Its own lease is in its cache: no KMS call to open them.
    expect(kms.unwraps).toBe(0);
    expect(leases.stats()).toMatchObject({ entries: 1, kmsWraps: 1, kmsUnwraps: 0, hits: 50 });
  });

  it('a second instance (a replica, or this one restarted) opens them asking the KMS once, however many ask at once', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    const first = leasesWith();
    const deks = Array.from({ length: 20 }, () => randomBytes(32));
    const edeks = await Promise.all(deks.map((dek) => leasedEdek(first, 'acme', config(), dek, wrap('acme'))));
    const second = leasesWith();
    const opened = await Promise.all(edeks.map((e) => second.unwrap('acme', config(), e, unwrap('acme'))));
    expect(opened.map((k) => Buffer.from(k).toString('hex'))).toEqual(deks.map((d) => d.toString('hex')));
    expect(kms.unwraps).toBe(1);
    expect(second.stats()).toMatchObject({ entries: 1, misses: 1, kmsUnwraps: 1 });
    await second.unwrap('acme', config(), edeks[0] as TEncryptedDek, unwrap('acme'));
    expect(kms.unwraps).toBe(1);
  });

  it('a KMS failure is every waiting caller’s, is not cached, and the next call asks again', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    const edek = await leasedEdek(leasesWith(), 'acme', config(), randomBytes(32), wrap('acme'));
    const second = leasesWith();
    kms.down = true;
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => second.unwrap('acme', config(), edek, unwrap('acme'))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(kms.unwraps).toBe(1);
    kms.down = false;
    await expect(second.unwrap('acme', config(), edek, unwrap('acme'))).resolves.toHaveLength(32);
    expect(kms.unwraps).toBe(2);
  });

  it('is bounded in entries: the least recently used leased key goes, wiped, and opens again from the KMS', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    let now = 1_000_000;
    const maker = leasesWith({ now: () => now });
    // Three leases: a new one each lifetime.
    const edeks: TEncryptedDek[] = [];
    for (let i = 0; i < 3; i++) {
      edeks.push(await leasedEdek(maker, 'acme', config(), randomBytes(32), wrap('acme')));
      now += 3_600_000;
    }
    expect(kms.wraps).toBe(3);
    now = 1_000_000;
    const small = leasesWith({ maxEntries: 2, now: () => now });
    for (const e of edeks) await small.unwrap('acme', config(), e, unwrap('acme'));
    expect(small.stats().entries).toBe(2);
    expect(kms.unwraps).toBe(3);
    // The first was pushed out: opening it asks the KMS again; the last is still held.
    await small.unwrap('acme', config(), edeks[2] as TEncryptedDek, unwrap('acme'));
    expect(kms.unwraps).toBe(3);
    await small.unwrap('acme', config(), edeks[0] as TEncryptedDek, unwrap('acme'));
    expect(kms.unwraps).toBe(4);
  });

  it('is bounded in time: after the lifetime a new leased key wraps, old EDEKs ask the KMS again, and expired keys are wiped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    const { kms, wrap, unwrap } = fakeKms();
    let now = 5_000_000;
    const leases = leasesWith({ now: () => now });
    const cfg = config({ settings: { leasedKeyLifetime: '60' } });
    const first = await leasedEdek(leases, 'acme', cfg, randomBytes(32), wrap('acme'));
    const firstKey = kms.wrapped[0] as Buffer;
    now += 59_000;
    const same = await leasedEdek(leases, 'acme', cfg, randomBytes(32), wrap('acme'));
    expect(same.leasedKeyId).toBe(first.leasedKeyId);
    now += 1_000;
    const next = await leasedEdek(leases, 'acme', cfg, randomBytes(32), wrap('acme'));
    expect(next.leasedKeyId).not.toBe(first.leasedKeyId);
    expect(kms.wraps).toBe(2);
    // The expired one is gone from memory: opening an EDEK of it asks the KMS (where a disabled key would refuse).
    expect(kms.unwraps).toBe(0);
    await leases.unwrap('acme', cfg, first, unwrap('acme'));
    expect(kms.unwraps).toBe(1);
    // The timer wipes what expired, even with no request to notice.
    expect(zeroed(firstKey)).toBe(true);
    const secondKey = kms.wrapped[1] as Buffer;
    now += 61_000;
    vi.advanceTimersByTime(5_000);
    expect(zeroed(secondKey)).toBe(true);
    expect(leases.stats().entries).toBe(0);
  });

  it('wipes the keys of a configuration disabled, changed or gone, and of none other', async () => {
    const { kms, wrap } = fakeKms();
    const leases = leasesWith();
    const a = config();
    const b = config({ configId: 'cfg-2', kmsConfigId: 4 });
    await leasedEdek(leases, 'acme', a, randomBytes(32), wrap('acme'));
    await leasedEdek(leases, 'acme', b, randomBytes(32), wrap('acme'));
    await leasedEdek(leases, 'globex', a, randomBytes(32), wrap('globex'));
    const [keyA, keyB, keyGlobex] = kms.wrapped as [Buffer, Buffer, Buffer];
    const tenant = (tenantId: string, configs: TKmsConfig[]): TProxyTenant => ({ tenantId, status: 'active', seq: 2, approved: true, configs, primary: {}, secrets: { listed: [], stored: new Map() } });
    // acme: a disabled, b unchanged; globex not in the pull.
    leases.sweep((id) => (id === 'acme' ? tenant('acme', [{ ...a, status: 'disabled' }, b]) : undefined), ['acme']);
    expect([zeroed(keyA), zeroed(keyB), zeroed(keyGlobex)]).toEqual([true, false, false]);
    // b changed (a new version: new credentials, another lifetime, leasing off).
    leases.sweep((id) => (id === 'acme' ? tenant('acme', [{ ...b, version: 2 }]) : tenant('globex', [a])));
    expect([zeroed(keyB), zeroed(keyGlobex)]).toEqual([true, false]);
    // globex gone.
    leases.sweep(() => undefined);
    expect(zeroed(keyGlobex)).toBe(true);
    expect(leases.stats().entries).toBe(0);
  });

  it('wipes everything on close', async () => {
    const { kms, wrap } = fakeKms();
    const leases = createLeases();
    await leasedEdek(leases, 'acme', config(), randomBytes(32), wrap('acme'));
    leases.close();
    expect(zeroed(kms.wrapped[0] as Buffer)).toBe(true);
    expect(leases.stats().entries).toBe(0);
  });

  it('with leasing turned off since, opens each EDEK with its own KMS call and keeps nothing', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    const edek = await leasedEdek(leasesWith(), 'acme', config(), randomBytes(32), wrap('acme'));
    const off = config({ version: 2, settings: {} });
    const leases = leasesWith();
    expect(leases.lifetimeMs(off)).toBeUndefined();
    await leases.unwrap('acme', off, edek, unwrap('acme'));
    await leases.unwrap('acme', off, edek, unwrap('acme'));
    expect(kms.unwraps).toBe(2);
    expect(leases.stats().entries).toBe(0);
  });

  it.each([
    ['a flipped byte in the encrypted key', (e: TEncryptedDek) => ({ ...e, encryptedDekData: flip(e.encryptedDekData, 3) })],
    ['a flipped byte in the tag', (e: TEncryptedDek) => ({ ...e, encryptedDekData: flip(e.encryptedDekData, 40) })],
    ['another IV', (e: TEncryptedDek) => ({ ...e, leasedKeyIv: flip(e.leasedKeyIv, 0) })],
    ['another leased key id', (e: TEncryptedDek) => ({ ...e, leasedKeyId: e.leasedKeyId + 1 })],
    ['another configuration id', (e: TEncryptedDek) => ({ ...e, kmsConfigId: 9 })],
    ['an IV of the wrong length', (e: TEncryptedDek) => ({ ...e, leasedKeyIv: e.leasedKeyIv.subarray(0, 8) })],
    ['a truncated encrypted key', (e: TEncryptedDek) => ({ ...e, encryptedDekData: e.encryptedDekData.subarray(0, 40) })],
    ['no leased key', (e: TEncryptedDek) => ({ ...e, encryptedLeasedKeyData: new Uint8Array() })],
  ])('refuses %s as an invalid EDEK', async (_case, change) => {
    const { wrap, unwrap } = fakeKms();
    const leases = leasesWith();
    const edek = await leasedEdek(leases, 'acme', config(), randomBytes(32), wrap('acme'));
    const changed = change(edek);
    await expect(leases.unwrap('acme', config({ kmsConfigId: changed.kmsConfigId }), changed, unwrap('acme'))).rejects.toMatchObject({ kind: 'invalid_edek', code: 203 });
  });

  it('refuses a leased key made for another tenant before asking the KMS', async () => {
    const { kms, wrap, unwrap } = fakeKms();
    const globex = await leasedEdek(leasesWith(), 'globex', config(), randomBytes(32), wrap('globex'));
    const leases = leasesWith();
    await expect(leases.unwrap('acme', config(), globex, unwrap('acme'))).rejects.toMatchObject({ kind: 'invalid_edek', message: 'The EDEK belongs to another tenant.' });
    expect(kms.unwraps).toBe(0);
    // Another tenant's leased key carried inside this tenant's EDEK: the KMS refuses it (its binding), and nothing opens.
    const inner = decodeEdek(Buffer.from(globex.encryptedLeasedKeyData).toString('base64'))[0] as TEncryptedDek;
    const moved = { ...globex, tenantId: 'acme', encryptedLeasedKeyData: encodeEdekBytes({ encryptedDekData: inner.encryptedDekData, kmsConfigId: 3, tenantId: 'acme' }) };
    await expect(leases.unwrap('acme', config(), moved, unwrap('acme'))).rejects.toThrow();
    expect(leases.stats().entries).toBe(0);
  });
});

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}
