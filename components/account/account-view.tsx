'use client';
// The account page: key status in this browser, tenants, second factor,
// mail notifications, passphrase, and sign out everywhere.
import Link from 'next/link';
import { useMutation } from '@tanstack/react-query';
import { signOutAndWipe } from '@/components/shell/sign-out-button';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { api } from '@/lib/client/api';
import { useAccount, useUnlockedKeys } from '@/lib/client/use-account';
import { MfaSection } from './mfa-section';
import { NotificationsSection } from './notifications-section';
import { OwnFingerprint } from './own-fingerprint';
import { PassphraseSection } from './passphrase-section';
import { UnlockForm } from './unlock-form';

export function AccountView() {
  const account = useAccount();
  const keys = useUnlockedKeys(account.data?.id);
  const everywhere = useMutation({ mutationFn: api.signOutEverywhere, onSuccess: () => signOutAndWipe('everywhere') });

  if (account.isPending) return <p aria-busy="true">Loading your account…</p>;
  if (account.error) return <Alert tone="error">{account.error.message}</Alert>;
  const me = account.data;
  return (
    <div className="space-y-6">
      <PageHeader title="Your account" description={me.email} />
      <Card id="keys" title="Your key" description="Your ECDH key pair. Others compare this fingerprint before trusting you with a tenant’s keys.">
        <OwnFingerprint account={me} />
        <div className="mt-4">
          {keys.isPending ? null : keys.data ? (
            <p className="text-sm text-emerald-800 dark:text-emerald-300" data-testid="keys-unlocked">
              Unlocked in this browser (kept non-extractable; wiped when you sign out).
            </p>
          ) : (
            <UnlockForm account={me} />
          )}
        </div>
      </Card>
      {!me.isOperator ? (
        <Card id="tenants" title="Your tenants">
          {me.tenants.length === 0 ? (
            <p className="text-sm">You are not an administrator of any tenant yet.</p>
          ) : (
            <ul className="divide-y divide-slate-200 dark:divide-slate-800">
              {me.tenants.map((t) => (
                <li key={t.externalId} className="flex items-center justify-between py-2">
                  <Link className="font-medium underline" href={`/t/${encodeURIComponent(t.externalId)}`}>
                    {t.displayName} <span className="text-slate-600 dark:text-slate-400">({t.externalId})</span>
                  </Link>
                  <Badge tone={t.status === 'confirmed' ? 'success' : 'warning'}>{t.status === 'confirmed' ? 'Confirmed' : 'Awaiting confirmation'}</Badge>
                </li>
              ))}
            </ul>
          )}
        </Card>
      ) : null}
      <MfaSection account={me} />
      <NotificationsSection />
      <PassphraseSection account={me} />
      <Card id="sessions" title="Sessions" description="Ends every session of your account, on every device, including this one.">
        {everywhere.error ? <Alert tone="error">{everywhere.error.message}</Alert> : null}
        <Button variant="secondary" onClick={() => everywhere.mutate()} busy={everywhere.isPending}>
          Sign out everywhere
        </Button>
      </Card>
    </div>
  );
}
