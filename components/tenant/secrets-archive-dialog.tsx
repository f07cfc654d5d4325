'use client';
// The confirmation before archiving a secret. Archiving cannot be undone and
// makes data encrypted under the secret unreadable, so the admin must tick
// that they understand before the button does anything.
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';

export const ARCHIVE_WARNING =
  'Data encrypted under this secret becomes unreadable, and searches no longer find it. Proxies stop using the secret as soon as they apply the change. This cannot be undone.';

type Props = { target: { secretPath: string; tenantSecretId: number } | null; onConfirm: () => void; onCancel: () => void };

export function ArchiveSecretDialog({ target, onConfirm, onCancel }: Props) {
  const key = target ? `${target.secretPath}\u0000${target.tenantSecretId}` : '';
  // Starts unticked for each secret the dialog opens for.
  const [form, setForm] = useState({ key: '', understood: false, hint: false });
  const { understood, hint } = form.key === key ? form : { understood: false, hint: false };
  return (
    <ConfirmDialog
      open={!!target}
      title={`Archive secret ${target?.tenantSecretId ?? ''} of ${target?.secretPath ?? ''}?`}
      confirmLabel="Archive secret"
      tone="danger"
      onConfirm={() => (understood ? onConfirm() : setForm({ key, understood, hint: true }))}
      onCancel={onCancel}
    >
      <Alert tone="warning" title="Data encrypted under this secret becomes unreadable">
        {ARCHIVE_WARNING} Archive it only once every record encrypted under it has been encrypted again under the current secret.
      </Alert>
      <label className="flex items-start gap-2">
        <Checkbox className="mt-0.5 size-4" checked={understood} onCheckedChange={(value) => setForm({ key, understood: value, hint: false })} />
        <span>I understand that data encrypted under this secret can no longer be read or found.</span>
      </label>
      {hint && !understood ? <p className="text-sm text-red-700 dark:text-red-400">Tick the box to archive the secret.</p> : null}
    </ConfirmDialog>
  );
}
