// The TSP's driver cache (configs.ts): one driver per configuration version,
// made on first use, closed when its version is no longer in force or when it
// has gone unused for the idle time, and made again on the next use. The
// drivers are stand-ins: only their lifecycle is under test.
import { describe, expect, it } from 'vitest';

import type { TKmsDriver } from '@/lib/kms/types';
import type { TProxyTenant } from '@/lib/proxy-client';

import { createDriverCache, type TKmsConfig } from './configs';

type TFake = TKmsDriver & { closed: boolean; label: string };

function fakeFactory() {
  const made: TFake[] = [];
  const create = (provider: string, settings: unknown): TKmsDriver => {
    const driver: TFake = {
      provider,
      closed: false,
      label: String((settings as { label: string }).label),
      wrap: async (dek) => dek,
      unwrap: async (edek) => edek,
      close: () => void (driver.closed = true),
    };
    made.push(driver);
    return driver;
  };
  return { made, create };
}

const config = (configId: string, version = 1): TKmsConfig => ({ configId, version, kind: 'kms', kmsConfigId: 1, provider: 'aws-kms', status: 'active', settings: { label: `${configId}@${version}` } }) as unknown as TKmsConfig;

function sourceOf(configs: Record<string, TKmsConfig[]>) {
  return { getTenant: (tenantId: string) => (configs[tenantId] ? ({ tenantId, configs: configs[tenantId] } as unknown as TProxyTenant) : undefined) };
}

describe('driver cache', () => {
  it('closes a driver unused for the idle time at the next sweep, and makes a new one on the next use', () => {
    let clock = 0;
    const { made, create } = fakeFactory();
    const cache = createDriverCache({}, create, 10_000, () => clock);
    const source = sourceOf({ busy: [config('a')], idle: [config('b')] });
    const idle = cache.driverFor('idle', config('b'));
    cache.driverFor('busy', config('a'));
    clock = 8_000;
    cache.driverFor('busy', config('a'));
    clock = 12_000;
    cache.sweep(source);
    expect(idle).toMatchObject({ closed: true });
    expect(cache.size()).toBe(1);
    expect(made[1]).toMatchObject({ label: 'a@1', closed: false });
    const again = cache.driverFor('idle', config('b'));
    expect(again).not.toBe(idle);
    expect(again).toMatchObject({ label: 'b@1', closed: false });
    expect(cache.size()).toBe(2);
  });

  it('keeps a driver in use, and still closes one whose version is no longer in force', () => {
    let clock = 0;
    const { create } = fakeFactory();
    const cache = createDriverCache({}, create, 10_000, () => clock);
    const first = cache.driverFor('t', config('a', 1));
    clock = 5_000;
    cache.sweep(sourceOf({ t: [config('a', 1)] }));
    expect(first).toMatchObject({ closed: false });
    cache.sweep(sourceOf({ t: [config('a', 2)] }));
    expect(first).toMatchObject({ closed: true });
    expect(cache.size()).toBe(0);
  });

  it('keeps one driver per tenant and configuration: two tenants never share one', () => {
    const { create } = fakeFactory();
    const cache = createDriverCache({}, create);
    const mine = cache.driverFor('t1', config('a'));
    expect(cache.driverFor('t1', config('a'))).toBe(mine);
    expect(cache.driverFor('t2', config('a'))).not.toBe(mine);
    cache.close();
    expect(mine).toMatchObject({ closed: true });
  });
});
