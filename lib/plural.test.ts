import { describe, expect, it } from 'vitest';
import { plural, seconds } from './plural';

describe('plural', () => {
  it('uses the singular for exactly one, the plural otherwise', () => {
    expect(seconds(1)).toBe('1 second');
    expect(seconds(0)).toBe('0 seconds');
    expect(seconds(2)).toBe('2 seconds');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});
