import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './http';

describe('retryAfterMs', () => {
  it('reads delay-seconds, capped at an hour', () => {
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(' 58 ')).toBe(58_000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('86400')).toBe(3_600_000);
  });

  it('ignores what is not delay-seconds: none, dates, negative, fractional or huge numbers', () => {
    for (const header of [null, '', 'soon', 'Wed, 21 Oct 2099 07:28:00 GMT', '-5', '1.5', '1e3', '99999999999']) {
      expect(retryAfterMs(header)).toBeNull();
    }
  });
});
