import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptAtRest, encryptAtRest } from './at-rest';

const key = randomBytes(32).toString('base64url');
const otherKey = randomBytes(32).toString('base64url');
const context = 'totp:user_123';
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function flipChar(text: string, index: number): string {
  const char = text[index];
  return text.slice(0, index) + (char === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('encryptAtRest / decryptAtRest', () => {
  it('round-trips, including empty and non-ASCII text', () => {
    for (const plaintext of [secret, '', 'pâté 🔑 ключ']) {
      const blob = encryptAtRest(plaintext, key, context);
      expect(blob).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      expect(decryptAtRest(blob, key, context)).toBe(plaintext);
    }
  });

  it('uses a fresh IV each time and never shows the plaintext', () => {
    const a = encryptAtRest(secret, key, context);
    const b = encryptAtRest(secret, key, context);
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    for (const blob of [a, b]) {
      expect(blob).not.toContain(secret);
      expect(blob).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 20));
      expect(Buffer.from(blob.split('.')[2] ?? '', 'base64url').includes(Buffer.from(secret))).toBe(false);
    }
  });

  it('fails with the wrong key', () => {
    const blob = encryptAtRest(secret, key, context);
    expect(() => decryptAtRest(blob, otherKey, context)).toThrow(new Error('at-rest decryption failed'));
  });

  it('fails with the wrong context, so a blob cannot move between rows', () => {
    const blob = encryptAtRest(secret, key, context);
    expect(() => decryptAtRest(blob, key, 'totp:user_456')).toThrow(new Error('at-rest decryption failed'));
    expect(() => decryptAtRest(blob, key, 'recovery:user_123')).toThrow(new Error('at-rest decryption failed'));
  });

  it('fails on any tampering', () => {
    const blob = encryptAtRest(secret, key, context);
    const [version, iv = '', sealed = ''] = blob.split('.');
    const tampered = [
      `${version}.${flipChar(iv, 0)}.${sealed}`,
      `${version}.${iv}.${flipChar(sealed, 0)}`,
      `${version}.${iv}.${flipChar(sealed, sealed.length - 2)}`,
      `${version}.${iv}.${sealed.slice(0, -4)}`,
      `${version}.${iv}.${sealed}AAAA`,
      `${version}.${iv}.${sealed.slice(0, 10)}`,
      `${version}.${iv.slice(0, -2)}.${sealed}`,
      `${version}.${iv}.${sealed}=`,
      `${version}.${iv}.${sealed}.extra`,
      `${version}.${iv}`,
      `${version}..${sealed}`,
      '',
      'garbage',
    ];
    for (const bad of tampered) expect(() => decryptAtRest(bad, key, context), bad).toThrow(new Error('at-rest decryption failed'));
  });

  it('refuses an unknown version prefix', () => {
    const blob = encryptAtRest(secret, key, context);
    for (const prefix of ['v2', 'V1', 'v0', '']) {
      expect(() => decryptAtRest(blob.replace(/^v1/, prefix), key, context)).toThrow(new Error('at-rest decryption failed'));
    }
  });

  it('refuses keys that are not 32 bytes of base64url', () => {
    for (const bad of ['', key.slice(0, 42), `${key}A`, randomBytes(32).toString('base64'), randomBytes(16).toString('base64url'), `${key.slice(0, 42)}+`]) {
      expect(() => encryptAtRest(secret, bad, context)).toThrow(/32 bytes/);
      expect(() => decryptAtRest('v1.a.b', bad, context)).toThrow(/32 bytes/);
    }
  });

  it('refuses an empty context', () => {
    expect(() => encryptAtRest(secret, key, '')).toThrow(/context/);
  });
});
