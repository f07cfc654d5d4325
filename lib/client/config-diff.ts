// What changed between two decrypted versions of one configuration, field by
// field in the provider's order, for the version history's comparison. Secret
// fields say only whether they changed: their values are compared here and
// never copied into the result, so no rendering of it can show them. Header
// lists compare header by header; header names are shown (the whole-version
// view shows them too), header values follow the field's secrecy.
import type { TFieldSpecWithCondition } from '@/lib/schemas/providers/common';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';

export type TDiffState = 'added' | 'removed' | 'changed' | 'unchanged';

type TRowBase = {
  /** Unique within one diff: the field name, `field:header` for a header, or `provider` / `name`. */
  key: string;
  label: string;
  /** For a header list: the header's name (the row is about that header). */
  item?: string;
  state: TDiffState;
};

/** A secret: whether it is set in either version, and the state. Never its value. */
export type TSecretDiffRow = TRowBase & { secret: true; isSet: boolean };
/** How a value reads: words (a select's choice, a name), a literal value, or a block of several lines. */
export type TDiffDisplay = 'words' | 'code' | 'block';
/** Anything else: the text shown for each version (null: not set). */
export type TPlainDiffRow = TRowBase & { secret: false; before: string | null; after: string | null; display: TDiffDisplay };
export type TDiffRow = TSecretDiffRow | TPlainDiffRow;

export type TConfigDiff = { rows: TDiffRow[]; providerChanged: boolean; changedCount: number };

/** One version: the provider its signed document names, its settings, and (optionally) its name in the listing. */
export type TDiffSide = { provider: TProvider; settings: Record<string, unknown>; name?: string };

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** JSON with sorted object keys, so two equal settings objects compare equal whatever their member order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function stateOf(before: unknown, after: unknown): TDiffState {
  const wasSet = !isUnset(before);
  const isSet = !isUnset(after);
  if (!wasSet && !isSet) return 'unchanged';
  if (!wasSet) return 'added';
  if (!isSet) return 'removed';
  return canonical(before) === canonical(after) ? 'unchanged' : 'changed';
}

function displayOf(field: TFieldSpec | undefined, texts: (string | null)[]): TDiffDisplay {
  if (texts.some((t) => t?.includes('\n')) || field?.input === 'json' || field?.input === 'pem' || field?.input === 'textarea') return 'block';
  return field?.input === 'select' ? 'words' : 'code';
}

/** How a non-secret value reads on screen: a select's option label, JSON pretty-printed, null when not set. */
function asText(field: TFieldSpec | undefined, value: unknown): string | null {
  if (isUnset(value)) return null;
  if (typeof value === 'string') return field?.input === 'select' ? (field.options?.find((o) => o.value === value)?.label ?? value) : value;
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/** A header list as [name, value] pairs: the stored object, or the form's rows. */
function headerPairs(value: unknown): [string, unknown][] {
  if (Array.isArray(value)) {
    return value.map((row) => [String((row as { name?: unknown })?.name ?? ''), (row as { value?: unknown })?.value] as [string, unknown]);
  }
  if (value !== null && typeof value === 'object') return Object.entries(value as Record<string, unknown>);
  return [];
}

/** Whether the version's form shows `field` (credential choices show only their own fields). */
function isShownIn(field: TFieldSpec | undefined, settings: Record<string, unknown>): boolean {
  if (!field) return false;
  const when = (field as TFieldSpecWithCondition).showWhen;
  return !when || settings[when.field] === when.equals;
}

function row(base: TRowBase, secret: boolean, before: { field?: TFieldSpec; value: unknown }, after: { field?: TFieldSpec; value: unknown }): TDiffRow {
  // A secret field says only "changed" or "unchanged": set or cleared counts as changed. (A header's row keeps
  // added/removed: it is about the header's name, which is shown; its value stays masked.)
  if (secret) {
    const state = base.item === undefined && (base.state === 'added' || base.state === 'removed') ? 'changed' : base.state;
    return { ...base, state, secret: true, isSet: !isUnset(before.value) || !isUnset(after.value) };
  }
  const beforeText = asText(before.field ?? after.field, before.value);
  const afterText = asText(after.field ?? before.field, after.value);
  return { ...base, secret: false, before: beforeText, after: afterText, display: displayOf(after.field ?? before.field, [beforeText, afterText]) };
}

function headerRows(name: string, label: string, secret: boolean, before: unknown, after: unknown): TDiffRow[] {
  const old = new Map(headerPairs(before));
  const next = new Map(headerPairs(after));
  const names = [...old.keys(), ...[...next.keys()].filter((n) => !old.has(n))];
  if (names.length === 0) return [row({ key: name, label, state: 'unchanged' }, secret, { value: undefined }, { value: undefined })];
  return names.map((header) => {
    const b = old.get(header);
    const a = next.get(header);
    // A header present with an empty value is still present: "added"/"removed" follow the name.
    const state: TDiffState = !old.has(header) ? 'added' : !next.has(header) ? 'removed' : stateOf(b, a);
    return row({ key: `${name}:${header}`, label, item: header, state }, secret, { value: b }, { value: a });
  });
}

/**
 * Compares `before` with `after` (an older version with the current one).
 * Rows: the provider, the name (when both are given), then every field shown
 * or set in either version — `after`'s provider's fields in order, then any
 * only `before`'s provider has. A field is secret when either provider marks
 * it so (a relabelled provider must not unmask a credential).
 */
export function diffVersions(before: TDiffSide, after: TDiffSide): TConfigDiff {
  const providerChanged = before.provider.id !== after.provider.id;
  const rows: TDiffRow[] = [
    {
      key: 'provider',
      label: 'Provider',
      state: providerChanged ? 'changed' : 'unchanged',
      secret: false,
      before: before.provider.label,
      after: after.provider.label,
      display: 'words',
    },
  ];
  if (before.name !== undefined && after.name !== undefined) {
    rows.push({ key: 'name', label: 'Name', state: before.name === after.name ? 'unchanged' : 'changed', secret: false, before: before.name, after: after.name, display: 'words' });
  }
  const names = [...after.provider.fields.map((f) => f.name), ...before.provider.fields.map((f) => f.name).filter((n) => !after.provider.fields.some((f) => f.name === n))];
  for (const name of names) {
    const beforeField = before.provider.fields.find((f) => f.name === name);
    const afterField = after.provider.fields.find((f) => f.name === name);
    const b = beforeField ? before.settings[name] : undefined;
    const a = afterField ? after.settings[name] : undefined;
    const shown = isShownIn(beforeField, before.settings) || isShownIn(afterField, after.settings);
    if (!shown && isUnset(b) && isUnset(a)) continue;
    const secret = beforeField?.secret === true || afterField?.secret === true;
    const label = (afterField ?? beforeField)!.label;
    if ((afterField ?? beforeField)!.input === 'headers') {
      rows.push(...headerRows(name, label, secret, b, a));
      continue;
    }
    rows.push(row({ key: name, label, state: stateOf(b, a) }, secret, { field: beforeField, value: b }, { field: afterField, value: a }));
  }
  return { rows, providerChanged, changedCount: rows.filter((r) => r.state !== 'unchanged').length };
}
