'use client';
// The confirmations of the overview's actions. Disabling the primary asks
// which configuration takes over (or none, with what that means for new
// encryptions); deleting asks for the label to be typed, since data
// encrypted under a deleted KMS configuration may never be decrypted again.
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { KIND_TEXT } from './kind-text';
import type { TConfigView } from './use-configs';
import { Checkbox } from '@/components/ui/checkbox';

// Dialogs close as soon as the admin confirms: the table shows the change at once and any failure above it.
type TDialogBase = { onCancel: () => void };

export function PrimaryDialog({ target, current, onConfirm, ...base }: TDialogBase & { target: TConfigView | null; current: TConfigView | undefined; onConfirm: () => void }) {
  const text = target ? KIND_TEXT[target.kind] : KIND_TEXT.kms;
  return (
    <ConfirmDialog open={!!target} title={`Make ${target?.label ?? ''} the primary ${text.name} configuration?`} confirmLabel="Make primary" onConfirm={onConfirm} onCancel={base.onCancel}>
      <p>
        {text.primaryMeans} {current ? `${current.label} stays active but is no longer primary.` : ''}
      </p>
    </ConfirmDialog>
  );
}

export function DisableDialog({
  target,
  candidates,
  onConfirm,
  ...base
}: TDialogBase & { target: TConfigView | null; candidates: TConfigView[]; onConfirm: (successor: string | null) => void }) {
  // A fresh choice for each configuration the dialog opens for: the first active candidate, or none.
  const [choice, setChoice] = useState<{ forId: string; successor: string } | null>(null);
  const successor = choice && choice.forId === target?.id ? choice.successor : (candidates[0]?.id ?? '');
  const setSuccessor = (id: string) => setChoice({ forId: target?.id ?? '', successor: id });
  const text = target ? KIND_TEXT[target.kind] : KIND_TEXT.kms;
  const isPrimary = !!target?.isPrimary;
  return (
    <ConfirmDialog
      open={!!target}
      title={`Disable ${target?.label ?? ''}?`}
      confirmLabel="Disable"
      tone="danger"
     
      onConfirm={() => onConfirm(isPrimary && successor ? successor : null)}
      onCancel={base.onCancel}
    >
      <p>{text.disableMeans}</p>
      {isPrimary ? (
        <fieldset className="space-y-2">
          <legend className="font-medium">{`${target?.label} is the primary ${text.name} configuration. Which one becomes primary?`}</legend>
          {candidates.map((c) => (
            <label key={c.id} className="flex items-center gap-2">
              <input type="radio" name="successor" className="size-4" checked={successor === c.id} onChange={() => setSuccessor(c.id)} />
              <span>{c.label}</span>
            </label>
          ))}
          <label className="flex items-center gap-2">
            <input type="radio" name="successor" className="size-4" checked={successor === ''} onChange={() => setSuccessor('')} />
            <span>None — leave no primary {text.name} configuration</span>
          </label>
          {successor === '' ? (
            <Alert tone="warning" title={`No primary ${text.name} configuration`}>
              {text.noPrimaryMeans}
            </Alert>
          ) : null}
        </fieldset>
      ) : null}
    </ConfirmDialog>
  );
}

export function DeleteDialog({ target, onConfirm, ...base }: TDialogBase & { target: TConfigView | null; onConfirm: () => void }) {
  // Starts empty for each configuration the dialog opens for.
  const blank = { forId: target?.id ?? '', typed: '', understood: false, hint: undefined as string | undefined };
  const [form, setForm] = useState(blank);
  const { typed, understood, hint } = form.forId === blank.forId ? form : blank;
  const update = (patch: Partial<typeof blank>) => setForm({ ...blank, typed, understood, hint, ...patch });
  const setTyped = (value: string) => update({ typed: value });
  const setUnderstood = (value: boolean) => update({ understood: value });
  const setHint = (value: string) => update({ hint: value });
  const text = target ? KIND_TEXT[target.kind] : KIND_TEXT.kms;
  const ready = !!target && typed.trim() === target.label.trim() && understood;
  return (
    <ConfirmDialog
      open={!!target}
      title={`Delete ${target?.label ?? ''} permanently?`}
      confirmLabel="Delete permanently"
      tone="danger"
     
      onConfirm={() => (ready ? onConfirm() : setHint(`Type ${target?.label ?? 'the name'} exactly and tick the box to delete.`))}
      onCancel={base.onCancel}
    >
      <Alert tone="warning" title="This cannot be undone">
        {text.deleteMeans} Every version of it is removed from the broker and from the key proxies.
      </Alert>
      <Field label={`Type “${target?.label ?? ''}” to confirm`} autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} error={hint && typed.trim() !== target?.label.trim() ? hint : undefined} />
      <label className="flex items-start gap-2">
        <Checkbox className="mt-0.5 size-4" checked={understood} onCheckedChange={setUnderstood} />
        <span>{text.deleteAcknowledge}</span>
      </label>
      {hint && typed.trim() === target?.label.trim() && !understood ? <p className="text-sm text-red-700 dark:text-red-400">{hint}</p> : null}
    </ConfirmDialog>
  );
}
