'use client';
// The tenant's administrators. Confirming a pending admin happens only after
// the confirming admin has compared the new admin's key fingerprint with what
// the new admin sees; their browser then wraps the tenant keys to that key.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Fingerprint, useThumbprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { api, type TTenantAdmin } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import { wrapTenantKeysFor } from '@/lib/client/session-keys';
import { Checkbox } from '@/components/ui/checkbox';

export function AdminsCard({ tenant, userId }: { tenant: string; userId: string }) {
  const queryClient = useQueryClient();
  const admins = useQuery({ queryKey: tenantKeys.admins(tenant), queryFn: () => api.tenantAdmins(tenant) });
  const [confirming, setConfirming] = useState<TTenantAdmin | null>(null);
  const [removing, setRemoving] = useState<TTenantAdmin | null>(null);
  const [compared, setCompared] = useState(false);
  const confirmingThumbprint = useThumbprint(confirming?.adminPublicJwk);

  const confirm = useMutation({
    mutationFn: async (admin: TTenantAdmin) => {
      const { wrapped, signingKid } = await wrapTenantKeysFor(userId, tenant, admin.adminPublicJwk);
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

  const confirmedCount = admins.data?.admins.filter((a) => a.status === 'confirmed').length ?? 0;

  return (
    <Card id="admins" title="Administrators" description="Everyone who can unlock this tenant’s keys, and those waiting to be confirmed.">
      {admins.isPending ? <p aria-busy="true">Loading administrators…</p> : null}
      {admins.error ? <Alert tone="error">{admins.error.message}</Alert> : null}
      {admins.data ? (
        <table className="w-full text-left text-sm">
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
                  {admin.isMe ? <span className="ml-2 text-xs text-slate-500">(you)</span> : null}
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
                    <Button onClick={() => { confirm.reset(); setCompared(false); setConfirming(admin); }} aria-label={`Verify and confirm ${admin.email}`}>
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
      ) : null}
      <ConfirmDialog
        open={!!confirming}
        title={`Confirm ${confirming?.email ?? ''}`}
        confirmLabel="Confirm and share the tenant keys"
        busy={confirm.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (!compared || !confirming || !confirmingThumbprint) return;
          confirm.mutate(confirming);
        }}
      >
        <p>
          Ask {confirming?.email} to open their tenant page and read you the fingerprint they see — by phone or in person, not by mail. It must
          match all 8 groups below. If it does not, someone may be impersonating them: do not confirm.
        </p>
        {confirming ? <Fingerprint jwk={confirming.adminPublicJwk} label={`Key fingerprint of ${confirming.email}`} size={72} /> : null}
        <label className="flex items-start gap-2">
          <Checkbox className="mt-0.5 size-4" checked={compared} onCheckedChange={setCompared} />
          <span>I compared all 8 groups with {confirming?.email} and they match.</span>
        </label>
        {!compared && confirm.isIdle ? <p className="text-xs text-slate-500">Tick the box to confirm.</p> : null}
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
