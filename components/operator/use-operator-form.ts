'use client';
// Form state for the operator console's forms: typed values, one error per
// field from the browser's zod check or the server's field issues, and focus
// moved to the first field that needs attention after a failed submit (so a
// keyboard or screen-reader user lands on the problem, not on a silent page).
import { useEffect, useId, useState, type ChangeEvent } from 'react';
import type { z } from 'zod';
import { fieldErrors } from '@/lib/client/fetchers';

type TErrors<K extends string> = Partial<Record<K, string>>;

export function useOperatorForm<K extends string, TOut>(schema: z.ZodType<TOut>, initial: Record<K, string>) {
  // Found by id rather than a ref: the form object is read during render, where refs may not be.
  const formId = useId();
  const [values, setValues] = useState<Record<K, string>>(initial);
  const [errors, setErrors] = useState<TErrors<K>>({});
  // A fresh object per failed submit, so the same field is focused again on a repeated failure.
  const [focusRequest, setFocusRequest] = useState<{ name: K } | null>(null);
  const names = Object.keys(initial) as K[];

  useEffect(() => {
    // Runs after the error text is rendered, so aria-describedby already points at it when focus lands.
    if (!focusRequest) return;
    const form = document.getElementById(formId);
    const element = form instanceof HTMLFormElement ? form.elements.namedItem(focusRequest.name) : null;
    if (element instanceof HTMLElement) element.focus();
  }, [focusRequest, formId]);

  function showErrors(next: TErrors<K>) {
    setErrors(next);
    const first = names.find((name) => next[name]);
    setFocusRequest(first ? { name: first } : null);
  }

  /** Checks the values with the shared schema; returns what to send, or null after showing the errors. */
  function validate(): TOut | null {
    const result = schema.safeParse(values);
    if (result.success) {
      setErrors({});
      return result.data;
    }
    const next: TErrors<K> = {};
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '') as K;
      if (names.includes(name)) next[name] ??= issue.message;
    }
    showErrors(next);
    return null;
  }

  /** Shows a failed request's field issues at the fields; false when none belong to this form. */
  function showServerErrors(error: unknown): boolean {
    const fromServer = fieldErrors(error);
    const next: TErrors<K> = {};
    for (const name of names) if (fromServer[name]) next[name] = fromServer[name];
    if (!names.some((name) => next[name])) return false;
    showErrors(next);
    return true;
  }

  function reset() {
    setValues(initial);
    setErrors({});
  }

  /** Props for a Field or SelectField bound to `name`. */
  function bind(name: K) {
    return {
      name,
      value: values[name],
      error: errors[name],
      onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
        const value = event.target.value;
        setValues((current) => ({ ...current, [name]: value }));
      },
    };
  }

  return { formId, values, errors, bind, validate, showServerErrors, reset };
}
