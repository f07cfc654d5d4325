'use client';
// The "New proxy deployment" form. The deployment's key pair is made in this
// browser; only the public key is sent. The broker answers with the API key,
// once, and the browser offers the credentials file — API key and private
// key — for download, checked against the schema proxies read it with.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '@/lib/client/api';
import { ApiError } from '@/lib/client/fetchers';
import { buildCredentials, newDeploymentKeyPair } from '@/lib/client/deployment-credentials';
import { operatorKeys } from '@/lib/client/query-keys';
import { ZCreateDeployment } from '@/lib/schemas/deployments';
import { errorMessage } from '@/components/operator/query-state';
import { useEnvironmentChoice } from '@/components/operator/use-environment-choice';
import { useOperatorForm } from '@/components/operator/use-operator-form';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, SelectField } from '@/components/ui/field';
import { CredentialsPanel, type TNewCredentials } from './credentials-panel';

const ZForm = ZCreateDeployment.pick({ name: true, environmentId: true });

export function CreateDeploymentForm() {
  const queryClient = useQueryClient();
  const environments = useEnvironmentChoice('A proxy deployment serves the tenants of one environment.');
  const form = useOperatorForm(ZForm, { name: '', environmentId: '' });
  const [created, setCreated] = useState<TNewCredentials | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: async (body: { name: string; environmentId: string }): Promise<TNewCredentials> => {
      const pair = await newDeploymentKeyPair();
      const answer = await api.createDeployment({ ...body, publicJwk: pair.publicJwk });
      const credentials = await buildCredentials(answer, pair);
      // The fingerprint to read to tenant admins is of the key made here, not of the broker's echo of it.
      return { name: answer.deployment.name, publicJwk: pair.publicJwk, credentials };
    },
    onSuccess: (result) => {
      setCreated(result);
      form.reset();
      void queryClient.invalidateQueries({ queryKey: operatorKeys.deployments() });
    },
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    const body = form.validate();
    if (!body) return;
    create.mutate(body, {
      onError: (error) => {
        if (!form.showServerErrors(error)) setFormError(error instanceof ApiError || !(error instanceof Error) ? errorMessage(error) : error.message);
      },
    });
  }

  if (created) return <CredentialsPanel created={created} onDone={() => setCreated(null)} />;

  return (
    <div className="space-y-4">
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      {environments.notice}
      <form id={form.formId} onSubmit={onSubmit} noValidate aria-label="New proxy deployment">
        <fieldset disabled={create.isPending || environments.unavailable} className="grid gap-4 sm:grid-cols-2">
          <Field label="Deployment name" help="The cluster of key proxies, like prod-eu." autoComplete="off" spellCheck={false} {...form.bind('name')} />
          <SelectField label="Environment" options={environments.options} {...form.bind('environmentId')} />
          <p className="max-w-[80ch] text-sm text-slate-600 sm:col-span-2 dark:text-slate-400">
            This browser makes the deployment’s decryption key. Only its public half is sent to the broker; the private half goes into a
            credentials file you download once.
          </p>
          <div className="sm:col-span-2">
            <Button type="submit" busy={create.isPending} busyLabel="Creating the key and the deployment…">
              Create deployment
            </Button>
          </div>
        </fieldset>
      </form>
    </div>
  );
}
