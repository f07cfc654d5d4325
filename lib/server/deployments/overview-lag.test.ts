// The overview's lag chart agrees with the health table: samples give the
// lag at each report, and the current half hour also holds the live lag, so
// a deployment that fell behind after its last report shows it in the chart.
import { describe, expect, it } from 'vitest';
import { lagSeries } from './overview-lag';

const HALF_HOUR = 30 * 60_000;
const start = Date.parse('2026-03-01T00:00:00Z');
const window = { start, bucketMs: HALF_HOUR, bucketCount: 4 };
const at = (bucket: number, minutes = 1) => new Date(start + bucket * HALF_HOUR + minutes * 60_000);

describe('lagSeries', () => {
  it('keeps the highest sampled lag per half hour', () => {
    const [series] = lagSeries([{ id: 'd1', name: 'eu', lag: 0 }], [
      { deploymentId: 'd1', at: at(0), lag: 3 },
      { deploymentId: 'd1', at: at(0, 10), lag: 5 },
      { deploymentId: 'd1', at: at(1), lag: 0 },
    ], window);
    expect(series?.values).toEqual([5, 0, null, 0]);
  });

  it('ends on the lag the health table shows, though every report said 0', () => {
    // Reported up to date an hour ago; six changes since, not applied.
    const [series] = lagSeries([{ id: 'd1', name: 'eu', lag: 6 }], [{ deploymentId: 'd1', at: at(1), lag: 0 }], window);
    expect(series?.values).toEqual([null, 0, null, 6]);
  });

  it('shows the live lag of a deployment whose reports are older than the window', () => {
    const [series] = lagSeries([{ id: 'd1', name: 'eu', lag: 2 }], [], window);
    expect(series?.values).toEqual([null, null, null, 2]);
  });

  it('keeps a higher lag reported in the current half hour', () => {
    const [series] = lagSeries([{ id: 'd1', name: 'eu', lag: 1 }], [{ deploymentId: 'd1', at: at(3), lag: 4 }], window);
    expect(series?.values.at(-1)).toBe(4);
  });

  it('leaves a deployment that never applied anything empty, and ignores deleted ones and full-sync reports', () => {
    const series = lagSeries([{ id: 'd1', name: 'new', lag: null }], [
      { deploymentId: 'd1', at: at(2), lag: null },
      { deploymentId: 'gone', at: at(2), lag: 9 },
    ], window);
    expect(series).toEqual([{ deploymentId: 'd1', name: 'new', values: [null, null, null, null] }]);
  });
});
