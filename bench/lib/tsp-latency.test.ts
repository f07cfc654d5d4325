import { describe, expect, it } from 'vitest';

import { closedLoopLatencies, interleavedOpenLoop, openLoop, positiveOptions, summarise } from './tsp-latency';

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

  it('interleaves series in slices, the order reversed every other round, one slice at a time, each row pooling its own', async () => {
    const turns: string[] = [];
    const inFlight = new Map<string, number>();
    let overlapped = false;
    const statuses: Record<string, number> = {};
    const call = (name: string, ms: number, fail: boolean) => async () => {
      // A slice (or warm-up) starts only when every call of the last one has ended.
      if ([...inFlight].some(([other, n]) => other !== name && n > 0)) overlapped = true;
      inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight.set(name, (inFlight.get(name) ?? 0) - 1);
      if (fail) {
        statuses['503'] = (statuses['503'] ?? 0) + 1;
        throw new Error('HTTP 503');
      }
    };
    let warming = true;
    const series = [
      { name: 'a', call: call('a', 2, false) },
      // b fails only during its warm-up, which is not counted: neither its errors nor their statuses.
      { name: 'b', call: () => call('b', 20, warming)(), statuses },
      { name: 'c', call: call('c', 2, false) },
    ];
    const rows = await interleavedOpenLoop(series, { rate: 100, seconds: 1.2, connections: 10, sliceSeconds: 0.3, warmUp: 0.1 }, async (index, slice) => {
      warming = false;
      turns.push(series[index]?.name as string);
      await slice();
      return index;
    });
    expect(turns).toEqual(['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c', 'c', 'b', 'a']);
    expect(overlapped).toBe(false);
    expect(rows.map((r) => r.slices)).toEqual([
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
    for (const { row, seconds, bySlice } of rows) {
      expect(seconds).toBeCloseTo(1.2);
      // Each slice's latencies, four slices (the row's own figures are summaries of them all).
      expect(bySlice).toHaveLength(4);
      expect(bySlice.flat()).toHaveLength(row.ok);
      expect(Math.max(...bySlice.flat())).toBe(row.max);
      // 100/s over 4 slices of 0.3 s: about 120 calls each.
      expect(row.ok).toBeGreaterThanOrEqual(100);
      expect(row.ok).toBeLessThanOrEqual(124);
      expect(row.errors).toBe(0);
    }
    expect(rows[1]?.row.statuses).toEqual({});
    expect(rows[1]?.row.p50).toBeGreaterThanOrEqual(19);
    expect(rows[0]?.row.p99).toBeLessThan(19);
  });
});
