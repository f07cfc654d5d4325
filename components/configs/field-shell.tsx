// The label, help and error around a provider field, for controls that the
// ui/ Field cannot hold (textareas, inputs with buttons, groups of rows). The
// control gets the ids that tie the help, notice and error text to it.
import type { ReactNode } from 'react';
import { HELP_TEXT } from '@/components/ui/help-text';
import { LiveFieldNotice } from './field-notice';

export type TControlProps = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true };

export const INPUT_CLASS = 'block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm dark:bg-slate-900';
export const inputBorder = (error?: string) => (error ? 'border-red-600 dark:border-red-500' : 'border-slate-300 dark:border-slate-700');

export function FieldShell({
  id,
  label,
  help,
  error,
  required,
  notice,
  children,
  as = 'label',
}: {
  id: string;
  label: string;
  help?: ReactNode;
  error?: string;
  required?: boolean;
  /** For fields with a notice (field-notes.ts): its text while shown. Absent for fields that have none. */
  notice?: { text: string | undefined };
  /** `legend` for groups of controls (header rows), whose fieldset names them. */
  as?: 'label' | 'legend';
  children: (control: TControlProps) => ReactNode;
}) {
  const helpId = help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const noticeId = notice?.text ? `${id}-notice` : undefined;
  const describedBy = [noticeId, helpId, errorId].filter(Boolean).join(' ') || undefined;
  const caption = (
    <>
      {label}
      {required ? null : <span className="ml-1 font-normal text-slate-500 dark:text-slate-400">(optional)</span>}
    </>
  );
  const body = (
    <>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {notice ? <LiveFieldNotice id={`${id}-notice`} text={notice.text} /> : null}
      {help ? (
        <p id={helpId} className={HELP_TEXT}>
          {help}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </>
  );
  if (as === 'legend') {
    return (
      <fieldset id={id} tabIndex={-1} aria-describedby={describedBy} className="space-y-1 outline-none">
        <legend className="block text-sm font-medium">{caption}</legend>
        {body}
      </fieldset>
    );
  }
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {caption}
      </label>
      {body}
    </div>
  );
}
