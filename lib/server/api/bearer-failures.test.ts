import { describe, expect, it } from 'vitest';
import { BearerFailures } from './bearer-failures';

describe('BearerFailures', () => {
  it('lets an address fail up to the limit, then refuses it until its window ends', () => {
    const failures = new BearerFailures(3, 60_000);
    const t0 = 1_000_000;
    expect(failures.waitFor('198.51.100.7', t0)).toBeNull();
    expect(failures.record('198.51.100.7', t0)).toBe(false);
    expect(failures.record('198.51.100.7', t0 + 1_000)).toBe(false);
    expect(failures.waitFor('198.51.100.7', t0 + 1_000)).toBeNull();
    // The third failure reaches the limit (reported once, for the log).
    expect(failures.record('198.51.100.7', t0 + 2_000)).toBe(true);
    expect(failures.record('198.51.100.7', t0 + 2_500)).toBe(false);
    expect(failures.waitFor('198.51.100.7', t0 + 2_000)).toBe(58);
    expect(failures.waitFor('198.51.100.7', t0 + 59_500)).toBe(1);
    // Other addresses are not held up.
    expect(failures.waitFor('198.51.100.8', t0 + 2_000)).toBeNull();
    // The window ends 60 s after its first failure; the count starts again.
    expect(failures.waitFor('198.51.100.7', t0 + 60_000)).toBeNull();
    expect(failures.record('198.51.100.7', t0 + 60_000)).toBe(false);
    expect(failures.waitFor('198.51.100.7', t0 + 60_001)).toBeNull();
  });

  it('starts a new window for a failure after the old one ended, even without a check in between', () => {
    const failures = new BearerFailures(2, 10_000);
    failures.record('a', 0);
    failures.record('a', 20_000);
    expect(failures.waitFor('a', 20_001)).toBeNull();
    failures.record('a', 20_002);
    expect(failures.waitFor('a', 20_003)).toBe(10);
  });

  it('keeps at most maxAddresses windows, dropping the oldest', () => {
    const failures = new BearerFailures(1, 3_600_000, 3);
    for (const [i, address] of ['a', 'b', 'c', 'd'].entries()) failures.record(address, i * 1_000);
    expect(failures.size).toBe(3);
    expect(failures.waitFor('a', 10_000)).toBeNull();
    for (const address of ['b', 'c', 'd']) expect(failures.waitFor(address, 10_000)).not.toBeNull();
    // Another failure inside a window keeps its place; a new address drops the oldest window ('b').
    failures.record('b', 11_000);
    failures.record('e', 12_000);
    expect(failures.size).toBe(3);
    expect(failures.waitFor('b', 13_000)).toBeNull();
    for (const address of ['c', 'd', 'e']) expect(failures.waitFor(address, 13_000)).not.toBeNull();
  });
});
