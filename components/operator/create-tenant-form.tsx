'use client';
// The "New tenant" form: creates a tenant in an environment and invites its
// first admin, whose browser will later create the tenant's keys. Checked in
// the browser with the same schema the API uses; server issues land at the
// same fields.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { ZNewTenant } from '@/lib/schemas/operator';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, SelectField } from '@/components/ui/field';
import { errorMessage } from './query-state';
import { useEnvironmentChoice } from './use-environment-choice';
import { useOperatorForm } from './use-operator-form';

type TOutcome = { externalId: string; email: string; mailed: boolean };

export function CreateTenantForm() {
  const queryClient = useQueryClient();
  const form = useOperatorForm(ZNewTenant, { externalId: '', displayName: '', environmentId: '', adminEmail: '' });
  const [outcome, setOutcome] = useState<TOutcome | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: api.createTenant,
    onSuccess: (result, body) => {
      setOutcome({ externalId: result.externalId, email: body.adminEmail, mailed: result.mailed });
      form.reset();
      // The list gains a row, its environment's tenant count changes, and the invitation mail is in the outbox.
      void queryClient.invalidateQueries({ queryKey: operatorKeys.tenants() });
      void queryClient.invalidateQueries({ queryKey: operatorKeys.environments() });
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
    create.mutate(body, {
      onError: (error) => {
        if (!form.showServerErrors(error)) setFormError(errorMessage(error));
      },
    });
  }

  const environments = useEnvironmentChoice('Every tenant belongs to an environment, a deployment region of your application such as prod-eu.');

  return (
    <div className="space-y-4">
      {outcome ? (
        outcome.mailed ? (
          <Alert tone="success">
            Tenant {outcome.externalId} created; invitation sent to {outcome.email}.
          </Alert>
        ) : (
          <Alert tone="warning" title={`Tenant ${outcome.externalId} created, but the invitation mail to ${outcome.email} could not be sent.`}>
            The Outbox shows why. Once mail works, use Resend in the tenants table to send a fresh link.
          </Alert>
        )
      ) : null}
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      {environments.notice}
      <form id={form.formId} onSubmit={onSubmit} noValidate aria-label="New tenant">
        <fieldset disabled={create.isPending || environments.unavailable} className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Tenant id"
            help="The id your application uses for this customer, e.g. acme-corp."
            autoComplete="off"
            spellCheck={false}
            {...form.bind('externalId')}
          />
          <Field label="Display name" help="Shown to operators and to the tenant’s admins." autoComplete="off" {...form.bind('displayName')} />
          <SelectField label="Environment" options={environments.options} {...form.bind('environmentId')} />
          <Field
            label="First admin’s email"
            help="They get an invitation to set up the tenant’s keys in their browser."
            type="email"
            autoComplete="off"
            spellCheck={false}
            {...form.bind('adminEmail')}
          />
          <div className="sm:col-span-2">
            <Button type="submit" busy={create.isPending} busyLabel="Creating tenant…">
              Create tenant and send invitation
            </Button>
          </div>
        </fieldset>
      </form>
    </div>
  );
}
