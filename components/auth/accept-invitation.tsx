'use client';
// Accepting an invitation. The token comes from the URL fragment (never sent
// in a URL). New users choose a passphrase and get keys made here; the first
// admin of a tenant also creates the tenant's key pairs and, by default, a
// recovery kit whose code is shown once. An existing account wraps them to the
// admin key unlocked in this browser, never to the broker's copy of it.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { UnlockForm } from '@/components/account/unlock-form';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { api, type TAccount, type TInvitationInfo } from '@/lib/client/api';
import { ApiError } from '@/lib/client/fetchers';
import { OwnAdminKeyError, ownAdminPublicJwk } from '@/lib/client/own-admin-key';
import { createAccountMaterial, createTenantKeyMaterial, signInWithPassphrase } from '@/lib/client/session-keys';
import { useUnlockedKeys } from '@/lib/client/use-account';
import { LossNotice } from './loss-notice';
import { PassphraseFields, validateNewPassphrase } from './passphrase-fields';
import { RecoveryCodeNotice } from './recovery-code-notice';
import { Checkbox } from '@/components/ui/checkbox';

const STORAGE_KEY = 'cmk-invitation-token';

function readToken(): string | null {
  const fromHash = window.location.hash.replace(/^#/, '');
  if (/^[A-Za-z0-9_-]{43}$/.test(fromHash)) {
    sessionStorage.setItem(STORAGE_KEY, fromHash);
    // Keep the token out of the address bar (and screenshots) once read.
    history.replaceState(null, '', window.location.pathname);
    return fromHash;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

export function AcceptInvitation() {
  const router = useRouter();
  // Runs in the browser only (the token lives in the URL fragment).
  const lookup = useQuery({
    queryKey: ['invitation'],
    queryFn: async (): Promise<{ token: string | null; info: TInvitationInfo | null }> => {
      const found = readToken();
      return { token: found, info: found ? await api.lookupInvitation(found) : null };
    },
    retry: false,
    staleTime: Infinity,
  });
  const token = lookup.data?.token;
  const info = lookup.data?.info ?? null;
  const [pass, setPass] = useState({ passphrase: '', confirm: '' });
  const [acknowledged, setAcknowledged] = useState(false);
  const [withKit, setWithKit] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ next: string; recoveryCode?: string } | null>(null);
  // Set when an existing account's key must be unlocked before the tenant keys can be wrapped to it.
  const [locked, setLocked] = useState<TAccount | null>(null);
  const unlocked = useUnlockedKeys(locked?.id);

  /** This account's admin key, as unlocked here: the server's JWK only if its thumbprint is the unlocked key's kid. */
  async function existingAdminPublicJwk() {
    const me = await api.account();
    try {
      return await ownAdminPublicJwk(me.id, me.adminPublicJwk);
    } catch (e) {
      if (e instanceof OwnAdminKeyError && e.code === 'locked') {
        setLocked(me);
        throw new Error('Your key is locked in this browser. Unlock it below with your passphrase, then accept the invitation again.');
      }
      throw e;
    }
  }

  async function accept(event: FormEvent) {
    event.preventDefault();
    if (!token || !info) return;
    setError(null);
    setLocked(null);
    const newAccount = !info.accountExists;
    const next: Record<string, string> = newAccount ? validateNewPassphrase(pass) : {};
    if (newAccount && !acknowledged) next.acknowledged = 'Confirm that you understand this.';
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      const material = newAccount ? await createAccountMaterial(info.email, pass.passphrase) : undefined;
      const needsTenantKeys = !!info.tenant && info.needsTenantKeys;
      // A new account's key was made here just now; an existing account's must be the one unlocked here.
      const adminPublicJwk = needsTenantKeys ? (material?.adminPublicJwk ?? (await existingAdminPublicJwk())) : undefined;
      const tenantKeys = info.tenant && adminPublicJwk ? await createTenantKeyMaterial(info.tenant.externalId, adminPublicJwk, withKit) : undefined;
      await api.acceptInvitation({ token, account: material?.body, tenantKeys: tenantKeys?.body });
      sessionStorage.removeItem(STORAGE_KEY);
      if (newAccount) {
        const signedIn = await signInWithPassphrase(info.email, pass.passphrase);
        if (!signedIn.ok) throw new Error('Your account was created, but signing in failed. Sign in from the sign-in page.');
      }
      setPass({ passphrase: '', confirm: '' });
      const destination = info.kind === 'operator' ? '/operator' : `/t/${encodeURIComponent(info.tenant?.externalId ?? '')}`;
      if (tenantKeys?.recoveryCode) setDone({ next: destination, recoveryCode: tenantKeys.recoveryCode });
      else {
        router.replace(destination);
        router.refresh();
      }
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : 'The invitation could not be accepted.');
    } finally {
      setBusy(false);
    }
  }

  if (lookup.error) {
    const message = lookup.error instanceof ApiError ? lookup.error.message : 'The invitation could not be loaded.';
    return <Alert tone="error" title="This invitation cannot be used">{message} Ask whoever invited you to send a new one.</Alert>;
  }
  if (lookup.isPending) return <p aria-busy="true">Checking the invitation…</p>;
  if (!token || !info) return <Alert tone="error" title="No invitation in this link">Open the link from your invitation mail exactly as it was sent.</Alert>;
  if (done?.recoveryCode) {
    return (
      <RecoveryCodeNotice
        code={done.recoveryCode}
        tenantName={info.tenant?.displayName ?? ''}
        onDone={() => {
          router.replace(done.next);
          router.refresh();
        }}
      />
    );
  }

  const role = info.kind === 'operator' ? 'a vendor operator' : `an administrator of ${info.tenant?.displayName} (${info.tenant?.externalId})`;
  if (info.accountExists && !info.signedInAsInvitee) {
    return (
      <Card title="Sign in to accept">
        <p className="text-sm">
          This invitation makes <strong>{info.email}</strong> {role}. You already have an account with this email: sign in, then come back to this
          page.
        </p>
        <Link className="mt-4 inline-block font-medium text-brand-700 underline dark:text-brand-500" href="/sign-in?next=%2Finvite">
          Sign in
        </Link>
      </Card>
    );
  }

  return (
    <div className="space-y-6">
      <form onSubmit={accept} noValidate className="space-y-6">
        <Card title={`You are invited as ${role}`} description={`For ${info.email}.`}>
          {info.tenant && info.needsTenantKeys ? (
            <p className="text-sm">You are the first administrator: your browser will now create this tenant’s encryption and signing keys.</p>
          ) : info.tenant ? (
            <p className="text-sm">
              After you accept, an existing administrator confirms you by comparing your key fingerprint with what you see on your screen.
            </p>
          ) : null}
        </Card>
        {error && !(locked && unlocked.data) ? <Alert tone="error">{error}</Alert> : null}
        {!info.accountExists ? (
          <>
            <PassphraseFields value={pass} onChange={setPass} errors={errors} userInputs={[info.email]} />
            <LossNotice checked={acknowledged} onChange={setAcknowledged} error={errors.acknowledged} tenant={!!info.tenant} />
          </>
        ) : null}
        {info.tenant && info.needsTenantKeys ? (
          <label className="flex items-start gap-2 text-sm">
            <Checkbox checked={withKit} onCheckedChange={setWithKit} className="mt-0.5 size-4" />
            <span>Create a recovery kit: a one-time code, shown once, that lets a new administrator regain the tenant keys if every passphrase is lost.</span>
          </label>
        ) : null}
        <Button type="submit" busy={busy} busyLabel="Creating keys…" className="w-full">
          Accept the invitation
        </Button>
      </form>
      {/* Outside the form above: forms cannot nest. */}
      {locked && !unlocked.data ? <UnlockForm account={locked} /> : null}
      {locked && unlocked.data ? <Alert tone="success">Your key is unlocked. Accept the invitation again.</Alert> : null}
    </div>
  );
}
