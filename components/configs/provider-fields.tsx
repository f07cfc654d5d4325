'use client';
// Renders a provider's fields from its TFieldSpec list: text, textarea,
// select, number, JSON, PEM (pasted or read from a file in this browser — it
// is never uploaded as a file) and header rows. Secret fields are masked
// with Show/Hide and Copy.
import { useState, type ChangeEvent } from 'react';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';
import { fieldNote, fieldNotice } from './field-notes';
import { FieldShell, INPUT_CLASS, inputBorder, type TControlProps } from './field-shell';
import { HeadersInput } from './headers-input';
import { SecretInput } from './secret-controls';
import { shownFields, type TFieldValue, type TFormErrors, type TFormValues, type THeaderRow } from './settings-form';

type TProviderFieldsProps = {
  provider: TProvider;
  values: TFormValues;
  errors: TFormErrors;
  /** The DOM id of a field or header cell, by error key. */
  idFor: (key: string) => string;
  /** The configuration's label, to name buttons ("Show API key of Production KMS"). */
  configLabel: string;
  disabled?: boolean;
  onChange: (name: string, value: TFieldValue) => void;
};

const MAX_PEM_FILE = 65_536;

function PemFile({ field, context, disabled, onLoad }: { field: TFieldSpec; context: string; disabled?: boolean; onLoad: (text: string) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  async function read(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_PEM_FILE) return setProblem('This file is larger than 64 KiB; choose the PEM file itself.');
    const text = await file.text();
    if (!text.includes('-----BEGIN')) return setProblem('This file is not in PEM form (it has no -----BEGIN line).');
    setProblem(null);
    onLoad(text.trim());
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <label className="inline-flex cursor-pointer items-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50 has-[:focus-visible]:outline-2 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800">
        Read from file
        <input
          type="file"
          accept=".pem,.crt,.cer,.key,text/plain,application/x-pem-file"
          className="sr-only"
          disabled={disabled}
          aria-label={`Read ${field.label} from a file${context}`}
          onChange={(e) => void read(e)}
        />
      </label>
      {problem ? (
        <span role="alert" className="text-sm text-red-700 dark:text-red-400">
          {problem}
        </span>
      ) : null}
    </span>
  );
}

function FieldControl({ field, control, value, error, context, disabled, onChange }: {
  field: TFieldSpec;
  control: TControlProps;
  value: string;
  error?: string;
  context: string;
  disabled?: boolean;
  onChange: (value: string) => void;
}) {
  const name = `${field.label}${context}`;
  const multiline = field.input === 'textarea' || field.input === 'json' || field.input === 'pem';
  const placeholder = field.input === 'pem' || field.secret ? undefined : `e.g. ${field.example}`;
  const pemFile = field.input === 'pem' ? <PemFile field={field} context={context} disabled={disabled} onLoad={onChange} /> : null;
  if (field.secret) {
    return (
      <SecretInput
        control={control}
        name={name}
        fieldName={field.name}
        value={value}
        multiline={multiline}
        error={error}
        disabled={disabled}
        onChange={onChange}
        extra={pemFile}
      />
    );
  }
  const className = `${INPUT_CLASS} ${inputBorder(error)}`;
  if (field.input === 'select') {
    const unset = field.required ? 'Choose…' : (fieldNote(field.name)?.unset ?? 'Not set (use the default)');
    const options = [{ value: '', label: unset }, ...(field.options ?? [])];
    return (
      <select {...control} name={field.name} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} className={className}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  if (multiline) {
    return (
      <div className="space-y-2">
        <textarea
          {...control}
          name={field.name}
          value={value}
          disabled={disabled}
          rows={field.input === 'textarea' ? 3 : 6}
          spellCheck={false}
          autoComplete="off"
          placeholder={field.input === 'json' ? `e.g. ${field.example}` : placeholder}
          onChange={(e) => onChange(e.target.value)}
          className={`${className} font-mono text-xs`}
        />
        {pemFile}
      </div>
    );
  }
  return (
    <input
      {...control}
      name={field.name}
      value={value}
      disabled={disabled}
      type="text"
      inputMode={field.input === 'number' ? 'numeric' : undefined}
      autoComplete="off"
      spellCheck={false}
      placeholder={placeholder}
      onChange={(e) => onChange(e.target.value)}
      className={className}
    />
  );
}

export function ProviderFields({ provider, values, errors, idFor, configLabel, disabled, onChange }: TProviderFieldsProps) {
  const context = configLabel.trim() ? ` of ${configLabel.trim()}` : '';
  return (
    <div className="space-y-5">
      {shownFields(provider, values).map((field) => {
        const value = values[field.name];
        const error = errors[field.name];
        if (field.input === 'headers') {
          return (
            <FieldShell key={field.name} as="legend" id={idFor(field.name)} label={field.label} help={field.help} error={error} required={field.required}>
              {() => (
                <HeadersInput
                  id={idFor(field.name)}
                  fieldName={field.name}
                  label={field.label}
                  context={context}
                  rows={Array.isArray(value) ? value : []}
                  secret={field.secret}
                  errors={errors}
                  disabled={disabled}
                  onChange={(rows: THeaderRow[]) => onChange(field.name, rows)}
                />
              )}
            </FieldShell>
          );
        }
        const notice = fieldNote(field.name) ? { text: fieldNotice(field.name, value) } : undefined;
        return (
          <FieldShell key={field.name} id={idFor(field.name)} label={field.label} help={field.help} error={error} required={field.required} notice={notice}>
            {(control) => (
              <FieldControl
                field={field}
                control={control}
                value={typeof value === 'string' ? value : ''}
                error={error}
                context={context}
                disabled={disabled}
                onChange={(v) => onChange(field.name, v)}
              />
            )}
          </FieldShell>
        );
      })}
    </div>
  );
}
