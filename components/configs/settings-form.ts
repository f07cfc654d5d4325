// Between a provider's settings object and what its form shows: every field
// as text (numbers and JSON too, so the provider schema gives the message),
// header lists as name/value rows. Zod issues become one message per field,
// or per header row cell, keyed `field` or `field.<row>.name|value`.
import type { z } from 'zod';
import type { TFieldSpecWithCondition } from '@/lib/schemas/providers/common';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';

export type THeaderRow = { name: string; value: string };
export type TFieldValue = string | THeaderRow[];
export type TFormValues = Record<string, TFieldValue>;
export type TFormErrors = Record<string, string>;

export const FORM_ERROR = '_form';

const emptyRow = (): THeaderRow => ({ name: '', value: '' });

/**
 * Fields that depend on a choice (AWS access keys or a role, Vault AppRole or
 * a token) are shown, validated and sealed only while that choice is made.
 */
export function isShown(field: TFieldSpec, values: TFormValues): boolean {
  const when = (field as TFieldSpecWithCondition).showWhen;
  return !when || values[when.field] === when.equals;
}

export function shownFields(provider: TProvider, values: TFormValues): TFieldSpec[] {
  return provider.fields.filter((f) => isShown(f, values));
}

export function emptyValues(provider: TProvider): TFormValues {
  return Object.fromEntries(provider.fields.map((f) => [f.name, f.input === 'headers' ? [emptyRow()] : '']));
}

function toText(field: TFieldSpec, value: unknown): TFieldValue {
  if (field.input === 'headers') {
    const entries =
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ name, value: String(v) }))
        : Array.isArray(value)
          ? (value as { name?: unknown; value?: unknown }[]).map((h) => ({ name: String(h.name ?? ''), value: String(h.value ?? '') }))
          : [];
    return entries.length > 0 ? entries : [emptyRow()];
  }
  if (value === undefined || value === null) return '';
  if (field.input === 'json') return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return typeof value === 'string' ? value : String(value);
}

/** The form's text for settings that were opened from a sealed version. */
export function toFormValues(provider: TProvider, settings: Record<string, unknown>): TFormValues {
  return Object.fromEntries(provider.fields.map((f) => [f.name, toText(f, settings[f.name])]));
}

/**
 * Settings to validate and seal. Blank optional fields are left out so the
 * schema's defaults apply; blank required ones are sent as '' so the schema
 * explains what to enter. JSON that does not parse is reported here.
 */
export function toSettings(provider: TProvider, values: TFormValues): { settings: Record<string, unknown>; errors: TFormErrors } {
  const settings: Record<string, unknown> = {};
  const errors: TFormErrors = {};
  for (const field of shownFields(provider, values)) {
    const raw = values[field.name];
    if (field.input === 'headers') {
      const rows = (Array.isArray(raw) ? raw : []).filter((r) => r.name.trim() !== '' || r.value.trim() !== '');
      if (rows.length > 0 || field.required) settings[field.name] = rows.map((r) => ({ name: r.name, value: r.value }));
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (field.required) settings[field.name] = '';
      continue;
    }
    if (field.input === 'number') {
      const n = Number(text.trim());
      // Not a number: the schema's own message ("a whole number from 1 to 65535") is the right one.
      settings[field.name] = /^[-+]?\d+(\.\d+)?$/.test(text.trim()) && Number.isFinite(n) ? n : text;
    } else if (field.input === 'json') {
      try {
        settings[field.name] = JSON.parse(text) as unknown;
      } catch {
        errors[field.name] = `Enter valid JSON, like ${field.example}.`;
      }
    } else {
      settings[field.name] = text;
    }
  }
  return { settings, errors };
}

/** Zod issues of `provider.schema` (or of the whole form) as messages at fields; the rest under FORM_ERROR. */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], provider: TProvider | undefined, prefix: readonly PropertyKey[] = []): TFormErrors {
  const errors: TFormErrors = {};
  const byName = new Map((provider?.fields ?? []).map((f) => [f.name, f]));
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const field = byName.get(String(path[0] ?? ''));
    let key = FORM_ERROR;
    if (field) {
      key = field.name;
      // A header row: [headers, 2, "name"]. A header object's key: [headers, "X-Name"] → the field itself.
      if (field.input === 'headers' && typeof path[1] === 'number') key = `${field.name}.${path[1]}.${path[2] === 'value' ? 'value' : 'name'}`;
    }
    errors[key] ??= issue.message;
  }
  return errors;
}

/** The first key with an error, in the order the form shows its fields. */
export function firstErrorKey(order: readonly string[], errors: TFormErrors): string | undefined {
  for (const name of order) {
    if (errors[name]) return name;
    const row = Object.keys(errors).find((k) => k.startsWith(`${name}.`));
    if (row) return row;
  }
  return undefined;
}

export function hasErrors(errors: TFormErrors): boolean {
  return Object.keys(errors).length > 0;
}
