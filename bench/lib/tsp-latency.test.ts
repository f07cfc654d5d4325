import { describe, expect, it } from 'vitest';

import { closedLoopLatencies, openLoop, positiveOptions, summarise } from './tsp-latency';

describe('tsp-latency', () => {
  it('summarises latencies into p50, p99 and max, and successes per second', () => {
    const latencies = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(summarise('row', latencies, 2, 3, { 503: 3 })).toEqual({ name: 'row', rps: 100, p50: 100, p99: 198, max: 200, ok: 200, errors: 3, statuses: { 503: 3 } });
    expect(summarise('empty', [], 1, 0)).toMatchObject({ rps: 0, p50: NaN, p99: NaN, max: NaN });
  });

  it('starts calls at the fixed rate whatever their latency, and counts a start that finds every slot busy', async () => {
    const quick = await openLoop(200, 0.5, 50, () => Promise.resolve());
    expect(quick.latencies.length).toBeGreaterThanOrEqual(90);
    expect(quick.latencies.length).toBeLessThanOrEqual(101);
    expect(quick.skipped).toBe(0);
    // Calls that take 200 ms at 100/s need ~20 slots; with 5, most starts are skipped rather than queued.
    let inFlight = 0;
    let most = 0;
    const slow = await openLoop(100, 0.5, 5, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 200));
      inFlight -= 1;
    });
    expect(most).toBe(5);
    expect(slow.skipped).toBeGreaterThan(30);
    expect(slow.latencies.every((ms) => ms >= 195)).toBe(true);
  });

  it('counts a failed call as an error, not a latency', async () => {
    const loop = await closedLoopLatencies(0.2, 4, (i) => (i % 2 ? Promise.reject(new Error('no')) : new Promise((resolve) => setTimeout(resolve, 5))));
    expect(loop.errors).toBeGreaterThan(0);
    expect(loop.latencies.length).toBeGreaterThan(0);
    expect(Math.min(...loop.latencies)).toBeGreaterThanOrEqual(4);
  });

  it('reads positive options and refuses the rest with the usage', () => {
    expect(positiveOptions({ seconds: '0.5', connections: '200' }, ['connections'], 'usage: x')).toEqual({ seconds: 0.5, connections: 200 });
    expect(() => positiveOptions({ connections: '2.5' }, ['connections'], 'usage: x')).toThrow(/--connections takes a positive whole number[^]*usage: x/);
    expect(() => positiveOptions({ seconds: '0' }, [], 'usage: x')).toThrow(/--seconds takes a positive number/);
    expect(() => positiveOptions({ seconds: 'abc' }, [], 'usage: x')).toThrow(/--seconds/);
  });
});
