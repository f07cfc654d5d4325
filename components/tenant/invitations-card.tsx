'use client';
// Inviting further administrators of this tenant, and the open invitations.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field } from '@/components/ui/field';
import { api, type TInvitation } from '@/lib/client/api';
import { fieldErrors } from '@/lib/client/fetchers';
import { tenantKeys } from '@/lib/client/query-keys';
import { ZEmail } from '@/lib/schemas/account';

function stateOf(i: TInvitation): { label: string; tone: 'success' | 'warning' | 'neutral' | 'danger' } {
  if (i.acceptedAt) return { label: 'Accepted', tone: 'success' };
  if (i.revokedAt) return { label: 'Revoked', tone: 'neutral' };
  if (new Date(i.expiresAt) < new Date()) return { label: 'Expired', tone: 'danger' };
  return { label: 'Open', tone: 'warning' };
}

export function InvitationsCard({ tenant }: { tenant: string }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ tone: 'success' | 'warning'; text: string } | null>(null);
  const invitations = useQuery({ queryKey: tenantKeys.invitations(tenant), queryFn: () => api.tenantInvitations(tenant) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenantKeys.invitations(tenant) });
  const invite = useMutation({
    mutationFn: (to: string) => api.inviteAdmin(tenant, to),
    onSuccess: async (result, to) => {
      setEmail('');
      setNotice(result.mailed ? { tone: 'success', text: `Invitation sent to ${to}.` } : { tone: 'warning', text: `The invitation to ${to} was created, but the mail could not be sent. Use Resend.` });
      await refresh();
    },
    onError: (e) => setError(fieldErrors(e).email ?? e.message),
  });
  const resend = useMutation({ mutationFn: (id: string) => api.resendTenantInvitation(tenant, id), onSuccess: refresh });
  const revoke = useMutation({ mutationFn: (id: string) => api.revokeTenantInvitation(tenant, id), onSuccess: refresh });

  function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const parsed = ZEmail.safeParse(email);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message);
    setError(undefined);
    invite.mutate(parsed.data);
  }

  return (
    <Card id="invitations" title="Invite an administrator" description="They choose their own passphrase; you then confirm them by comparing key fingerprints.">
      <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-3">
        <Field className="min-w-64 flex-1" label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={error} />
        <Button type="submit" busy={invite.isPending}>
          Send invitation
        </Button>
      </form>
      {notice ? <div className="mt-3"><Alert tone={notice.tone}>{notice.text}</Alert></div> : null}
      {resend.error || revoke.error ? <div className="mt-3"><Alert tone="error">{(resend.error ?? revoke.error)?.message}</Alert></div> : null}
      {invitations.data && invitations.data.invitations.length > 0 ? (
        <table className="mt-4 w-full text-left text-sm">
          <caption className="sr-only">Invitations</caption>
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-800">
              <th scope="col" className="py-2 pr-4">Email</th>
              <th scope="col" className="py-2 pr-4">State</th>
              <th scope="col" className="py-2 pr-4">Sent</th>
              <th scope="col" className="py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {invitations.data.invitations.map((i) => {
              const state = stateOf(i);
              const open = state.label === 'Open' || state.label === 'Expired';
              return (
                <tr key={i.id} className="border-b border-slate-100 dark:border-slate-900">
                  <td className="py-2 pr-4">{i.email}</td>
                  <td className="py-2 pr-4"><Badge tone={state.tone}>{state.label}</Badge></td>
                  <td className="py-2 pr-4">{i.sendCount}×, last <DateTime at={i.lastSentAt} /></td>
                  <td className="py-2 text-right whitespace-nowrap">
                    {open ? (
                      <>
                        <Button variant="ghost" onClick={() => resend.mutate(i.id)} aria-label={`Resend invitation to ${i.email}`}>Resend</Button>
                        {state.label === 'Open' ? <Button variant="ghost" onClick={() => revoke.mutate(i.id)} aria-label={`Revoke invitation to ${i.email}`}>Revoke</Button> : null}
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </Card>
  );
}
