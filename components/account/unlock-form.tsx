'use client';
// Unlocks the admin key in this browser (after a restart, or in a new
// browser) with the passphrase; the key is kept non-extractable.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { PassphraseField } from '@/components/ui/passphrase-field';
import type { TAccount } from '@/lib/client/api';
import { unlockWithPassphrase } from '@/lib/client/session-keys';

export function UnlockForm({ account }: { account: TAccount }) {
  const queryClient = useQueryClient();
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!passphrase) return setError('Enter your passphrase.');
    setBusy(true);
    setError(undefined);
    try {
      await unlockWithPassphrase(account, passphrase);
      setPassphrase('');
      await queryClient.invalidateQueries({ queryKey: ['keys', account.id] });
    } catch {
      setError('That passphrase does not open your key.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <Alert tone="warning" title="Your keys are locked in this browser">
        Enter your passphrase to unlock them. It is used here only.
      </Alert>
      <PassphraseField label="Passphrase" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} error={error} />
      <Button type="submit" busy={busy} busyLabel="Unlocking…">
        Unlock
      </Button>
    </form>
  );
}
