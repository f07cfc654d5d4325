// Every TSP error code a usage count can carry has words.
import { describe, expect, it } from 'vitest';
import { TSP_ERRORS } from '@/lib/tsp/errors';
import { TSP_ERROR_WORDS, tspErrorWords } from './tsp-error-words';

describe('TSP error words', () => {
  it('names every code the TSP answers with, and no other', () => {
    const codes = new Set(Object.values(TSP_ERRORS).map((e) => String(e.code)));
    expect(new Set(Object.keys(TSP_ERROR_WORDS))).toEqual(codes);
  });
  it('falls back to the number for a code it does not know', () => {
    expect(tspErrorWords('206')).toBe('KMS refused access');
    expect(tspErrorWords('999')).toBe('Error 999');
  });
});
