'use client';
// The two confirmations of the tenant's deployments page. Approving asks the
// admin to confirm they compared the fingerprint with the vendor's (read out or
// sent outside the broker); removing says what it means for the proxies.
import { useState } from 'react';
import type { TTenantDeployment } from '@/lib/client/api';
import { Fingerprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Checkbox } from '@/components/ui/checkbox';

const nameOf = (d: TTenantDeployment | null) => d?.name ?? 'the deleted deployment';

export function ApproveDialog({ target, count, onConfirm, onCancel }: { target: TTenantDeployment | null; count: number; onConfirm: () => void; onCancel: () => void }) {
  // Starts unticked for each deployment the dialog opens for.
  const [checked, setChecked] = useState<{ kid: string; hint: boolean } | null>(null);
  const ticked = !!target && checked?.kid === target.kid && !checked.hint;
  const hint = !!target && checked?.kid === target.kid && checked.hint;
  return (
    <ConfirmDialog
      open={!!target}
      title={`Approve ${nameOf(target)}?`}
      confirmLabel="Approve and re-seal"
      onConfirm={() => (ticked ? onConfirm() : setChecked({ kid: target?.kid ?? '', hint: true }))}
      onCancel={onCancel}
    >
      <p>
        Compare all 8 groups of this fingerprint with the ones the vendor gave you for {nameOf(target)}{target?.environment ? ` (${target.environment})` : ''}, by
        phone or another channel than this broker. Approve only if every group matches.
      </p>
      {target ? <Fingerprint jwk={target.publicJwk} label={`Key fingerprint of ${nameOf(target)}`} size={56} /> : null}
      <p>
        Approving re-seals your {count === 1 ? 'configuration' : `${count} configurations`} in this browser so that this deployment can decrypt
        them, and signs a new tenant state that lists it.
      </p>
      <label className="flex items-start gap-2">
        <Checkbox className="mt-0.5 size-4" checked={ticked} onCheckedChange={(value) => setChecked(value ? { kid: target?.kid ?? '', hint: false } : null)} />
        <span>I compared the fingerprint with the vendor’s and every group matches</span>
      </label>
      {hint ? <p className="text-sm text-red-700 dark:text-red-400">Tick the box once you have compared the fingerprint.</p> : null}
    </ConfirmDialog>
  );
}

export function RemoveDialog({ target, count, onConfirm, onCancel }: { target: TTenantDeployment | null; count: number; onConfirm: () => void; onCancel: () => void }) {
  return (
    <ConfirmDialog open={!!target} title={`Remove ${nameOf(target)}?`} confirmLabel="Remove and re-seal" tone="danger" onConfirm={onConfirm} onCancel={onCancel}>
      <Alert tone="warning" title="The deployment loses access to new versions">
        Your {count === 1 ? 'configuration is' : `${count} configurations are`} re-sealed without it. It keeps what it already decrypted;
        if it may be compromised, also rotate the credentials inside your KMS and SIEM settings.
      </Alert>
    </ConfirmDialog>
  );
}
