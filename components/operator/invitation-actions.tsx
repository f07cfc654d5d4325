'use client';
// Resend and revoke for invitations listed in the operator console (tenant
// admins' on the tenants page, operators' on the operators page). One hook per
// page owns the single confirmation dialog and the outcome message, so rows
// only render their buttons.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { errorMessage } from './query-state';

/** `context` ends each button's accessible name, e.g. " for acme", so rows are told apart. */
export type TInvitationTarget = { id: string; email: string; context?: string };

type TNotice = { tone: 'success' | 'warning' | 'error'; text: string };

export function useInvitationActions(listKey: QueryKey) {
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<TNotice | null>(null);
  const [toRevoke, setToRevoke] = useState<TInvitationTarget | null>(null);

  const resend = useMutation({
    mutationFn: (target: TInvitationTarget) => api.resendInvitation(target.id),
    onSuccess: ({ mailed }, target) => {
      setNotice(
        mailed
          ? { tone: 'success', text: `Invitation sent again to ${target.email}. The earlier link no longer works.` }
          : { tone: 'warning', text: `A new link for ${target.email} was made, but the mail could not be sent. The Outbox shows why; try Resend again later.` },
      );
    },
    onError: (error, target) => setNotice({ tone: 'error', text: `Could not resend the invitation to ${target.email}: ${errorMessage(error)}` }),
    // A resend renews the expiry and the send count in the list, and writes a new mail to the outbox.
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: listKey }), queryClient.invalidateQueries({ queryKey: operatorKeys.outbox() })]),
  });

  const revoke = useMutation({
    mutationFn: (target: TInvitationTarget) => api.revokeInvitation(target.id),
    onSuccess: (_result, target) => {
      setNotice({ tone: 'success', text: `Invitation to ${target.email} revoked. Its link no longer works.` });
      setToRevoke(null);
    },
    onError: (error, target) => {
      setNotice({ tone: 'error', text: `Could not revoke the invitation to ${target.email}: ${errorMessage(error)}` });
      setToRevoke(null);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: listKey }),
  });

  function renderActions(target: TInvitationTarget) {
    const suffix = target.context ?? '';
    return (
      <div className="flex flex-wrap gap-2">
        <Button
          variant="secondary"
          aria-label={`Resend invitation to ${target.email}${suffix}`}
          busy={resend.isPending && resend.variables?.id === target.id}
          onClick={() => {
            setNotice(null);
            resend.mutate(target);
          }}
        >
          Resend
        </Button>
        <Button
          variant="secondary"
          aria-label={`Revoke invitation to ${target.email}${suffix}`}
          onClick={() => {
            setNotice(null);
            setToRevoke(target);
          }}
        >
          Revoke
        </Button>
      </div>
    );
  }

  const noticeElement = notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null;

  const dialog = (
    <ConfirmDialog
      open={toRevoke !== null}
      title="Revoke this invitation?"
      confirmLabel="Revoke invitation"
      tone="danger"
      busy={revoke.isPending}
      onConfirm={() => {
        if (toRevoke) revoke.mutate(toRevoke);
      }}
      onCancel={() => setToRevoke(null)}
    >
      <p>
        The link sent to <strong>{toRevoke?.email}</strong> stops working at once. You can invite this address again
        later.
      </p>
    </ConfirmDialog>
  );

  return { renderActions, notice: noticeElement, dialog };
}
