import { dictionary } from '@zxcvbn-ts/language-common';
import { describe, expect, it } from 'vitest';
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH, ZPassphrase, isCommonPassword, passphraseStrength } from './passphrase';

const COMMON = 'This passphrase is on a list of common passwords; choose another.';
const messages = (value: string) => ZPassphrase.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

describe('isCommonPassword', () => {
  // 12+ character entries really on the @zxcvbn-ts/language-common list.
  it.each(['password1234', '1qaz2wsx3edc', 'qazwsxedcrfv', 'qwerty123456', '123456789012', 'leavemealone'])('knows %s', (p) => {
    expect(dictionary['passwords-common']).toContain(p);
    expect(isCommonPassword(p)).toBe(true);
  });

  it('ignores case but nothing else', () => {
    expect(isCommonPassword('PassWord1234')).toBe(true);
    expect(isCommonPassword('password1234!')).toBe(false);
    expect(isCommonPassword(' password1234')).toBe(false);
    expect(isCommonPassword('tundra bagpipe ferment oyster glimpse')).toBe(false);
  });
});

describe('ZPassphrase', () => {
  it('has the documented limits', () => {
    expect(MIN_PASSPHRASE_LENGTH).toBe(12);
    expect(MAX_PASSPHRASE_LENGTH).toBe(1024);
  });

  it('refuses common passwords', () => {
    for (const p of ['password1234', 'Password1234', 'QAZWSXEDCRFV', '1qaz2wsx3edc']) expect(messages(p)).toEqual([COMMON]);
  });

  it('refuses 11 characters and accepts 12', () => {
    expect(messages('abcdefghijk')).toEqual(['Use at least 12 characters.']);
    expect(ZPassphrase.safeParse('kx7-vq2-mp9z').success).toBe(true);
  });

  it('gives only the length message for a short common password', () => {
    expect(messages('123456')).toEqual(['Use at least 12 characters.']);
  });

  it('refuses more than 1024 characters', () => {
    expect(ZPassphrase.safeParse('x'.repeat(1024)).success).toBe(true);
    expect(messages('x'.repeat(1025))).toEqual(['Use at most 1024 characters.']);
  });

  it('refuses non-strings', () => {
    expect(ZPassphrase.safeParse(123456789012).success).toBe(false);
    expect(ZPassphrase.safeParse(undefined).success).toBe(false);
  });
});

describe('passphraseStrength', () => {
  it('rates a random five-word diceware passphrase strong, and the schema accepts it', () => {
    const words = dictionary['diceware-common'];
    const phrase = Array.from({ length: 5 }, () => words[Math.floor(Math.random() * words.length)]).join(' ');
    expect(ZPassphrase.safeParse(phrase).success).toBe(true);
    expect(passphraseStrength(phrase).score).toBeGreaterThanOrEqual(3);
    expect(passphraseStrength('tundra bagpipe ferment oyster glimpse')).toMatchObject({ score: 4, label: 'Very strong', feedback: [] });
  });

  it('rates repetition very weak, with advice', () => {
    const result = passphraseStrength('aaaaaaaaaaaa');
    expect(result.score).toBeLessThanOrEqual(1);
    expect(['Very weak', 'Weak']).toContain(result.label);
    expect(result.feedback.length).toBeGreaterThan(0);
    expect(result.feedback.every((line) => line.length > 0)).toBe(true);
    expect(result.crackTimeDisplay).toBe('less than a second');
  });

  it('penalises the user’s own details', () => {
    const phrase = 'alice.mercer@example.com';
    expect(passphraseStrength(phrase, ['alice.mercer@example.com']).score).toBeLessThan(passphraseStrength(phrase).score);
  });
});
