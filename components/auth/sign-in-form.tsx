'use client';
// Sign-in: the passphrase is stretched in this browser and only the derived
// authKey is sent. A second step asks for the TOTP or recovery code when the
// account has one. Wrong email and wrong passphrase read the same.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { PassphraseField } from '@/components/ui/passphrase-field';
import type { TAccount } from '@/lib/client/api';
import { ApiError } from '@/lib/client/fetchers';
import { signInWithPassphrase } from '@/lib/client/session-keys';
import { ZEmail } from '@/lib/schemas/account';
import { plural } from '@/lib/plural';

export function safeNext(next: string | null | undefined): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null;
}

export function homeOf(account: TAccount): string {
  if (account.isOperator) return '/operator';
  if (account.mfaRequired && !account.mfaEnabled) return '/account?mfa=required';
  if (account.tenants.length === 1 && account.tenants[0]) return `/t/${encodeURIComponent(account.tenants[0].externalId)}`;
  return '/account';
}

function describe(code: string): string {
  if (code.startsWith('locked_')) {
    const seconds = Number(code.slice(7)) || 60;
    return `Too many failed attempts. Sign-in is paused for ${seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : plural(seconds, 'second')}.`;
  }
  return 'The email or passphrase is not correct.';
}

export function SignInForm({ next, notice }: { next?: string; notice?: string }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [otp, setOtp] = useState('');
  const [needsOtp, setNeedsOtp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const otpRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (needsOtp && !busy) otpRef.current?.focus();
  }, [needsOtp, busy]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const errors: Record<string, string> = {};
    const parsedEmail = ZEmail.safeParse(email);
    if (!parsedEmail.success) errors.email = parsedEmail.error.issues[0]?.message ?? 'Enter your email.';
    if (!passphrase) errors.passphrase = 'Enter your passphrase.';
    if (needsOtp && !otp.trim()) errors.otp = 'Enter the code from your authenticator app, or a recovery code.';
    setFieldErrors(errors);
    if (Object.keys(errors).length) {
      document.getElementById(`sign-in-${Object.keys(errors)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const result = await signInWithPassphrase(parsedEmail.data ?? email, passphrase, needsOtp ? otp : undefined);
      if (!result.ok) {
        if (result.code === 'mfa_required') {
          setNeedsOtp(true);
        } else {
          setError(describe(result.code));
          if (needsOtp) setOtp('');
        }
        return;
      }
      setPassphrase('');
      router.replace(safeNext(next) ?? homeOf(result.account));
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Sign-in failed in this browser. Reload the page and try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-5" aria-describedby={error ? 'sign-in-error' : undefined}>
      {notice ? <Alert tone="info">{notice}</Alert> : null}
      {error ? (
        <div id="sign-in-error">
          <Alert tone="error">{error}</Alert>
        </div>
      ) : null}
      <Field id="sign-in-email" label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={fieldErrors.email} required />
      <div className="space-y-2">
        <PassphraseField
          id="sign-in-passphrase"
          label="Passphrase"
          autoComplete="current-password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          error={fieldErrors.passphrase}
          required
        />
        <p className="text-sm">
          <Link href="/sign-in/lost-passphrase" className="font-medium text-brand-700 underline hover:no-underline dark:text-brand-500">
            Lost your passphrase? Use your recovery kit
          </Link>
        </p>
      </div>
      {needsOtp ? <p className="sr-only" role="status">Enter your authentication code to finish signing in.</p> : null}
      {needsOtp ? (
        <Field
          ref={otpRef}
          id="sign-in-otp"
          label="Authentication code"
          inputMode="text"
          autoComplete="one-time-code"
          value={otp}
          onChange={(e) => setOtp(e.target.value)}
          error={fieldErrors.otp}
          help="The 6-digit code from your authenticator app, or one of your recovery codes."
        />
      ) : null}
      <Button type="submit" busy={busy} busyLabel="Signing in… (deriving keys)" className="w-full">
        Sign in
      </Button>
    </form>
  );
}
