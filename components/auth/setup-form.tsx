'use client';
// First-run set-up: the one-time token from the server log proves this
// person started the broker; the operator's keys are made here, as for any
// account.
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { api } from '@/lib/client/api';
import { ApiError, fieldErrors as apiFieldErrors } from '@/lib/client/fetchers';
import { createAccountMaterial, signInWithPassphrase } from '@/lib/client/session-keys';
import { ZEmail } from '@/lib/schemas/account';
import { PassphraseFields, validateNewPassphrase } from './passphrase-fields';
import { LossNotice } from './loss-notice';

export function SetupForm() {
  const router = useRouter();
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [pass, setPass] = useState({ passphrase: '', confirm: '' });
  const [acknowledged, setAcknowledged] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const next: Record<string, string> = {};
    if (token.trim().length < 10) next.setupToken = 'Paste the setup token printed in the server log.';
    const parsed = ZEmail.safeParse(email);
    if (!parsed.success) next.email = parsed.error.issues[0]?.message ?? 'Enter your email.';
    Object.assign(next, validateNewPassphrase(pass));
    if (!acknowledged) next.acknowledged = 'Confirm that you understand this.';
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      const material = await createAccountMaterial(parsed.data!, pass.passphrase);
      await api.setup({ setupToken: token.trim(), account: { email: parsed.data, ...material.body } });
      const signedIn = await signInWithPassphrase(parsed.data!, pass.passphrase);
      if (!signedIn.ok) throw new Error('Your account was created, but signing in failed. Sign in on the next page.');
      router.replace('/operator');
      router.refresh();
    } catch (e) {
      const fields = apiFieldErrors(e);
      if (fields.setupToken) setErrors({ setupToken: fields.setupToken });
      else setError(e instanceof ApiError || e instanceof Error ? e.message : 'Set-up failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      {error ? <Alert tone="error">{error}</Alert> : null}
      <Field
        label="Setup token"
        name="setup-token"
        autoComplete="off"
        spellCheck={false}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        error={errors.setupToken}
        help="Printed by the broker in its console output at start. It works once, and only until the first operator exists."
      />
      <Field label="Your email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
      <PassphraseFields value={pass} onChange={setPass} errors={errors} userInputs={[email]} />
      <LossNotice checked={acknowledged} onChange={setAcknowledged} error={errors.acknowledged} />
      <Button type="submit" busy={busy} busyLabel="Creating your keys…" className="w-full">
        Create the first operator
      </Button>
    </form>
  );
}
