import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY } from './backoff';

const retry = { ...DEFAULT_RETRY, baseMs: 100, capMs: 800 };

describe('backoffDelay', () => {
  it('doubles the ceiling per failure up to the cap (random() = 1 gives the ceiling)', () => {
    expect([1, 2, 3, 4, 5, 6, 50, 1_000].map((attempt) => backoffDelay(attempt, retry, () => 1))).toEqual([100, 200, 400, 800, 800, 800, 800, 800]);
  });

  it('is full jitter: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelay(3, retry, () => 0)).toBe(0);
    expect(backoffDelay(3, retry, () => 0.5)).toBe(200);
    expect(backoffDelay(3, retry, () => 0.999)).toBe(399);
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(4, retry, Math.random)));
    expect(Math.max(...seen)).toBeLessThan(800);
    expect(seen.size).toBeGreaterThan(50);
  });

  it('treats attempt 0 and below as the first', () => {
    expect(backoffDelay(0, retry, () => 1)).toBe(100);
    expect(backoffDelay(-3, retry, () => 1)).toBe(100);
  });
});
