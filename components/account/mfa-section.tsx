'use client';
// TOTP second factor: enrol (QR code + manual secret, confirmed with a code),
// keep the 10 recovery codes shown once (components/account/recovery-codes.tsx),
// or turn it off with a code. Set-up can be cancelled: the server then discards
// the secret it kept for the unconfirmed enrolment, so nothing is left half-on.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { Field } from '@/components/ui/field';
import { api, type TAccount } from '@/lib/client/api';
import { ApiError, fieldErrors } from '@/lib/client/fetchers';
import { accountKeys } from '@/lib/client/query-keys';
import { RecoveryCodes } from './recovery-codes';

export function MfaSection({ account }: { account: TAccount }) {
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const setUpButton = useRef<HTMLButtonElement>(null);
  const begin = useMutation({ mutationFn: api.beginTotp, onMutate: () => setCancelled(false) });
  const enable = useMutation({
    mutationFn: (c: string) => api.enableTotp(c),
    onSuccess: async (result) => {
      setRecoveryCodes(result.recoveryCodes);
      setCode('');
      begin.reset();
      await queryClient.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
  const cancel = useMutation({
    mutationFn: api.cancelTotpEnrolment,
    onSuccess: () => {
      setCode('');
      enable.reset();
      begin.reset();
      setCancelled(true);
    },
  });
  const disable = useMutation({
    mutationFn: (c: string) => api.disableTotp(c),
    onSuccess: async () => {
      setCode('');
      await queryClient.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
  // The Cancel button is gone once set-up is cancelled: keyboard focus goes to the button that starts it again.
  useEffect(() => {
    if (cancelled) setUpButton.current?.focus();
  }, [cancelled]);
  const active = account.mfaEnabled ? disable : enable;
  const codeError = fieldErrors(active.error).code ?? (active.error instanceof ApiError && !fieldErrors(active.error).code ? active.error.message : undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    active.mutate(code.replace(/\s/g, ''));
  }

  return (
    <Card
      id="mfa"
      title="Second factor"
      description="A time-based code from an authenticator app, asked at every sign-in."
      actions={account.mfaEnabled ? <Badge tone="success">On</Badge> : <Badge tone={account.mfaRequired ? 'danger' : 'neutral'}>Off</Badge>}
    >
      {account.mfaRequired && !account.mfaEnabled ? (
        <Alert tone="warning" title="Required for your account">
          Your organisation requires a second factor. Set it up now to continue.
        </Alert>
      ) : null}
      {recoveryCodes ? (
        <RecoveryCodes email={account.email} codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />
      ) : account.mfaEnabled ? (
        <form onSubmit={submit} noValidate className="mt-4 space-y-3">
          <Field label="Code to turn it off" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} error={codeError} />
          <Button type="submit" variant="danger" busy={disable.isPending}>
            Turn off the second factor
          </Button>
        </form>
      ) : begin.data ? (
        <form onSubmit={submit} noValidate className="mt-4 space-y-4">
          <p className="text-sm">Scan this code with your authenticator app, then enter the 6-digit code it shows.</p>
          {/* eslint-disable-next-line @next/next/no-img-element -- generated QR code as a data: SVG */}
          <img src={`data:image/svg+xml;base64,${btoa(begin.data.qrSvg)}`} alt="QR code for your authenticator app" width={200} height={200} className="rounded bg-white p-2" />
          <div className="space-y-2 text-sm">
            <p>Cannot scan? Enter this key by hand:</p>
            <code className="block font-mono break-all" data-testid="totp-secret">
              {begin.data.secret}
            </code>
            <CopyButton value={begin.data.secret} copied="Key copied to the clipboard." className="px-3">
              Copy the key
            </CopyButton>
          </div>
          <Field label="6-digit code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} error={codeError} />
          {cancel.error ? <Alert tone="error">{cancel.error.message}</Alert> : null}
          <div className="flex flex-wrap gap-3">
            <Button type="submit" busy={enable.isPending} disabled={cancel.isPending}>
              Turn on
            </Button>
            <Button variant="ghost" onClick={() => cancel.mutate()} busy={cancel.isPending} disabled={enable.isPending}>
              Cancel set-up
            </Button>
          </div>
        </form>
      ) : (
        <div className="mt-4 space-y-3">
          {begin.error ? <Alert tone="error">{begin.error.message}</Alert> : null}
          {cancelled ? <Alert tone="info">Set-up cancelled. The second factor stays off, and the key you were shown no longer works.</Alert> : null}
          <Button ref={setUpButton} onClick={() => begin.mutate()} busy={begin.isPending}>
            Set up a second factor
          </Button>
        </div>
      )}
    </Card>
  );
}
