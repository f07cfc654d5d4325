'use client';
// One secret path: its secrets newest first, with their state from the signed
// tenant state, the KMS configuration that wrapped each and when (and by which
// deployment) it was made. Rotate starts a new secret for the path; Archive
// retires one in rotation (after a confirmation, secrets-archive-dialog.tsx).
import { TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import type { TSecretPathView, TSecretView } from '@/lib/client/tenant-secrets';

const STATUS: Record<TSecretView['status'], { label: string; tone: 'success' | 'warning' | 'neutral' }> = {
  current: { label: 'Current', tone: 'success' },
  rotating: { label: 'In rotation', tone: 'warning' },
  archived: { label: 'Archived', tone: 'neutral' },
};

export function StatusBadge({ secret }: { secret: TSecretView }) {
  if (secret.status === 'current' && !secret.isMade) return <Badge tone="neutral">Not made yet</Badge>;
  const s = STATUS[secret.status];
  return <Badge tone={s.tone}>{s.label}</Badge>;
}

type Props = {
  path: TSecretPathView;
  busy: boolean;
  onRotate: (path: TSecretPathView) => void;
  onArchive: (path: TSecretPathView, secret: TSecretView) => void;
};

export function SecretPathTable({ path, busy, onRotate, onArchive }: Props) {
  const headingId = `secret-path-${encodeURIComponent(path.secretPath)}`;
  return (
    <section aria-labelledby={headingId} className="space-y-3" data-testid="secret-path">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id={headingId} className="text-lg font-semibold break-all">
          <span className="sr-only">Secret path </span>
          <code>{path.secretPath}</code>
        </h2>
        <div className="flex items-center gap-3">
          {!path.canRotate ? <p className="text-sm text-slate-600 dark:text-slate-400">Rotation opens once a proxy has made the current secret.</p> : null}
          <Button variant="secondary" disabled={busy || !path.canRotate} onClick={() => onRotate(path)} aria-label={`Rotate the secret of ${path.secretPath}`}>
            Rotate
          </Button>
        </div>
      </div>
      <TableScroller label={`Secrets of ${path.secretPath}`}>
        <table className={TABLE}>
          <caption className="sr-only">{`Secrets of path ${path.secretPath}, newest first: state, the KMS configuration that wrapped each, when it was made, and actions`}</caption>
          <thead>
            <tr>
              <th scope="col" className={TH}>Secret</th>
              <th scope="col" className={TH}>State</th>
              <th scope="col" className={TH}>Wrapped by</th>
              <th scope="col" className={TH}>Created</th>
              <th scope="col" className={TH}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {path.secrets.map((secret) => (
              <tr key={secret.tenantSecretId} data-testid={`secret-${secret.tenantSecretId}`}>
                <th scope="row" className={`${TD} font-medium`}>
                  Secret {secret.tenantSecretId}
                </th>
                <td className={TD}>
                  <StatusBadge secret={secret} />
                  {secret.problem ? <p className="mt-1 max-w-[40ch] text-sm text-red-700 dark:text-red-400">{secret.problem}</p> : null}
                </td>
                <td className={TD}>{wrappedBy(secret)}</td>
                <td className={TD}>
                  {secret.createdAt ? (
                    <>
                      <DateTime at={secret.createdAt} />
                      <span className="block text-slate-600 dark:text-slate-400">{secret.createdBy ? `by ${secret.createdBy}` : 'by a deployment since removed'}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className={`${TD} text-right`}>
                  {secret.status === 'rotating' ? (
                    <Button variant="secondary" className="px-3" disabled={busy} onClick={() => onArchive(path, secret)} aria-label={`Archive secret ${secret.tenantSecretId} of ${path.secretPath}`}>
                      Archive
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroller>
    </section>
  );
}

function wrappedBy(secret: TSecretView): string {
  if (secret.kmsConfigId === null) return '—';
  return secret.configLabel ?? `A KMS configuration no longer listed (id ${secret.kmsConfigId})`;
}
