'use client';
// The tenant's secrets for deterministic keys, per secret path: what the
// signed tenant state says of each (verified in this browser) merged with
// what the broker stores (lib/client/tenant-secrets.ts). Rotate and Archive
// sign the next tenant state here; nothing secret is shown or sent.
import Link from 'next/link';
import { useState } from 'react';
import { ChangeFailed, LoadFailed } from '@/components/configs/config-alerts';
import { TenantKeysPage } from '@/components/configs/tenant-keys-gate';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { RolledBackError, type TTenantContext } from '@/lib/client/configs';
import { tenantHref } from '@/lib/client/tenant-sections';
import type { TSecretAction } from '@/lib/client/tenant-secrets';
import { ArchiveSecretDialog } from './secrets-archive-dialog';
import { SecretPathTable } from './secrets-table';
import { useSecretChange, useSecretsPage, type TSecretsPage } from './use-secrets';

export const NO_SECRETS = 'No secrets yet: a proxy makes one the first time your vendor’s application asks for a deterministic key.';

export function SecretsOverview({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  return (
    <TenantKeysPage
      tenant={tenant}
      tenantName={tenantName}
      section="secrets"
      title="Deterministic keys"
      description="The secrets your vendor’s proxies derive deterministic (searchable) encryption keys from, one set per secret path. Each is made in a proxy and wrapped by your primary KMS configuration; the broker keeps only the wrapped form. You decide when a path rotates and when an old secret is archived."
    >
      {(ctx) => <SecretsBody tenant={tenant} ctx={ctx} />}
    </TenantKeysPage>
  );
}

type TPending = { action: TSecretAction; base: TSecretsPage };

function SecretsBody({ tenant, ctx }: { tenant: string; ctx: TTenantContext }) {
  const page = useSecretsPage(tenant, ctx);
  const change = useSecretChange(tenant, ctx);
  const [pending, setPending] = useState<TPending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (page.isPending) return <LoadingState>Loading and verifying the secrets…</LoadingState>;
  if (page.isError && page.error instanceof RolledBackError) {
    return (
      <Alert tone="error" title="The broker shows an older state than you have seen">
        <p>{page.error.message}</p>
        <p className="mt-2">
          Re-issue the state on the <Link className="font-medium underline" href={tenantHref(tenant, 'configs')}>Configurations</Link> page before changing any secret.
        </p>
      </Alert>
    );
  }
  if (page.isError) return <LoadFailed title="The secrets could not be shown" error={page.error} retrying={page.isFetching} onRetry={() => void page.refetch()} />;

  const data = page.data;
  const run = ({ action, base }: TPending) => {
    setPending(null);
    setDone(null);
    change.mutate(
      { base, action },
      {
        onSuccess: ({ seq }) =>
          setDone(
            action.type === 'rotate'
              ? `Rotation of ${action.secretPath} started (change ${seq}). A proxy makes the new secret the next time it is asked for a key of this path.`
              : `Secret ${action.tenantSecretId} of ${action.secretPath} archived (change ${seq}). Proxies stop using it once they apply the change.`,
          ),
      },
    );
  };
  const problems = data.paths.some((p) => p.secrets.some((s) => s.problem));
  const rotating = pending?.action.type === 'rotate' ? pending.action : null;
  const archiving = pending?.action.type === 'archive' ? pending.action : null;

  return (
    <div className="space-y-8">
      {change.isPending ? (
        <p role="status" aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
          Signing the new tenant state and saving it…
        </p>
      ) : null}
      {change.isError ? <ChangeFailed error={change.error} onReload={() => void page.refetch()} reloading={page.isFetching} /> : null}
      {done ? <Alert tone="success">{done}</Alert> : null}
      {problems ? (
        <Alert tone="error" title="Some secrets at the broker do not match your signed state">
          Proxies refuse a secret whose stored form does not match what you signed, so keys of it are not served. Nothing was changed. The rows below say which.
        </Alert>
      ) : null}
      {data.paths.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-6 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">{NO_SECRETS}</p>
      ) : (
        data.paths.map((path) => (
          <SecretPathTable
            key={path.secretPath}
            path={path}
            busy={change.isPending || page.isFetching}
            onRotate={(p) => setPending({ action: { type: 'rotate', secretPath: p.secretPath }, base: data })}
            onArchive={(p, s) => setPending({ action: { type: 'archive', secretPath: p.secretPath, tenantSecretId: s.tenantSecretId }, base: data })}
          />
        ))
      )}
      <ConfirmDialog
        open={!!rotating}
        title={`Rotate the secret of ${rotating?.secretPath ?? ''}?`}
        confirmLabel="Start rotation"
        onConfirm={() => pending && run(pending)}
        onCancel={() => setPending(null)}
      >
        <p>
          A proxy makes a new current secret for this path the next time it is asked for a key of it. New data is encrypted under the new secret. The
          old one stays in rotation: data encrypted under it can still be read and found until you archive it.
        </p>
      </ConfirmDialog>
      <ArchiveSecretDialog target={archiving} onConfirm={() => pending && run(pending)} onCancel={() => setPending(null)} />
    </div>
  );
}
