'use client';
// TOTP second factor: enrol (QR code + manual secret, confirmed with a code),
// see the 10 recovery codes once, or turn it off with a code.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { api, type TAccount } from '@/lib/client/api';
import { ApiError, fieldErrors } from '@/lib/client/fetchers';
import { accountKeys } from '@/lib/client/query-keys';

export function MfaSection({ account }: { account: TAccount }) {
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const begin = useMutation({ mutationFn: api.beginTotp });
  const enable = useMutation({
    mutationFn: (c: string) => api.enableTotp(c),
    onSuccess: async (result) => {
      setRecoveryCodes(result.recoveryCodes);
      setCode('');
      begin.reset();
      await queryClient.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
  const disable = useMutation({
    mutationFn: (c: string) => api.disableTotp(c),
    onSuccess: async () => {
      setCode('');
      await queryClient.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
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
        <div className="mt-4 space-y-3">
          <Alert tone="success" title="Second factor is on">
            Store these 10 recovery codes somewhere safe. Each works once, in place of a code, if you lose your device. They are shown only now.
          </Alert>
          <ul className="grid grid-cols-2 gap-2 font-mono text-sm" data-testid="mfa-recovery-codes">
            {recoveryCodes.map((c) => (
              <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
                {c}
              </li>
            ))}
          </ul>
          <Button variant="secondary" onClick={() => setRecoveryCodes(null)}>
            I have stored them
          </Button>
        </div>
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
          <p className="text-sm">
            Cannot scan? Enter this key by hand: <code className="font-mono" data-testid="totp-secret">{begin.data.secret}</code>
          </p>
          <Field label="6-digit code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} error={codeError} />
          <Button type="submit" busy={enable.isPending}>
            Turn on
          </Button>
        </form>
      ) : (
        <div className="mt-4">
          {begin.error ? <Alert tone="error">{begin.error.message}</Alert> : null}
          <Button onClick={() => begin.mutate()} busy={begin.isPending}>
            Set up a second factor
          </Button>
        </div>
      )}
    </Card>
  );
}
