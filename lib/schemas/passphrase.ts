// Passphrase policy, shared by the browser (live strength meter on every
// keystroke) and the server (the rule that actually decides). Length plus a
// common-password blocklist is the rule, as NIST SP 800-63B recommends; the
// zxcvbn score is advice shown to the user, never a gate.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import { z } from 'zod';

export const MIN_PASSPHRASE_LENGTH = 12;
export const MAX_PASSPHRASE_LENGTH = 1024;

let commonPasswords: Set<string> | undefined;

/** Exact match, case-insensitive, against the ~49k passwords that ship with @zxcvbn-ts/language-common. */
export function isCommonPassword(p: string): boolean {
  // Built on first use: a Set makes each keystroke's check O(1).
  commonPasswords ??= new Set(zxcvbnCommon.dictionary['passwords-common']);
  return commonPasswords.has(p.toLowerCase());
}

// `abort` stops at a length error, so "123456" gets one message, not two.
export const ZPassphrase = z
  .string()
  .min(MIN_PASSPHRASE_LENGTH, { error: `Use at least ${MIN_PASSPHRASE_LENGTH} characters.`, abort: true })
  .max(MAX_PASSPHRASE_LENGTH, { error: `Use at most ${MAX_PASSPHRASE_LENGTH} characters.`, abort: true })
  .refine((p) => !isCommonPassword(p), { error: 'This passphrase is on a list of common passwords; choose another.' });

export type TPassphrase = z.infer<typeof ZPassphrase>;

export type PassphraseScore = 0 | 1 | 2 | 3 | 4;
export type PassphraseStrengthLabel = 'Very weak' | 'Weak' | 'Fair' | 'Strong' | 'Very strong';
export type PassphraseStrength = {
  score: PassphraseScore;
  label: PassphraseStrengthLabel;
  feedback: string[];
  crackTimeDisplay: string;
};

const LABELS: Record<PassphraseScore, PassphraseStrengthLabel> = {
  0: 'Very weak',
  1: 'Weak',
  2: 'Fair',
  3: 'Strong',
  4: 'Very strong',
};

let zxcvbn: ZxcvbnFactory | undefined;

// Building the ranked dictionaries takes a noticeable moment, so it happens
// on the first call rather than when a page merely imports this module.
function getZxcvbn(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  return zxcvbn;
}

/**
 * Synchronous so a client component can call it on every keystroke. Only
 * the first 256 characters are analysed (zxcvbn's default maxLength), which
 * keeps long pastes cheap; anything that long is strong anyway.
 * `userInputs` (email, name, tenant) are penalised as known words.
 */
export function passphraseStrength(p: string, userInputs: string[] = []): PassphraseStrength {
  const result = getZxcvbn().check(p, userInputs);
  const { warning, suggestions } = result.feedback;
  return {
    score: result.score,
    label: LABELS[result.score],
    feedback: [warning, ...suggestions].filter((line): line is string => typeof line === 'string' && line.length > 0),
    // The slow-hash estimate fits: the browser stretches the passphrase with
    // 600 000 PBKDF2 rounds before anything leaves it (lib/server/password-hash.ts).
    crackTimeDisplay: result.crackTimes.offlineSlowHashingXPerSecond.display,
  };
}
