'use client';
// The operator console's API tokens page: make a token for the vendor API
// (shown once, with a copy button), and the list of tokens with their scope,
// expiry and last use, each revocable after a confirmation.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { API_TOKEN_SCOPES, MAX_TOKEN_DAYS, TOKEN_EXPIRY_PRESETS, ZApiTokenName, type TApiTokenRow, type TCreatedApiToken } from '@/lib/schemas/api-tokens';
import { useLeaveWarning } from '@/components/deployments/use-leave-warning';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field, SelectField } from '@/components/ui/field';
import { DateTime } from '@/components/ui/date-time';
import { errorMessage, LoadError, LoadingState, TABLE, TableScroller, TD, TH } from './query-state';
import { useOperatorForm } from './use-operator-form';

const DAY_MS = 86_400_000;

/** The form's strings → the API body; a custom date means the end of that day, in the operator's time zone. */
const ZTokenForm = z
  .object({ name: ZApiTokenName, scope: z.enum(API_TOKEN_SCOPES, { error: 'Choose read or write.' }), expiry: z.string(), date: z.string() })
  .transform((form, ctx) => {
    const at = form.expiry === 'date' ? new Date(`${form.date}T23:59:59`) : new Date(Date.now() + Number(form.expiry) * DAY_MS);
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now() || at.getTime() > Date.now() + MAX_TOKEN_DAYS * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['date'], message: `Choose a date from tomorrow up to ${MAX_TOKEN_DAYS} days ahead.` });
      return z.NEVER;
    }
    return { name: form.name, scope: form.scope, expiresAt: at.toISOString() };
  });

export function ApiTokensView() {
  const tokens = useQuery({ queryKey: operatorKeys.apiTokens(), queryFn: api.apiTokens });
  const [created, setCreated] = useState<TCreatedApiToken | null>(null);

  return (
    <div className="space-y-8">
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens for the vendor API (<code>/api/v1/vendor</code>), so your own systems can onboard tenants and follow deployments. A read
            token may list and get; a write token may also create, suspend, resume and re-invite. See the{' '}
            <Link className="underline" href="/operator/api-docs">
              API docs
            </Link>
            .
          </>
        }
      />
      {created ? <NewTokenPanel created={created} onDone={() => setCreated(null)} /> : null}
      <Card id="api-tokens" title="All tokens">
        {tokens.isPending ? (
          <LoadingState>Loading API tokens…</LoadingState>
        ) : tokens.isError ? (
          <LoadError title="Could not load API tokens." error={tokens.error} retrying={tokens.isFetching} onRetry={() => void tokens.refetch()} />
        ) : tokens.data.apiTokens.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No API tokens yet. Make the first one below.</p>
        ) : (
          <TokensTable rows={tokens.data.apiTokens} />
        )}
      </Card>
      {created ? null : (
        <Card id="new-api-token" title="New API token">
          <CreateTokenForm onCreated={setCreated} />
        </Card>
      )}
    </div>
  );
}

const LEAVE = 'The new API token has not been copied. It cannot be shown again. Leave anyway?';

function NewTokenPanel({ created, onDone }: { created: TCreatedApiToken; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useLeaveWarning(!copied, LEAVE);
  return (
    <div className="space-y-4" data-testid="new-api-token">
      <Alert tone="warning" title={`Token “${created.apiToken.name}” created — copy it now`}>
        It is shown only this once: the broker keeps only a hash of it. Store it as a secret of the system that calls the API, and send it
        as <code>Authorization: Bearer …</code>.
      </Alert>
      <Field label="API token" readOnly value={created.token} className="font-mono" spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
      <div className="flex flex-wrap items-center gap-3">
        <Button
          onClick={() =>
            navigator.clipboard.writeText(created.token).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          Copy token
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Done
        </Button>
        <span role="status" className="text-sm">
          {copied === true ? 'Copied to the clipboard.' : copied === false ? 'Copying failed: select the token and copy it yourself.' : ''}
        </span>
      </div>
    </div>
  );
}

function stateBadge(row: TApiTokenRow) {
  if (row.state === 'revoked') return <Badge tone="danger">Revoked</Badge>;
  if (row.state === 'expired') return <Badge tone="warning">Expired</Badge>;
  return <Badge tone="success">Active</Badge>;
}

function TokensTable({ rows }: { rows: TApiTokenRow[] }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<TApiTokenRow | null>(null);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const revoke = useMutation({
    mutationFn: (row: TApiTokenRow) => api.revokeApiToken(row.id),
    onSuccess: (_r, row) => {
      setMessage({ tone: 'success', text: `Token “${row.name}” revoked. Its next request gets 401.` });
      void queryClient.invalidateQueries({ queryKey: operatorKeys.apiTokens() });
    },
    onError: (error) => setMessage({ tone: 'error', text: errorMessage(error) }),
    onSettled: () => setConfirm(null),
  });
  return (
    <div className="space-y-4">
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      <TableScroller label="API tokens table">
        <table className={TABLE}>
          <caption className="sr-only">API tokens with their scope, expiry and last use</caption>
          <thead>
            <tr>
              <th scope="col" className={TH}>Name</th>
              <th scope="col" className={TH}>Scope</th>
              <th scope="col" className={TH}>State</th>
              <th scope="col" className={TH}>Expires</th>
              <th scope="col" className={TH}>Last used</th>
              <th scope="col" className={TH}>Created</th>
              <th scope="col" className={TH}><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <th scope="row" className={`${TD} font-medium`}>{row.name}</th>
                <td className={TD}>{row.scope === 'write' ? 'Read and write' : 'Read'}</td>
                <td className={TD}>{stateBadge(row)}</td>
                <td className={TD}><DateTime at={row.expiresAt} /></td>
                <td className={TD}>{row.lastUsedAt ? <DateTime at={row.lastUsedAt} /> : 'Never'}</td>
                <td className={TD}>
                  <DateTime at={row.createdAt} />
                  {row.createdBy ? <span className="block text-xs text-slate-600 dark:text-slate-400">by {row.createdBy}</span> : null}
                </td>
                <td className={`${TD} text-right`}>
                  {row.state === 'revoked' ? null : (
                    <Button variant="secondary" onClick={() => setConfirm(row)} aria-label={`Revoke ${row.name}`}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroller>
      <ConfirmDialog
        open={confirm !== null}
        title={`Revoke “${confirm?.name ?? ''}”?`}
        confirmLabel="Revoke token"
        tone="danger"
        busy={revoke.isPending}
        onConfirm={() => confirm && revoke.mutate(confirm)}
        onCancel={() => setConfirm(null)}
      >
        <p>Every system using this token gets 401 from its next request on. This cannot be undone; make a new token instead.</p>
      </ConfirmDialog>
    </div>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (created: TCreatedApiToken) => void }) {
  const queryClient = useQueryClient();
  const form = useOperatorForm(ZTokenForm, { name: '', scope: 'read', expiry: '90', date: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const create = useMutation({ mutationFn: api.createApiToken });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    const body = form.validate();
    if (!body) return;
    create.mutate(body, {
      onSuccess: (created) => {
        form.reset();
        onCreated(created);
        void queryClient.invalidateQueries({ queryKey: operatorKeys.apiTokens() });
      },
      onError: (error) => {
        if (!form.showServerErrors(error)) setFormError(errorMessage(error));
      },
    });
  }

  return (
    <div className="space-y-4">
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      <form id={form.formId} onSubmit={onSubmit} noValidate aria-label="New API token">
        <fieldset disabled={create.isPending} className="grid gap-4 sm:grid-cols-2">
          <Field label="Name" help="What uses it, like “billing sync”." autoComplete="off" {...form.bind('name')} />
          <SelectField
            label="Scope"
            {...form.bind('scope')}
            options={[
              { value: 'read', label: 'Read — list and get' },
              { value: 'write', label: 'Write — also create, suspend, resume, re-invite' },
            ]}
          />
          <SelectField
            label="Expires"
            {...form.bind('expiry')}
            options={[...TOKEN_EXPIRY_PRESETS.map((d) => ({ value: String(d), label: d === 365 ? 'In 1 year' : `In ${d} days` })), { value: 'date', label: 'On a date…' }]}
          />
          {form.values.expiry === 'date' ? <Field label="Expiry date" type="date" help={`At most ${MAX_TOKEN_DAYS} days ahead.`} {...form.bind('date')} /> : <div />}
          <div className="sm:col-span-2">
            <Button type="submit" busy={create.isPending} busyLabel="Creating token…">
              Create token
            </Button>
          </div>
        </fieldset>
      </form>
    </div>
  );
}
