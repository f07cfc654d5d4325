import { describe, expect, it } from 'vitest';

import { base64urlDecode, base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError } from './errors';

function expectInvalid(fn: () => unknown) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe('invalid_input');
}

describe('base64url', () => {
  it('matches Node’s encoder and round-trips every length 0..70', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = randomBytes(n);
      const encoded = base64urlEncode(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64url'));
      expect(base64urlDecode(encoded)).toEqual(bytes);
    }
  });

  it('encodes a known vector', () => {
    expect(base64urlEncode(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe('-__-');
    expect(base64urlDecode('-__-')).toEqual(new Uint8Array([0xfb, 0xff, 0xfe]));
  });

  it.each([
    ['padding', 'AA=='],
    ['standard-alphabet +', 'a+b/'],
    ['whitespace', 'AA AA'],
    ['impossible length', 'AAAAA'],
    ['non-canonical trailing bits (2 chars)', 'AB'],
    ['non-canonical trailing bits (3 chars)', 'AAB'],
  ])('rejects %s', (_label, input) => {
    expectInvalid(() => base64urlDecode(input));
  });

  it('accepts exactly the canonical strings: every 2- and 3-character tail against Node’s encoder', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const a of alphabet) {
      for (const b of alphabet) {
        for (const tail of [`${a}${b}`, `${a}${b}A`, `${a}${b}Q`, `${a}${b}B`, `${a}${b}_`]) {
          const input = `AAAA${tail}`;
          const bytes = Buffer.from(input, 'base64url');
          // Canonical means the bytes re-encode to the very same string; only those may decode.
          if (bytes.toString('base64url') === input) expect(base64urlDecode(input)).toEqual(new Uint8Array(bytes));
          else expectInvalid(() => base64urlDecode(input));
        }
      }
    }
  });

  it.each([['é'], ['\u0100'], ['😀'], ['\u0000'], ['.'], ['=']])('rejects the character %j anywhere in a group', (c) => {
    for (let at = 0; at < 4; at++) expectInvalid(() => base64urlDecode(`AAAA${'AAAA'.slice(0, at)}${c}${'AAAA'.slice(at + 1)}`));
  });

  it('rejects a non-string', () => {
    expectInvalid(() => base64urlDecode(42 as unknown as string));
  });
});

describe('randomBytes', () => {
  it('returns n fresh bytes, beyond the 64 KiB getRandomValues limit too', () => {
    expect(randomBytes(0)).toHaveLength(0);
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(b);
    const big = randomBytes(70_000);
    expect(big).toHaveLength(70_000);
    // The tail past the first chunk must be filled, not left zero.
    expect(big.subarray(65_536).some((x) => x !== 0)).toBe(true);
  });

  it('rejects a bad length', () => {
    expectInvalid(() => randomBytes(-1));
    expectInvalid(() => randomBytes(1.5));
  });
});

describe('utf8', () => {
  it('encodes UTF-8', () => {
    expect(utf8('é€😀')).toEqual(new Uint8Array(Buffer.from('é€😀', 'utf8')));
  });

  it('refuses lone surrogates instead of replacing them', () => {
    expectInvalid(() => utf8('a\uD800b'));
    expectInvalid(() => utf8('\uDC00'));
    expectInvalid(() => utf8('end\uDBFF'));
    expectInvalid(() => utf8('\uDC00\uD800'));
  });
});
