'use client';
// Suspend / resume and the deletion flow of one tenant (detail page). Deletion
// is two steps on the server — a request, then after 36 hours the deletion
// itself — and the last step needs the tenant id typed in exactly.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import type { TTenantDetail } from '@/lib/schemas/tenant-detail';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { DateTime } from '@/components/ui/date-time';
import { errorMessage } from './query-state';

type TNotice = { tone: 'success' | 'error'; text: string };

export function TenantActions({ detail }: { detail: TTenantDetail }) {
  const { tenant, deletion } = detail;
  const queryClient = useQueryClient();
  const router = useRouter();
  const [notice, setNotice] = useState<TNotice | null>(null);
  const [dialog, setDialog] = useState<'suspend' | 'delete' | null>(null);
  const [typed, setTyped] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: operatorKeys.tenants() });
  const mutation = (fn: () => Promise<unknown>, success: string) =>
    ({
      mutationFn: fn,
      onSuccess: () => setNotice({ tone: 'success', text: success }),
      onError: (error: unknown) => setNotice({ tone: 'error', text: errorMessage(error) }),
      onSettled: () => {
        setDialog(null);
        return refresh();
      },
    }) as const;

  const suspend = useMutation(mutation(() => api.suspendTenant(tenant.externalId), `${tenant.externalId} is suspended. Its proxies now receive it as suspended and serve none of its configurations.`));
  const resume = useMutation(mutation(() => api.resumeTenant(tenant.externalId), `${tenant.externalId} is resumed; its proxies serve its configurations again.`));
  const request = useMutation(mutation(() => api.requestTenantDeletion(tenant.externalId), 'Deletion requested. It can be carried out 36 hours from now.'));
  const cancel = useMutation(mutation(() => api.cancelTenantDeletion(tenant.externalId), 'Deletion request cancelled.'));
  const remove = useMutation({
    mutationFn: () => api.deleteTenant(tenant.externalId, typed),
    onSuccess: async () => {
      await refresh();
      router.push('/operator');
    },
    onError: (error: unknown) => {
      setNotice({ tone: 'error', text: errorMessage(error) });
      setDialog(null);
    },
  });

  return (
    <div className="space-y-4">
      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      <div className="flex flex-wrap gap-3">
        {tenant.status === 'suspended' ? (
          <Button busy={resume.isPending} onClick={() => { setNotice(null); resume.mutate(); }}>Resume tenant</Button>
        ) : (
          <Button variant="secondary" onClick={() => { setNotice(null); setDialog('suspend'); }}>Suspend tenant</Button>
        )}
        {deletion.requestedAt === null ? (
          <Button variant="secondary" busy={request.isPending} onClick={() => { setNotice(null); request.mutate(); }}>Request deletion</Button>
        ) : (
          <>
            <Button variant="secondary" busy={cancel.isPending} onClick={() => { setNotice(null); cancel.mutate(); }}>Cancel deletion request</Button>
            <Button variant="danger" onClick={() => { setNotice(null); setTyped(''); setDialog('delete'); }}>Delete tenant…</Button>
          </>
        )}
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {deletion.configCount > 0
          ? `Deletion is possible only when the tenant has no configurations left (it has ${deletion.configCount}); its admins disable and delete them.`
          : deletion.eligibleAt
            ? deletion.eligible
              ? <>Deletion was requested on <DateTime at={deletion.requestedAt as string} />; the 36-hour wait is over.</>
              : <>Deletion was requested on <DateTime at={deletion.requestedAt as string} />; it can be carried out from <DateTime at={deletion.eligibleAt} />.</>
            : 'Deleting a tenant takes two steps: request it, then delete it at least 36 hours later, typing its id to confirm.'}
      </p>
      <ConfirmDialog
        open={dialog === 'suspend'}
        title={`Suspend ${tenant.externalId}?`}
        confirmLabel="Suspend tenant"
        tone="danger"
        busy={suspend.isPending}
        onConfirm={() => suspend.mutate()}
        onCancel={() => setDialog(null)}
      >
        <p>Every proxy deployment receives the tenant as suspended at once and stops serving its KMS and SIEM configurations. You can resume it later.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${tenant.externalId}?`}
        confirmLabel="Delete tenant for good"
        tone="danger"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => setDialog(null)}
      >
        <p>This removes the tenant, its admins’ memberships, invitations and history. It cannot be undone.</p>
        <Field label={`Type ${tenant.externalId} to confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
      </ConfirmDialog>
    </div>
  );
}
