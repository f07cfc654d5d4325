'use client';
// A labelled input with help text and an error message tied to it for screen readers.
// Text typed before the page became interactive is in the input but not in the
// form's state; on mount a controlled field hands it to its onChange, so it is
// neither lost nor refused as empty.
import { useEffect, useId, useRef, type ChangeEvent, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import { HELP_TEXT } from './help-text';
import { Select } from './select';

export type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  ref?: Ref<HTMLInputElement>;
  label: string;
  help?: ReactNode;
  error?: string;
  /** A control drawn inside the input's right edge (a Show/Hide button); the input leaves room for it. */
  addon?: ReactNode;
};

function useAdoptEarlyInput(inputId: string, value: unknown, onChange: FieldProps['onChange']) {
  const first = useRef({ value, onChange });
  useEffect(() => {
    const input = document.getElementById(inputId);
    const { value: initial, onChange: handler } = first.current;
    if (!(input instanceof HTMLInputElement) || !handler || typeof initial !== 'string') return;
    if (input.value === initial || input.value === '' || input.type === 'checkbox' || input.type === 'radio' || input.type === 'file') return;
    handler({ target: input, currentTarget: input } as ChangeEvent<HTMLInputElement>);
  }, [inputId]);
}

export type InputProps = InputHTMLAttributes<HTMLInputElement> & { ref?: Ref<HTMLInputElement> };

/** An input without a label of its own (the caller labels it) that keeps text typed before hydration, as Field does. */
export function Input({ id, ...input }: InputProps) {
  const generated = useId();
  const inputId = id ?? generated;
  useAdoptEarlyInput(inputId, input.value, input.onChange);
  return <input id={inputId} {...input} />;
}

export function Field({ label, help, error, id, className = '', addon, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  useAdoptEarlyInput(inputId, input.value, input.onChange);
  const helpId = help ? `${inputId}-help` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const control = (
    <input
      id={inputId}
      aria-invalid={error ? true : undefined}
      aria-describedby={[helpId, errorId].filter(Boolean).join(' ') || undefined}
      className={`block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm dark:bg-slate-900 ${addon ? 'pr-20' : ''} ${
        error ? 'border-red-600 dark:border-red-500' : 'border-slate-300 dark:border-slate-700'
      }`}
      {...input}
    />
  );
  return (
    <div className={`space-y-1 ${className}`}>
      <label htmlFor={inputId} className="block text-sm font-medium">
        {label}
      </label>
      {addon ? (
        <div className="relative">
          {control}
          {addon}
        </div>
      ) : (
        control
      )}
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
    </div>
  );
}

export function SelectField({
  label,
  error,
  options,
  id,
  ...select
}: React.SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string; options: { value: string; label: string }[] }) {
  const generated = useId();
  const selectId = id ?? generated;
  const errorId = error ? `${selectId}-error` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={selectId} className="block text-sm font-medium">
        {label}
      </label>
      <Select
        id={selectId}
        aria-invalid={error ? true : undefined}
        aria-describedby={errorId}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
      {error ? (
        <p id={errorId} className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}
