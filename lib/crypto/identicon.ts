// The picture shown beside a key's fingerprint. It helps people notice a
// changed key at a glance; it is NOT the security check — ~23 bits can be
// ground out by an attacker in seconds, so confirmation compares the 8 groups
// of formatFingerprint, and the picture only has to avoid accidental look-alikes.
import { CryptoError } from './errors';
import { decodeThumbprint } from './thumbprint';

const SIZE = 5;
// Columns 0..2 are free, 3 and 4 mirror 1 and 0: 15 independent cells.
const FREE_COLUMNS = 3;

export type TIdenticon = { hue: number; cells: boolean[] };

/** A 5×5 horizontally symmetric grid (row-major) and a hue 0–359, from the thumbprint's bytes. */
export function identicon(thumbprint: string): TIdenticon {
  const bytes = decodeThumbprint(thumbprint);
  // The thumbprint is already a SHA-256 output, so its bytes are uniform:
  // bytes 0–1 pick the hue, bytes 2–3 the 15 cell bits. (65 536 mod 360 skews
  // the hue by well under 1%, invisible in a colour.)
  const hue = (((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)) % 360;
  const bits = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const cells: boolean[] = [];
  for (let row = 0; row < SIZE; row++) {
    for (let col = 0; col < SIZE; col++) {
      const source = col < FREE_COLUMNS ? col : SIZE - 1 - col;
      cells.push(((bits >> (row * FREE_COLUMNS + source)) & 1) === 1);
    }
  }
  return { hue, cells };
}

/**
 * A self-contained SVG (no script, no external reference) of the identicon,
 * safe to inline: every interpolated value is a number this function computed.
 */
export function identiconSvg(thumbprint: string, size = 80): string {
  const { hue, cells } = identicon(thumbprint);
  // size is interpolated into markup, so it must be a plain positive number.
  if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0) {
    throw new CryptoError('invalid_input', 'Identicon size must be a positive number.');
  }
  const px = Math.round(size);
  const rects: string[] = [];
  cells.forEach((on, i) => {
    if (on) rects.push(`<rect x="${i % SIZE}" y="${Math.floor(i / SIZE)}" width="1" height="1"/>`);
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="-0.5 -0.5 6 6" ` +
    `role="img" aria-label="Key fingerprint picture" shape-rendering="crispEdges">` +
    `<rect x="-0.5" y="-0.5" width="6" height="6" fill="hsl(${hue}, 60%, 94%)"/>` +
    `<g fill="hsl(${hue}, 65%, 38%)">${rects.join('')}</g>` +
    `</svg>`
  );
}
