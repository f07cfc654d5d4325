'use client';
// New-passphrase input with confirmation and a live strength meter. The
// passphrase is checked here (length, common-password list) because it never
// reaches the server, which therefore cannot check it.
import { useMemo, type Dispatch, type SetStateAction } from 'react';
import { passphraseStrength, ZPassphrase } from '@/lib/schemas/passphrase';
import { PassphraseField } from '@/components/ui/passphrase-field';
import { HELP_TEXT } from '@/components/ui/help-text';

export type PassphraseValue = { passphrase: string; confirm: string };

/** Returns field errors for a new passphrase, or an empty object if acceptable. */
export function validateNewPassphrase(value: PassphraseValue): Record<string, string> {
  const errors: Record<string, string> = {};
  const parsed = ZPassphrase.safeParse(value.passphrase);
  if (!parsed.success) errors.passphrase = parsed.error.issues[0]?.message ?? 'Choose another passphrase.';
  else if (passphraseStrength(value.passphrase).score < 2) errors.passphrase = 'This passphrase is too easy to guess. Add more unusual words.';
  if (value.confirm !== value.passphrase) errors.confirm = 'The two passphrases differ.';
  return errors;
}

const BAR = ['bg-red-600', 'bg-orange-500', 'bg-amber-500', 'bg-emerald-500', 'bg-emerald-600'];

export function PassphraseFields({
  value,
  onChange,
  errors,
  userInputs = [],
  label = 'Passphrase',
}: {
  value: PassphraseValue;
  /** A state setter: each field updates its own member from the latest value (two fields may change in one commit). */
  onChange: Dispatch<SetStateAction<PassphraseValue>>;
  errors: Record<string, string>;
  userInputs?: string[];
  label?: string;
}) {
  const strength = useMemo(() => (value.passphrase ? passphraseStrength(value.passphrase, userInputs) : null), [value.passphrase, userInputs]);
  return (
    <div className="space-y-4">
      <div>
        <PassphraseField
          label={label}
          name="new-passphrase"
          autoComplete="new-password"
          value={value.passphrase}
          onChange={(e) => {
            const passphrase = e.target.value;
            onChange((v) => ({ ...v, passphrase }));
          }}
          error={errors.passphrase}
          help="At least 12 characters. A few unrelated words are strong and easy to remember. It never leaves this browser, so nobody can reset it for you."
          required
        />
        <div className="mt-2" aria-live="polite">
          <div className="flex gap-1" aria-hidden="true">
            {[0, 1, 2, 3, 4].map((i) => (
              <span key={i} className={`h-1.5 flex-1 rounded ${strength && i <= strength.score ? BAR[strength.score] : 'bg-slate-200 dark:bg-slate-800'}`} />
            ))}
          </div>
          {strength ? (
            <p className={`mt-1 ${HELP_TEXT}`} data-testid="passphrase-strength">
              Strength: <strong>{strength.label}</strong> — would take {strength.crackTimeDisplay} to guess.
              {strength.feedback[0] ? ` ${strength.feedback[0]}` : ''}
            </p>
          ) : null}
        </div>
      </div>
      <PassphraseField
        label={`Repeat the ${label.toLowerCase()}`}
        revealName={`repeated ${label.toLowerCase()}`}
        name="confirm-passphrase"
        autoComplete="new-password"
        value={value.confirm}
        onChange={(e) => {
          const confirm = e.target.value;
          onChange((v) => ({ ...v, confirm }));
        }}
        error={errors.confirm}
        required
      />
    </div>
  );
}
