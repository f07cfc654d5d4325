import { describe, expect, it } from 'vitest';

import { base64urlEncode, randomBytes } from './encoding';
import { CryptoError } from './errors';
import { identicon, identiconSvg } from './identicon';

function thumbprintFrom(prefix: number[]): string {
  const bytes = new Uint8Array(32);
  bytes.set(prefix);
  return base64urlEncode(bytes);
}

const randomThumbprint = () => base64urlEncode(randomBytes(32));

describe('identicon', () => {
  it('is deterministic, 25 cells, mirror-symmetric, hue 0–359', () => {
    const t = randomThumbprint();
    const a = identicon(t);
    expect(identicon(t)).toEqual(a);
    expect(a.cells).toHaveLength(25);
    expect(Number.isInteger(a.hue) && a.hue >= 0 && a.hue < 360).toBe(true);
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 5; col++) expect(a.cells[row * 5 + col]).toBe(a.cells[row * 5 + 4 - col]);
    }
  });

  it('maps the thumbprint bytes as documented', () => {
    expect(identicon(thumbprintFrom([0, 0, 0, 0]))).toEqual({ hue: 0, cells: Array(25).fill(false) });
    // 0x0169 = 361 → hue 1; all 15 cell bits set → every cell on.
    expect(identicon(thumbprintFrom([0x01, 0x69, 0xff, 0xff]))).toEqual({ hue: 1, cells: Array(25).fill(true) });
  });

  it('uses 15 independent cell bits', () => {
    const grids = new Set<string>();
    for (let bit = 0; bit < 15; bit++) {
      const bits = 1 << bit;
      const { cells } = identicon(thumbprintFrom([0, 0, bits >> 8, bits & 0xff]));
      expect(cells.filter(Boolean).length).toBeGreaterThan(0);
      grids.add(cells.map(Number).join(''));
    }
    expect(grids.size).toBe(15);
  });

  it('differs between keys', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const { hue, cells } = identicon(randomThumbprint());
      seen.add(`${hue}:${cells.map(Number).join('')}`);
    }
    // 2^15 × 360 combinations: 300 random keys colliding at all is ~0.3% likely.
    expect(seen.size).toBeGreaterThanOrEqual(299);
  });

  it('refuses a non-thumbprint', () => {
    expect(() => identicon('short')).toThrow(CryptoError);
  });
});

describe('identiconSvg', () => {
  it('is a self-contained, labelled SVG of the grid', () => {
    const t = thumbprintFrom([0x00, 0x2a, 0x12, 0x34]);
    const svg = identiconSvg(t, 64);
    const { hue, cells } = identicon(t);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="Key fingerprint picture"');
    expect(svg).toContain('width="64" height="64"');
    expect(svg).toContain(`hsl(${hue}, `);
    expect(svg).not.toMatch(/<script|href|url\(|on[a-z]+=|<image|<foreignObject/i);
    // One background rect plus one per lit cell.
    expect(svg.match(/<rect /g)).toHaveLength(1 + cells.filter(Boolean).length);
    expect(identiconSvg(t, 64)).toBe(svg);
    expect(identiconSvg(t)).toContain('width="80"');
  });

  it('refuses a size that is not a positive number', () => {
    expect(() => identiconSvg(randomThumbprint(), Number.NaN)).toThrow(CryptoError);
    expect(() => identiconSvg(randomThumbprint(), '1"><script>' as unknown as number)).toThrow(CryptoError);
    expect(() => identiconSvg(randomThumbprint(), 0)).toThrow(CryptoError);
  });
});
