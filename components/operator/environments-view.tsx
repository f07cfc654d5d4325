'use client';
// The operator console's environments page: the deployment regions of the
// vendor's application (prod-eu, …) with their tenant counts, and the form
// that adds one. Tenants cannot be created before an environment exists.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type TEnvironment } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { ZNewEnvironment } from '@/lib/schemas/operator';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { errorMessage, LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';
import { useOperatorForm } from './use-operator-form';

export function EnvironmentsView() {
  const environments = useQuery({ queryKey: operatorKeys.environments(), queryFn: api.environments });

  return (
    <div className="space-y-8">
      <PageHeader
        title="Environments"
        description="Deployment regions of your application, like prod-eu. Every tenant and every proxy deployment belongs to exactly one."
      />
      <Card id="environments" title="All environments">
        {environments.isPending ? (
          <LoadingState>Loading environments…</LoadingState>
        ) : environments.isError ? (
          <LoadError
            title="Could not load environments."
            error={environments.error}
            retrying={environments.isFetching}
            onRetry={() => void environments.refetch()}
          />
        ) : environments.data.environments.length === 0 ? (
          <div className="space-y-2 text-sm text-slate-600 dark:text-slate-400">
            <p className="font-medium text-slate-900 dark:text-slate-100">No environments yet.</p>
            <p>
              An environment is a deployment region of your application, such as prod-eu or staging. Tenants are
              created in one, and the key proxies of that region serve them. Create the first one below.
            </p>
          </div>
        ) : (
          <EnvironmentsTable rows={environments.data.environments} />
        )}
      </Card>
      <Card id="new-environment" title="New environment">
        <CreateEnvironmentForm />
      </Card>
    </div>
  );
}

function EnvironmentsTable({ rows }: { rows: TEnvironment[] }) {
  return (
    <TableScroller label="Environments table">
      <table className={TABLE}>
        <caption className="sr-only">Environments and how many tenants each has</caption>
        <thead>
          <tr>
            <th scope="col" className={TH}>Slug</th>
            <th scope="col" className={TH}>Name</th>
            <th scope="col" className={`${TH} text-right`}>Tenants</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((environment) => (
            <tr key={environment.id}>
              <th scope="row" className={`${TD} font-mono font-medium`}>
                {environment.slug}
              </th>
              <td className={TD}>{environment.displayName}</td>
              <td className={`${TD} text-right tabular-nums`}>{environment.tenantCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}

function CreateEnvironmentForm() {
  const queryClient = useQueryClient();
  const form = useOperatorForm(ZNewEnvironment, { slug: '', displayName: '' });
  const [created, setCreated] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: api.createEnvironment,
    onSuccess: (_result, body) => {
      setCreated(body.slug);
      form.reset();
      void queryClient.invalidateQueries({ queryKey: operatorKeys.environments() });
    },
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(null);
    setFormError(null);
    const body = form.validate();
    if (!body) return;
    // Handled here rather than in useMutation's options: these callbacks run in the same render as the
    // end of the pending state, so the fieldset is enabled again when focus moves to the first bad field.
    // A taken slug comes back as a field issue on `slug` and is shown there.
    create.mutate(body, {
      onError: (error) => {
        if (!form.showServerErrors(error)) setFormError(errorMessage(error));
      },
    });
  }

  return (
    <div className="space-y-4">
      {created ? <Alert tone="success">Environment {created} created.</Alert> : null}
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      <form id={form.formId} onSubmit={onSubmit} noValidate aria-label="New environment">
        <fieldset disabled={create.isPending} className="grid gap-4 sm:grid-cols-2">
          <Field label="Slug" help="Lower-case, like prod-eu" autoComplete="off" spellCheck={false} {...form.bind('slug')} />
          <Field label="Display name" help="Shown to operators, e.g. Production (EU)." autoComplete="off" {...form.bind('displayName')} />
          <div className="sm:col-span-2">
            <Button type="submit" busy={create.isPending} busyLabel="Creating environment…">
              Create environment
            </Button>
          </div>
        </fieldset>
      </form>
    </div>
  );
}
