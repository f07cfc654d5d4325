// The TSP's driver cache (configs.ts): one driver per configuration version,
// made on first use, closed when its version is no longer in force, when it
// has gone unused for the idle time, or when more than maxDrivers are held
// (the least recently used), and made again on the next use. The drivers are
// stand-ins: only their lifecycle is under test.
import { describe, expect, it } from 'vitest';

import type { TKmsDriver, TKmsDriverMemo } from '@/lib/kms/types';
import type { TProxyTenant } from '@/lib/proxy-client';

import { createDriverCache, type TKmsConfig } from './configs';

type TFake = TKmsDriver & { closed: boolean; label: string };

function fakeFactory() {
  const made: TFake[] = [];
  const memos: TKmsDriverMemo[] = [];
  const create = (provider: string, settings: unknown, _options: unknown, memo: TKmsDriverMemo = {}): TKmsDriver => {
    memos.push(memo);
    const driver: TFake = {
      provider,
      closed: false,
      label: String((settings as { label: string }).label),
      // A closed driver refuses, as the real ones do.
      wrap: async (dek) => (driver.closed ? Promise.reject(new Error('closed')) : dek),
      unwrap: async (edek) => edek,
      close: () => void (driver.closed = true),
    };
    made.push(driver);
    return driver;
  };
  return { made, memos, create };
}

const config = (configId: string, version = 1): TKmsConfig => ({ configId, version, kind: 'kms', kmsConfigId: 1, provider: 'aws-kms', status: 'active', settings: { label: `${configId}@${version}` } }) as unknown as TKmsConfig;

function sourceOf(configs: Record<string, TKmsConfig[]>) {
  return { getTenant: (tenantId: string) => (configs[tenantId] ? ({ tenantId, configs: configs[tenantId] } as unknown as TProxyTenant) : undefined) };
}

describe('driver cache', () => {
  it('closes a driver unused for the idle time at the next sweep, and makes a new one on the next use', () => {
    let clock = 0;
    const { made, create } = fakeFactory();
    const cache = createDriverCache({}, create, { idleMs: 10_000, now: () => clock });
    const source = sourceOf({ busy: [config('a')], idle: [config('b')] });
    const idle = cache.driverFor('idle', config('b'));
    cache.driverFor('busy', config('a'));
    clock = 8_000;
    cache.driverFor('busy', config('a'));
    clock = 12_000;
    cache.sweep(source);
    expect(made[0]).toMatchObject({ label: 'b@1', closed: true });
    expect(cache.size()).toBe(1);
    expect(made[1]).toMatchObject({ label: 'a@1', closed: false });
    const again = cache.driverFor('idle', config('b'));
    expect(again).not.toBe(idle);
    expect(made[2]).toMatchObject({ label: 'b@1', closed: false });
    expect(cache.size()).toBe(2);
  });

  it('keeps a driver in use, and still closes one whose version is no longer in force', () => {
    let clock = 0;
    const { made, create } = fakeFactory();
    const cache = createDriverCache({}, create, { idleMs: 10_000, now: () => clock });
    cache.driverFor('t', config('a', 1));
    clock = 5_000;
    cache.sweep(sourceOf({ t: [config('a', 1)] }));
    expect(made[0]).toMatchObject({ closed: false });
    cache.sweep(sourceOf({ t: [config('a', 2)] }));
    expect(made[0]).toMatchObject({ closed: true });
    expect(cache.size()).toBe(0);
  });

  it('keeps one driver per tenant and configuration: two tenants never share one', () => {
    const { made, memos, create } = fakeFactory();
    const cache = createDriverCache({}, create);
    const mine = cache.driverFor('t1', config('a'));
    expect(cache.driverFor('t1', config('a'))).toBe(mine);
    expect(cache.driverFor('t2', config('a'))).not.toBe(mine);
    expect(made).toHaveLength(2);
    expect(memos[1]).not.toBe(memos[0]);
    cache.close();
    expect(made.map((d) => d.closed)).toEqual([true, true]);
  });

  it('holds at most maxDrivers: closes the least recently used, and makes it again, with its memo, on its next request', async () => {
    const { made, memos, create } = fakeFactory();
    const cache = createDriverCache({}, create, { maxDrivers: 2 });
    cache.driverFor('t1', config('a'));
    cache.driverFor('t2', config('a'));
    cache.driverFor('t1', config('a'));
    cache.driverFor('t3', config('a'));
    // t2 was the least recently used.
    expect(made.map((d) => [d.label, d.closed])).toEqual([['a@1', false], ['a@1', true], ['a@1', false]]);
    expect(cache.size()).toBe(2);
    const again = cache.driverFor('t2', config('a'));
    await expect(again.wrap(new Uint8Array([7]), { tenantId: 't2' })).resolves.toEqual(new Uint8Array([7]));
    expect(made).toHaveLength(4);
    expect(made[3]).toMatchObject({ closed: false });
    // The same configuration version's memo (the AWS role session), not another tenant's.
    expect(memos[3]).toBe(memos[1]);
    expect(memos[3]).not.toBe(memos[0]);
    expect(made[0]).toMatchObject({ closed: true });
  });

  it('closes a driver let go for room only once its calls in flight are done; a handle held across the eviction takes a new driver', async () => {
    const { made, create } = fakeFactory();
    let finish: (value: Uint8Array) => void = () => {};
    const cache = createDriverCache({}, (provider, settings, options, memo) => {
      const driver = create(provider, settings, options, memo);
      if (made.length === 1) driver.wrap = () => new Promise((resolve) => (finish = resolve));
      return driver;
    }, { maxDrivers: 1 });
    const held = cache.driverFor('t1', config('a'));
    const slow = held.wrap(new Uint8Array([1]), { tenantId: 't1' });
    cache.driverFor('t2', config('a'));
    expect(made[0]).toMatchObject({ closed: false });
    finish(new Uint8Array([1]));
    await expect(slow).resolves.toEqual(new Uint8Array([1]));
    expect(made[0]).toMatchObject({ closed: true });
    // Its next call (a leased key's turn came after the eviction) is served by a new driver for t1.
    await expect(held.wrap(new Uint8Array([2]), { tenantId: 't1' })).resolves.toEqual(new Uint8Array([2]));
    expect(made[2]).toMatchObject({ label: 'a@1', closed: false });
    expect(made[1]).toMatchObject({ closed: true });
  });

  it('does not bring back a version no longer in force through a handle held across its eviction', async () => {
    const { made, create } = fakeFactory();
    const cache = createDriverCache({}, create, { maxDrivers: 1 });
    const old = cache.driverFor('t1', config('a', 1));
    cache.driverFor('t1', config('a', 2));
    await expect(old.wrap(new Uint8Array([1]), { tenantId: 't1' })).rejects.toThrow('closed');
    expect(made.map((d) => [d.label, d.closed])).toEqual([['a@1', true], ['a@2', false]]);
  });
});
