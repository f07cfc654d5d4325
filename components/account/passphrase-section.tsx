'use client';
// Changing the passphrase: the current one is checked here by opening the
// sealed key, the key is re-sealed under the new wrapKey, and the server swaps
// salt, authKey hash and sealed key in one transaction (other sessions end).
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { PassphraseFields, validateNewPassphrase } from '@/components/auth/passphrase-fields';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { PassphraseField } from '@/components/ui/passphrase-field';
import { resealAdminPrivateKey } from '@/lib/crypto/admin-key';
import { deriveAccountKeys, generateSalt, PBKDF2_ITERATIONS } from '@/lib/crypto/derive-account-keys';
import { api, type TAccount } from '@/lib/client/api';
import { fieldErrors } from '@/lib/client/fetchers';

export function PassphraseSection({ account }: { account: TAccount }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState({ passphrase: '', confirm: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const change = useMutation({
    mutationFn: async () => {
      const old = await deriveAccountKeys(current, account.kdfSalt, Math.max(account.kdfIterations, PBKDF2_ITERATIONS));
      const kdfSalt = generateSalt();
      const fresh = await deriveAccountKeys(next.passphrase, kdfSalt, PBKDF2_ITERATIONS);
      let sealedAdminKey: string;
      try {
        sealedAdminKey = await resealAdminPrivateKey(account.sealedAdminKey, old.wrapKey, fresh.wrapKey, account.email);
      } catch {
        throw Object.assign(new Error('Your current passphrase is not correct.'), { field: 'currentPassphrase' });
      }
      await api.changePassphrase({ currentAuthKey: old.authKey, kdfSalt, kdfIterations: PBKDF2_ITERATIONS, authKey: fresh.authKey, sealedAdminKey });
    },
    onSuccess: () => {
      setCurrent('');
      setNext({ passphrase: '', confirm: '' });
    },
    onError: (error) => {
      const field = (error as { field?: string }).field;
      setErrors(field ? { [field]: error.message } : fieldErrors(error));
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = validateNewPassphrase(next);
    if (!current) found.currentPassphrase = 'Enter your current passphrase.';
    setErrors(found);
    if (!Object.keys(found).length) change.mutate();
  }

  return (
    <Card id="passphrase" title="Passphrase" description="Changing it re-seals your private key in this browser and signs out your other sessions.">
      <form onSubmit={submit} noValidate className="space-y-4">
        {change.isSuccess ? <Alert tone="success">Your passphrase was changed.</Alert> : null}
        {change.error && !Object.keys(errors).length ? <Alert tone="error">{change.error.message}</Alert> : null}
        <PassphraseField label="Current passphrase" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={errors.currentPassphrase} />
        <PassphraseFields value={next} onChange={setNext} errors={errors} userInputs={[account.email]} label="New passphrase" />
        <Button type="submit" busy={change.isPending} busyLabel="Re-sealing your key…">
          Change passphrase
        </Button>
      </form>
    </Card>
  );
}
