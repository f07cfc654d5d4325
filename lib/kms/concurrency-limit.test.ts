// The per-driver concurrency limit: never more than its slots in flight, a
// bounded line of waiters served in order, a full line refused as throttled,
// and a waiter whose deadline fires leaving the line without taking a slot.
import { describe, expect, it } from 'vitest';

import { createConcurrencyLimit, endpointLimit, fullJitterMs } from './concurrency-limit';
import { KmsError } from './types';

function gate() {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('createConcurrencyLimit', () => {
  it('runs at most maxInFlight tasks at once, the rest in order as slots free up', async () => {
    const limit = createConcurrencyLimit('the KMS', 2);
    const gates = Array.from({ length: 5 }, gate);
    const order: number[] = [];
    let peak = 0;
    const runs = gates.map((g, i) =>
      limit.run(async () => {
        order.push(i);
        peak = Math.max(peak, limit.inFlight);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect([limit.inFlight, limit.waiting]).toEqual([2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect([limit.inFlight, limit.waiting]).toEqual([0, 0]);
  });

  it('refuses a call as kms_throttled when the line is full', async () => {
    const limit = createConcurrencyLimit('the KMS', 1, 1);
    const g = gate();
    const first = limit.run(() => g.opened);
    const second = limit.run(async () => 'second');
    const error = await limit.run(async () => 'third').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).code).toBe('kms_throttled');
    g.open();
    await first;
    expect(await second).toBe('second');
  });

  it('lets a waiter whose signal fires leave the line, and a failing task free its slot', async () => {
    const limit = createConcurrencyLimit('the KMS', 1);
    const g = gate();
    const holder = limit.run(() => g.opened);
    const controller = new AbortController();
    const waiting = limit.run(async () => 'never', controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(limit.waiting).toBe(0);
    g.open();
    await holder;
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'free')).toBe('free');
  });
});

describe('endpointLimit', () => {
  it('is one limit per endpoint for the drivers of one proxy, and another for another proxy', () => {
    const proxyA = {};
    const proxyB = {};
    const first = endpointLimit(proxyA, 'https://kms.example:443', 'the KMS', 4);
    expect(endpointLimit(proxyA, 'https://kms.example:443', 'the KMS', 4)).toBe(first);
    expect(endpointLimit(proxyA, 'https://other.example:443', 'the KMS', 4)).not.toBe(first);
    expect(endpointLimit(proxyB, 'https://kms.example:443', 'the KMS', 4)).not.toBe(first);
  });
});

describe('fullJitterMs', () => {
  it('draws in [0, min(cap, base·2^n))', () => {
    expect(fullJitterMs(0, 50, 800, () => 0.5)).toBe(25);
    expect(fullJitterMs(3, 50, 800, () => 0.999)).toBeCloseTo(399.6);
    expect(fullJitterMs(10, 50, 800, () => 0.5)).toBe(400);
    expect(fullJitterMs(2, 50, 800, () => 0)).toBe(0);
  });
});
