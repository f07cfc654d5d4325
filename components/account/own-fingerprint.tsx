'use client';
// "Your key fingerprint": what a pending admin reads out to the admin who
// confirms them. It is the fingerprint of the admin key unlocked in this
// browser — whose kid only the passphrase vouches for — never simply of the
// public key the broker says is yours (lib/client/own-admin-key.ts). When the
// broker's key is another one, no fingerprint is shown at all, only why.
import { useQuery } from '@tanstack/react-query';
import { Fingerprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';
import type { TAccount } from '@/lib/client/api';
import { ownAdminKeyQuery } from '@/lib/client/own-admin-key';

export function OwnFingerprint({ account, size }: { account: TAccount; size?: number }) {
  const own = useQuery(ownAdminKeyQuery(account));
  if (own.isPending) return <p aria-busy="true" className="text-sm">Checking your key…</p>;
  if (own.error) {
    return (
      <Alert tone="error" title="Your key could not be checked">
        {own.error.message}
      </Alert>
    );
  }
  if (own.data.status === 'locked') {
    return (
      <p className="text-sm" data-testid="own-fingerprint-locked">
        Unlock your key to see its fingerprint: it is computed from the key your passphrase opens in this browser, not from what the broker says.
      </p>
    );
  }
  if (own.data.status === 'mismatch') {
    return (
      <Alert tone="error" title="The broker shows another key as yours — do not read out a fingerprint">
        {own.data.message}
      </Alert>
    );
  }
  return <Fingerprint jwk={own.data.publicJwk} label="Your key fingerprint" size={size} />;
}
