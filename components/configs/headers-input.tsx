'use client';
// A list of HTTP header name/value rows. Values of a secret field (a bearer
// token is the usual case) are masked like any other credential.
import { Button } from '@/components/ui/button';
import { INPUT_CLASS, inputBorder } from './field-shell';
import { SecretInput } from './secret-controls';
import type { TFormErrors, THeaderRow } from './settings-form';

type THeadersInputProps = {
  id: string;
  fieldName: string;
  label: string;
  /** Appended to button names, e.g. " of Production SIEM". */
  context: string;
  rows: THeaderRow[];
  secret: boolean;
  errors: TFormErrors;
  disabled?: boolean;
  onChange: (rows: THeaderRow[]) => void;
};

export function HeadersInput({ id, fieldName, label, context, rows, secret, errors, disabled, onChange }: THeadersInputProps) {
  const set = (index: number, patch: Partial<THeaderRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const remove = (index: number) => onChange(rows.length > 1 ? rows.filter((_, i) => i !== index) : [{ name: '', value: '' }]);
  return (
    <div className="space-y-2">
      {rows.map((row, i) => {
        const nameId = `${id}-${i}-name`;
        const valueId = `${id}-${i}-value`;
        const nameError = errors[`${fieldName}.${i}.name`];
        const valueError = errors[`${fieldName}.${i}.value`];
        const valueName = `${label} ${i + 1} value${context}`;
        return (
          <div key={i} className="grid gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_auto] dark:border-slate-800">
            <div className="space-y-1">
              <input
                id={nameId}
                aria-label={`${label} ${i + 1} name`}
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? `${nameId}-error` : undefined}
                placeholder="Header name"
                autoComplete="off"
                spellCheck={false}
                disabled={disabled}
                value={row.name}
                onChange={(e) => set(i, { name: e.target.value })}
                className={`${INPUT_CLASS} ${inputBorder(nameError)} font-mono`}
              />
              {nameError ? (
                <p id={`${nameId}-error`} className="text-sm text-red-700 dark:text-red-400">
                  {nameError}
                </p>
              ) : null}
            </div>
            <div className="space-y-1">
              {secret ? (
                <SecretInput
                  control={{ id: valueId, 'aria-describedby': valueError ? `${valueId}-error` : undefined, 'aria-invalid': valueError ? true : undefined }}
                  name={valueName}
                  fieldName={`${fieldName}-${i}-value`}
                  value={row.value}
                  multiline={false}
                  error={valueError}
                  disabled={disabled}
                  placeholder="Value"
                  onChange={(value) => set(i, { value })}
                />
              ) : (
                <input
                  id={valueId}
                  aria-invalid={valueError ? true : undefined}
                  aria-describedby={valueError ? `${valueId}-error` : undefined}
                  placeholder="Value"
                  autoComplete="off"
                  disabled={disabled}
                  value={row.value}
                  onChange={(e) => set(i, { value: e.target.value })}
                  className={`${INPUT_CLASS} ${inputBorder(valueError)} font-mono`}
                />
              )}
              {/* The value input is named by this hidden label; SecretInput's buttons carry their own names. */}
              <label htmlFor={valueId} className="sr-only">
                {`${label} ${i + 1} value`}
              </label>
              {valueError ? (
                <p id={`${valueId}-error`} className="text-sm text-red-700 dark:text-red-400">
                  {valueError}
                </p>
              ) : null}
            </div>
            <Button variant="ghost" className="self-start" disabled={disabled} onClick={() => remove(i)} aria-label={`Remove ${label.toLowerCase()} ${i + 1}${context}`}>
              Remove
            </Button>
          </div>
        );
      })}
      <Button variant="secondary" disabled={disabled} onClick={() => onChange([...rows, { name: '', value: '' }])} aria-label={`Add a row to ${label.toLowerCase()}${context}`}>
        Add a header
      </Button>
    </div>
  );
}
