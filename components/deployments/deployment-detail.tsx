'use client';
// One proxy deployment: its key fingerprint, its API keys, key rotation,
// disabling (the proxies get 401 at once) and deletion after the name is typed.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { DELIVERY_TEXT } from '@/lib/delivery-state';
import { api } from '@/lib/client/api';
import { appliedText } from '@/lib/client/console-text';
import { operatorKeys } from '@/lib/client/query-keys';
import type { TDeploymentApiKey, TDeploymentRow } from '@/lib/schemas/deployments';
import { Fingerprint } from '@/components/keys/fingerprint';
import { DateTime } from '@/components/ui/date-time';
import { errorMessage, LoadError, LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { Applied, DeliveryBadge, ErrorList, StatusBadge } from './deployment-parts';
import { RotateKeyCard } from './rotate-key-card';

export function DeploymentDetail({ id }: { id: string }) {
  const query = useQuery({ queryKey: operatorKeys.deployment(id), queryFn: () => api.deployment(id) });
  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/operator/deployments" className="text-brand-700 underline dark:text-brand-500">
          Proxy deployments
        </Link>
      </nav>
      {query.isPending ? (
        <LoadingState>Loading the deployment…</LoadingState>
      ) : query.isError ? (
        <LoadError title="Could not load the deployment." error={query.error} retrying={query.isFetching} onRetry={() => void query.refetch()} />
      ) : (
        <DetailBody deployment={query.data.deployment} />
      )}
    </div>
  );
}

function keyState(key: TDeploymentApiKey): ReactNode {
  if (key.revokedAt) return <>revoked <DateTime at={key.revokedAt} /></>;
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now()) return <>expired <DateTime at={key.expiresAt} /></>;
  return key.expiresAt ? <>valid until <DateTime at={key.expiresAt} /></> : 'valid';
}

function DetailBody({ deployment: d }: { deployment: TDeploymentRow }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [dialog, setDialog] = useState<'disable' | 'delete' | null>(null);
  const [typed, setTyped] = useState('');
  const [hint, setHint] = useState<string | undefined>();
  const [done, setDone] = useState<string | null>(null);

  const update = useMutation({
    mutationFn: (status: 'active' | 'disabled') => api.updateDeployment(d.id, { status }),
    onSuccess: (result) => {
      queryClient.setQueryData(operatorKeys.deployment(d.id), result);
      void queryClient.invalidateQueries({ queryKey: operatorKeys.deployments(), exact: true });
      setDialog(null);
      setDone(result.deployment.status === 'disabled' ? `${d.name} is disabled. Its API keys are refused from now on.` : `${d.name} is enabled again.`);
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteDeployment(d.id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: operatorKeys.deployment(d.id) });
      void queryClient.invalidateQueries({ queryKey: operatorKeys.deployments(), exact: true });
      router.push('/operator/deployments');
    },
  });
  const failure = update.error ?? remove.error;

  return (
    <div className="space-y-6">
      <PageHeader title={d.name} description={`Proxy deployment in ${d.environment.displayName} (${d.environment.slug})`} actions={<StatusBadge status={d.status} />} />
      {done ? <Alert tone="success">{done}</Alert> : null}
      {failure ? <Alert tone="error">{errorMessage(failure)}</Alert> : null}
      <Card id="key" title="Decryption key" description="Tenant admins compare this fingerprint before they approve the deployment.">
        <Fingerprint jwk={d.publicJwk} label={`Key fingerprint of ${d.name}`} size={56} />
        <dl className="mt-4 grid gap-2 text-sm sm:grid-cols-2">
          <dt className="font-medium">Created</dt>
          <dd><DateTime at={d.createdAt} /></dd>
          <dt className="font-medium">Last status report</dt>
          <dd>{d.lastStatusAt ? <DateTime at={d.lastStatusAt} /> : 'Never'}</dd>
          <dt className="font-medium">Delivery</dt>
          <dd>
            <DeliveryBadge state={d.delivery} lastReportAt={d.lastStatusAt} />
            <span className="mt-1 block text-slate-700 dark:text-slate-300">{DELIVERY_TEXT[d.delivery].explanation}</span>
          </dd>
          <dt className="font-medium">Applied</dt>
          <dd>
            <Applied row={d} />
            {/* The raw cursor, for support: the list shows it on hover only. */}
            <span className="block font-mono text-xs text-slate-600 dark:text-slate-400">{appliedText(d).cursor}</span>
          </dd>
          <dt className="font-medium">Tenants approved</dt>
          <dd>
            {d.tenantsApproved} of {d.tenantsInEnvironment}
          </dd>
          <dt className="font-medium">Errors reported</dt>
          <dd>
            <ErrorList count={d.errorCount} errors={d.errors} name={d.name} />
          </dd>
        </dl>
      </Card>
      <Card id="api-keys" title="API keys">
        <TableScroller label="API keys table">
          <table className={TABLE}>
            <caption className="sr-only">API keys of {d.name}</caption>
            <thead>
              <tr>
                <th scope="col" className={TH}>Created</th>
                <th scope="col" className={TH}>State</th>
                <th scope="col" className={TH}>Last used</th>
              </tr>
            </thead>
            <tbody>
              {d.apiKeys.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <td className={TD}><DateTime at={key.createdAt} /></td>
                  <td className={TD}>{keyState(key)}</td>
                  <td className={TD}>{key.lastUsedAt ? <DateTime at={key.lastUsedAt} /> : 'Never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      </Card>
      <RotateKeyCard id={d.id} name={d.name} />
      <Card id="danger" title="Disable or delete">
        <div className="flex flex-wrap gap-3">
          {d.status === 'active' ? (
            <Button variant="secondary" onClick={() => setDialog('disable')}>
              Disable deployment
            </Button>
          ) : (
            <Button variant="secondary" busy={update.isPending} busyLabel="Enabling…" onClick={() => update.mutate('active')}>
              Enable deployment
            </Button>
          )}
          <Button
            variant="danger"
            onClick={() => {
              setTyped('');
              setHint(undefined);
              setDialog('delete');
            }}
          >
            Delete deployment
          </Button>
        </div>
      </Card>
      <ConfirmDialog
        open={dialog === 'disable'}
        title={`Disable ${d.name}?`}
        confirmLabel="Disable"
        tone="danger"
        busy={update.isPending}
        onConfirm={() => update.mutate('disabled')}
        onCancel={() => setDialog(null)}
      >
        <p>Takes effect at once: every API key of this deployment is refused (401), so its proxies stop receiving updates. They keep the last configurations they have. You can enable it again.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${d.name} permanently?`}
        confirmLabel="Delete permanently"
        tone="danger"
        busy={remove.isPending}
        onConfirm={() => (typed.trim() === d.name ? remove.mutate() : setHint(`Type ${d.name} exactly to delete.`))}
        onCancel={() => setDialog(null)}
      >
        <Alert tone="warning" title="This cannot be undone">
          Its API keys stop working at once and its key is forgotten. Tenants that approved it keep it in their signed state until they remove it.
        </Alert>
        <Field label={`Type “${d.name}” to confirm`} autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} error={hint} />
      </ConfirmDialog>
    </div>
  );
}
