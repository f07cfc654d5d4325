'use client';
// A tenant's "Admins & keys" page: whether this browser holds the tenant
// keys, the admin set with fingerprint confirmation, invitations, safety
// settings and key rotation.
// A pending admin sees their own fingerprint to read out, or can use a
// recovery code. Both rest on the admin key unlocked in this browser, not on
// the broker's copy of it (lib/client/own-admin-key.ts).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { OwnFingerprint } from '@/components/account/own-fingerprint';
import { UnlockForm } from '@/components/account/unlock-form';
import { Fingerprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { openRecoveryKit } from '@/lib/crypto/recovery-kit';
import { wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { api, type TAccount } from '@/lib/client/api';
import { ownAdminKeyQuery, ownAdminPublicJwk } from '@/lib/client/own-admin-key';
import { accountKeys } from '@/lib/client/query-keys';
import { getTenantKeys } from '@/lib/client/session-keys';
import { useAccount } from '@/lib/client/use-account';
import { AdminsCard } from './admins-card';
import { InvitationsCard } from './invitations-card';
import { RotateKeysCard } from './rotate-keys-card';
import { SecurityCard } from './security-card';
import { TenantBreadcrumb } from './tenant-breadcrumb';

export type TAdminsAndKeysProps = { tenant: string; tenantName: string; status: 'pending' | 'confirmed'; requireMfa: boolean };

function KeysCard({ tenant, userId }: { tenant: string; userId: string }) {
  const account = useAccount();
  const unlocked = useQuery({ queryKey: ['tenant-unlock', tenant, userId], queryFn: () => getTenantKeys(userId, tenant), retry: false });
  return (
    <Card id="tenant-keys" title="Tenant keys" description="The tenant’s encryption and signing keys. Their private halves exist only in administrators’ browsers.">
      {unlocked.isPending ? <p aria-busy="true">Unlocking the tenant keys…</p> : null}
      {unlocked.error ? (
        <Alert tone="error" title="The tenant keys could not be opened">
          {unlocked.error.message}. If this persists, the keys on record may not match the ones wrapped for you: do not enter secrets, and contact another
          administrator.
        </Alert>
      ) : null}
      {unlocked.data === 'locked' && account.data ? <UnlockForm account={account.data} /> : null}
      {unlocked.data && typeof unlocked.data === 'object' ? (
        <p className="text-sm text-emerald-800 dark:text-emerald-300" data-testid="tenant-keys-unlocked">
          Unlocked in this browser as non-extractable keys. They are wiped when you sign out or after inactivity.
        </p>
      ) : null}
      {/* The fingerprints of the keys this browser unwrapped and trusts, never the broker's copy of the public halves. */}
      {unlocked.data && typeof unlocked.data === 'object' ? (
        <dl className="mt-4 grid gap-4 sm:grid-cols-2">
          <div>
            <dt className="text-sm font-medium">Encryption key</dt>
            <dd className="mt-1"><Fingerprint jwk={unlocked.data.encryptionPublicJwk} label="Tenant encryption key fingerprint" size={40} /></dd>
          </div>
          <div>
            <dt className="text-sm font-medium">Signing key</dt>
            <dd className="mt-1"><Fingerprint jwk={unlocked.data.signingPublicJwk} label="Tenant signing key fingerprint" size={40} /></dd>
          </div>
        </dl>
      ) : null}
    </Card>
  );
}

function PendingView({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  const queryClient = useQueryClient();
  const account = useAccount();
  const own = useQuery(ownAdminKeyQuery(account.data));
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const recover = useMutation({
    mutationFn: async () => {
      // The account may still be loading when the code is submitted: wait for it rather than refuse.
      const me = account.data ?? (await queryClient.fetchQuery<TAccount>({ queryKey: accountKeys.me(), queryFn: () => api.account() }));
      // Checked before any kit is tried, so a locked or substituted key is reported as such, not as a wrong code.
      const adminPublicJwk = await ownAdminPublicJwk(me.id, me.adminPublicJwk);
      const { kits } = await api.recoveryKits(tenant);
      for (const kit of kits) {
        try {
          const privates = await openRecoveryKit(kit.kit, code, tenant);
          await api.recover(tenant, kit.id, await wrapTenantKeys(privates, adminPublicJwk, tenant));
          return;
        } catch {
          // Try the next kit: the code opens exactly one.
        }
      }
      throw new Error('This code does not open any recovery kit of this tenant.');
    },
    onSuccess: () => {
      window.location.reload();
      void queryClient.invalidateQueries();
    },
    onError: (e) => setError(e.message),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!code.trim()) return setError('Enter the recovery code.');
    setError(undefined);
    recover.mutate();
  }
  return (
    <div className="space-y-6">
      <Card id="pending" title="Waiting for confirmation" description={`An administrator of ${tenantName} must confirm you before you can use its keys.`}>
        <p className="text-sm">
          When they call you, read them this fingerprint of your key. They confirm only if it matches what they see for you.
        </p>
        <div className="mt-4 space-y-3">
          {account.data ? <OwnFingerprint account={account.data} size={72} /> : <p aria-busy="true">Loading…</p>}
          {account.data && own.data?.status === 'locked' ? <UnlockForm account={account.data} /> : null}
        </div>
      </Card>
      <Card id="recover" title="Recover with a recovery code" description="Only if no administrator can confirm you: a recovery code from a kit created earlier unlocks the tenant keys for you.">
        <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3">
          <Field className="min-w-72 flex-1" label="Recovery code" autoComplete="off" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} error={error} />
          <Button type="submit" busy={recover.isPending} busyLabel="Opening the kit…">
            Recover
          </Button>
        </form>
      </Card>
    </div>
  );
}

export function AdminsAndKeys({ tenant, tenantName, status, requireMfa }: TAdminsAndKeysProps) {
  const account = useAccount();
  const userId = account.data?.id;
  return (
    <div className="space-y-6">
      <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section="admins" />
      <PageHeader
        title="Admins & keys"
        description={
          status === 'pending'
            ? `Your key’s fingerprint, for an administrator of ${tenantName} to confirm you.`
            : `Who administers ${tenantName} (tenant ${tenant}), the tenant keys in this browser, invitations, security settings and key rotation.`
        }
      />
      {account.data && account.data.mfaRequired && !account.data.mfaEnabled ? (
        <Alert tone="warning" title="A second factor is required">
          This tenant requires a second factor for its administrators. <a className="underline" href="/account#mfa">Set it up on your account page.</a>
        </Alert>
      ) : null}
      {status === 'pending' ? (
        <PendingView tenant={tenant} tenantName={tenantName} />
      ) : userId ? (
        <>
          <KeysCard tenant={tenant} userId={userId} />
          <AdminsCard tenant={tenant} userId={userId} />
          <InvitationsCard tenant={tenant} />
          <SecurityCard tenant={tenant} tenantName={tenantName} userId={userId} requireMfa={requireMfa} />
          <RotateKeysCard tenant={tenant} tenantName={tenantName} userId={userId} />
        </>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
    </div>
  );
}
