import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeBase32,
  encodeBase32,
  generateRecoveryCodes,
  generateTotpSecret,
  hashRecoveryCode,
  hotp,
  normalizeRecoveryCode,
  totpCode,
  totpQrSvg,
  totpUri,
  verifyTotp,
} from './totp';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890');
const STEP_MS = 30_000;

describe('hotp / totp', () => {
  // RFC 6238 Appendix B, SHA-1 rows.
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC 6238 vector at T=%i', (seconds, expected) => {
    expect(hotp(RFC_SECRET, Math.floor(seconds / 30), 8)).toBe(expected);
  });

  it('derives 6-digit codes from the base32 secret', () => {
    const secret = encodeBase32(RFC_SECRET);
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1111111109_000)).toBe('081804');
  });
});

describe('verifyTotp', () => {
  const secret = generateTotpSecret();
  const now = 1_700_000_000_000;
  const step = Math.floor(now / STEP_MS);

  it('accepts the current step and one either side, reporting which', () => {
    expect(verifyTotp(secret, totpCode(secret, now), { nowMs: now, lastUsedStep: null })).toEqual({ ok: true, step });
    expect(verifyTotp(secret, totpCode(secret, now - STEP_MS), { nowMs: now, lastUsedStep: null })).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp(secret, totpCode(secret, now + STEP_MS), { nowMs: now, lastUsedStep: null })).toEqual({ ok: true, step: step + 1 });
  });

  it('refuses codes two steps away', () => {
    expect(verifyTotp(secret, totpCode(secret, now - 2 * STEP_MS), { nowMs: now, lastUsedStep: null })).toEqual({ ok: false });
    expect(verifyTotp(secret, totpCode(secret, now + 2 * STEP_MS), { nowMs: now, lastUsedStep: null })).toEqual({ ok: false });
  });

  it('refuses a replay of the same or an earlier step', () => {
    const code = totpCode(secret, now);
    expect(verifyTotp(secret, code, { nowMs: now, lastUsedStep: step })).toEqual({ ok: false });
    expect(verifyTotp(secret, code, { nowMs: now + 5_000, lastUsedStep: step })).toEqual({ ok: false });
    expect(verifyTotp(secret, totpCode(secret, now - STEP_MS), { nowMs: now, lastUsedStep: step - 1 })).toEqual({ ok: false });
    expect(verifyTotp(secret, code, { nowMs: now, lastUsedStep: step - 1 })).toEqual({ ok: true, step });
  });

  it('tolerates spaces but nothing else', () => {
    const code = totpCode(secret, now);
    expect(verifyTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, { nowMs: now, lastUsedStep: null })).toEqual({ ok: true, step });
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`, `${code.slice(0, 3)}-${code.slice(3)}`, '１２３４５６', '12345e']) {
      expect(verifyTotp(secret, bad, { nowMs: now, lastUsedStep: null })).toEqual({ ok: false });
    }
  });

  it('refuses a code made with another secret', () => {
    const rfc = encodeBase32(RFC_SECRET);
    const other = encodeBase32(new TextEncoder().encode('abcdefghijabcdefghij'));
    expect(verifyTotp(rfc, totpCode(other, now), { nowMs: now, lastUsedStep: null })).toEqual({ ok: false });
  });
});

describe('secrets and base32', () => {
  it('generates 20-byte secrets as unpadded base32', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('round-trips arbitrary lengths and matches RFC 4648 vectors', () => {
    for (let n = 0; n <= 25; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      expect(decodeBase32(encodeBase32(bytes))).toEqual(bytes);
    }
    const vectors: [string, string][] = [['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase32(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase32(`${encoded.toLowerCase()}======`))).toBe(plain);
    }
    expect(() => decodeBase32('MZXW1')).toThrow();
  });
});

describe('enrolment URI and QR code', () => {
  it('encodes the label and parameters', () => {
    const uri = totpUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'alice+admin@example.com', issuer: 'CMK Broker & Co' });
    expect(uri).toBe(
      'otpauth://totp/CMK%20Broker%20%26%20Co:alice%2Badmin%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CMK%20Broker%20%26%20Co&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('refuses a colon in the label parts', () => {
    expect(() => totpUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'a:b', issuer: 'x' })).toThrow(/colon/);
    expect(() => totpUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'a', issuer: 'x:y' })).toThrow(/colon/);
  });

  it('renders an SVG QR code', async () => {
    const svg = await totpQrSvg(totpUri({ secret: generateTotpSecret(), accountName: 'alice@example.com', issuer: 'CMK Broker' }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});

describe('recovery codes', () => {
  it('generates 10 distinct, unambiguous codes', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-tv-z2-9]{4}-[a-hjkmnp-tv-z2-9]{4}-[a-hjkmnp-tv-z2-9]{4}$/);
    expect(generateRecoveryCodes(3)).toHaveLength(3);
    expect(() => generateRecoveryCodes(0)).toThrow(RangeError);
  });

  it('normalises before hashing', () => {
    const [code] = generateRecoveryCodes(1);
    if (!code) throw new Error('no code');
    const hash = hashRecoveryCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(` ${code.toUpperCase().replaceAll('-', ' ')} `)).toBe(hash);
    expect(hashRecoveryCode(code.replaceAll('-', ''))).toBe(hash);
    expect(normalizeRecoveryCode('AB2C-d3EF - gh4k')).toBe('ab2cd3efgh4k');
    expect(hashRecoveryCode('abcd-efgh-jkmn')).not.toBe(hashRecoveryCode('abcd-efgh-jkmp'));
  });
});
