'use client';
// The "Invite an operator" form: mails a one-time link with which a colleague
// creates an operator account. Checked with the API's own schema first.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { ZInvite } from '@/lib/schemas/operator';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { errorMessage } from './query-state';
import { useOperatorForm } from './use-operator-form';

export function InviteOperatorForm() {
  const queryClient = useQueryClient();
  const form = useOperatorForm(ZInvite, { email: '' });
  const [outcome, setOutcome] = useState<{ email: string; mailed: boolean } | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const invite = useMutation({
    mutationFn: (email: string) => api.inviteOperator(email),
    onSuccess: ({ mailed }, email) => {
      setOutcome({ email, mailed });
      form.reset();
      // The invitation joins the list and its mail the outbox.
      void queryClient.invalidateQueries({ queryKey: operatorKeys.operators() });
      void queryClient.invalidateQueries({ queryKey: operatorKeys.outbox() });
    },
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setOutcome(null);
    setFormError(null);
    const body = form.validate();
    if (!body) return;
    // Handled here rather than in useMutation's options: these callbacks run in the same render as the
    // end of the pending state, so the fieldset is enabled again when focus moves to the first bad field.
    invite.mutate(body.email, {
      onError: (error) => {
        if (!form.showServerErrors(error)) setFormError(errorMessage(error));
      },
    });
  }

  return (
    <div className="space-y-4">
      {outcome ? (
        outcome.mailed ? (
          <Alert tone="success">Invitation sent to {outcome.email}.</Alert>
        ) : (
          <Alert tone="warning" title={`The invitation to ${outcome.email} was created, but the mail could not be sent.`}>
            The Outbox shows why. Once mail works, use Resend in the invitations list to send a fresh link.
          </Alert>
        )
      ) : null}
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      <form id={form.formId} onSubmit={onSubmit} noValidate aria-label="Invite an operator">
        <fieldset disabled={invite.isPending} className="flex flex-wrap items-start gap-4">
          <Field
            label="Email"
            help="They get a link to create their operator account. It works once and expires after 7 days."
            type="email"
            autoComplete="off"
            spellCheck={false}
            className="min-w-64 flex-1"
            {...form.bind('email')}
          />
          <Button type="submit" className="sm:mt-6" busy={invite.isPending} busyLabel="Sending invitation…">
            Send invitation
          </Button>
        </fieldset>
      </form>
    </div>
  );
}
