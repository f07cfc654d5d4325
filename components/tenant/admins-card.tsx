'use client';
// The tenant's administrators. Confirming a pending admin happens only after
// the confirming admin has compared the new admin's key fingerprint with what
// the new admin sees; their browser then wraps the tenant keys to that key.
// The key is pinned when the dialog opens (lib/client/own-admin-key.ts): the
// fingerprint shown and the key wrapped to are the same frozen JWK, its
// thumbprint computed here, so nothing fetched meanwhile can slip in between.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Fingerprint } from '@/components/keys/fingerprint';
import { TableScroller } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { HELP_TEXT } from '@/components/ui/help-text';
import { api, type TTenantAdmin } from '@/lib/client/api';
import { pinAdminKey, type TPinnedAdminKey } from '@/lib/client/own-admin-key';
import { tenantKeys } from '@/lib/client/query-keys';
import { wrapTenantKeysFor } from '@/lib/client/session-keys';
import { Checkbox } from '@/components/ui/checkbox';

/** The admin being confirmed and their key as pinned when the dialog opened (null if it is not a valid key). */
type TConfirming = { admin: TTenantAdmin; key: TPinnedAdminKey | null; error: string | null };

export function AdminsCard({ tenant, userId }: { tenant: string; userId: string }) {
  const queryClient = useQueryClient();
  const admins = useQuery({ queryKey: tenantKeys.admins(tenant), queryFn: () => api.tenantAdmins(tenant) });
  const [confirming, setConfirming] = useState<TConfirming | null>(null);
  const [removing, setRemoving] = useState<TTenantAdmin | null>(null);
  const [compared, setCompared] = useState(false);

  const confirm = useMutation({
    // Wraps to exactly the pinned key whose fingerprint the dialog showed (its kid is that thumbprint, and wrapping re-checks it).
    mutationFn: async ({ admin, key }: { admin: TTenantAdmin; key: TPinnedAdminKey }) => {
      const { wrapped, signingKid } = await wrapTenantKeysFor(userId, tenant, key.publicJwk);
      await api.confirmAdmin(tenant, admin.id, wrapped, signingKid);
    },
    onSuccess: async () => {
      setConfirming(null);
      setCompared(false);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.admins(tenant) });
    },
  });
  const remove = useMutation({
    mutationFn: (admin: TTenantAdmin) => api.removeAdmin(tenant, admin.id),
    onSuccess: async () => {
      setRemoving(null);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.admins(tenant) });
    },
  });

  async function startConfirming(admin: TTenantAdmin) {
    confirm.reset();
    setCompared(false);
    try {
      setConfirming({ admin, key: await pinAdminKey(admin.adminPublicJwk), error: null });
    } catch (e) {
      setConfirming({ admin, key: null, error: e instanceof Error ? e.message : 'This administrator’s key cannot be checked. Do not confirm them.' });
    }
  }

  const confirmedCount = admins.data?.admins.filter((a) => a.status === 'confirmed').length ?? 0;

  return (
    <Card id="admins" title="Administrators" description="Everyone who can unlock this tenant’s keys, and those waiting to be confirmed.">
      {admins.isPending ? <p aria-busy="true">Loading administrators…</p> : null}
      {admins.error ? <Alert tone="error">{admins.error.message}</Alert> : null}
      {admins.data ? (
        <TableScroller label="Administrators table">
          <table className="w-full min-w-[36rem] text-left text-sm">
            <caption className="sr-only">Administrators of this tenant</caption>
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-800">
                <th scope="col" className="py-2 pr-4">Email</th>
                <th scope="col" className="py-2 pr-4">Status</th>
                <th scope="col" className="py-2 pr-4">Key fingerprint</th>
                <th scope="col" className="py-2 pr-4">Second factor</th>
                <th scope="col" className="py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {admins.data.admins.map((admin) => (
                <tr key={admin.id} className="border-b border-slate-100 align-middle dark:border-slate-900" data-testid={`admin-row-${admin.email}`}>
                  <td className="py-3 pr-4">
                    {admin.email}
                    {admin.isMe ? <span className="ml-2 text-xs text-slate-600 dark:text-slate-400">(you)</span> : null}
                  </td>
                  <td className="py-3 pr-4">
                    {admin.status === 'confirmed' ? <Badge tone="success">Confirmed</Badge> : <Badge tone="warning">Awaiting confirmation</Badge>}
                  </td>
                  <td className="py-3 pr-4">
                    <Fingerprint jwk={admin.adminPublicJwk} label={`Key fingerprint of ${admin.email}`} size={32} />
                  </td>
                  <td className="py-3 pr-4">{admin.mfaEnabled ? 'On' : 'Off'}</td>
                  <td className="py-3 text-right whitespace-nowrap">
                    {admin.status === 'pending' ? (
                      <Button onClick={() => void startConfirming(admin)} aria-label={`Verify and confirm ${admin.email}`}>
                        Verify and confirm
                      </Button>
                    ) : null}{' '}
                    {!admin.isMe && !(admin.status === 'confirmed' && confirmedCount <= 1) ? (
                      <Button variant="ghost" onClick={() => { remove.reset(); setRemoving(admin); }} aria-label={`Remove ${admin.email}`}>
                        Remove
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      ) : null}
      <ConfirmDialog
        open={!!confirming}
        title={`Confirm ${confirming?.admin.email ?? ''}`}
        confirmLabel="Confirm and share the tenant keys"
        busy={confirm.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (!compared || !confirming?.key) return;
          confirm.mutate({ admin: confirming.admin, key: confirming.key });
        }}
      >
        <p>
          Ask {confirming?.admin.email} to open their Admins & keys page and read you the fingerprint they see — by phone or in person, not by mail. It must
          match all 8 groups below. If it does not, someone may be impersonating them or have replaced their key: do not confirm.
        </p>
        {confirming?.key ? (
          <Fingerprint key={confirming.key.thumbprint} jwk={confirming.key.publicJwk} label={`Key fingerprint of ${confirming.admin.email}`} size={72} />
        ) : null}
        {confirming?.error ? <Alert tone="error" title="Do not confirm">{confirming.error}</Alert> : null}
        <label className="flex items-start gap-2">
          <Checkbox className="mt-0.5 size-4" checked={compared} onCheckedChange={setCompared} disabled={!confirming?.key} />
          <span>I compared all 8 groups with {confirming?.admin.email} and they match.</span>
        </label>
        {!compared && confirm.isIdle ? <p className={HELP_TEXT}>Tick the box to confirm.</p> : null}
        {confirm.error ? <Alert tone="error">{confirm.error.message}</Alert> : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={!!removing}
        title={`Remove ${removing?.email ?? ''}?`}
        confirmLabel="Remove"
        tone="danger"
        busy={remove.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate(removing)}
      >
        <p>They lose access to this tenant at once. A confirmed administrator once held this tenant’s keys: treat what those keys protect as known to them until the keys are rotated.</p>
        {remove.error ? <Alert tone="error">{remove.error.message}</Alert> : null}
      </ConfirmDialog>
    </Card>
  );
}
