// How the audit tables write their values: where an email or id may wrap,
// an event's details as a key/value list, a short preview of them, and the
// kinds of targets in words. Pure, so the pages and the tests share them.

/**
 * A long email or id split where a line may break: before `.`, `@`, `-`, `_`,
 * `+` and `/` (as style guides break addresses), never inside a word. The
 * table renders a <wbr> between the pieces; with `break-all` it used to cut
 * "alice@exam|ple.com" anywhere. A piece under 4 characters stays with its
 * neighbour, so an id's prefix (`usr_…`) or a short ending (`.io`) is not left
 * alone on a line.
 */
export function wrapSegments(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/(?=[.@\-_+/])/).filter(Boolean)) {
    const last = out.at(-1);
    if (last !== undefined && last.length < 4) out[out.length - 1] = last + piece;
    else out.push(piece);
  }
  if (out.length > 1 && (out.at(-1) as string).length < 4) {
    const tail = out.pop() as string;
    out[out.length - 1] += tail;
  }
  return out;
}

export type TDetailEntry = { key: string; value: string };

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  return String(value);
}

/**
 * Every detail as a key/value pair, nested objects and arrays flattened into
 * paths (`errors[0].code`) so nothing is cut; a list of plain values stays on
 * one line. Details hold ids, kinds, versions and counts — never a secret
 * (lib/server/audit/record.ts refuses one before it is stored).
 */
export function detailEntries(details: unknown): TDetailEntry[] {
  const out: TDetailEntry[] = [];
  const walk = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      if (value.length === 0) return void out.push({ key, value: 'none' });
      if (value.every((v) => v === null || typeof v !== 'object')) return void out.push({ key, value: value.map(scalar).join(', ') });
      value.forEach((v, i) => walk(v, `${key}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0 && key) return void out.push({ key, value: 'none' });
      for (const [k, v] of entries) walk(v, key ? `${key}.${k}` : k);
    } else if (key) {
      out.push({ key, value: scalar(value) });
    }
  };
  if (details !== null && typeof details === 'object' && !Array.isArray(details)) walk(details, '');
  else if (details !== null && details !== undefined) out.push({ key: 'details', value: scalar(details) });
  return out;
}

/** The first details in one short line, for the collapsed row; the disclosure shows them all. */
export function detailsPreview(entries: readonly TDetailEntry[], max = 80): string {
  const text = entries
    .slice(0, 2)
    .map((e) => `${e.key}: ${e.value}`)
    .join(' · ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const TARGET_TYPES: Record<string, string> = {
  config: 'Configuration',
  deployment: 'Proxy deployment',
  tenant: 'Tenant',
  user: 'Account',
  admin: 'Admin',
  invitation: 'Invitation',
  recovery_kit: 'Recovery kit',
  environment: 'Environment',
  api_token: 'API token',
  signing_key: 'Signing key',
  broker: 'Broker setting',
  route: 'Route',
};

export const targetTypeLabel = (type: string): string => TARGET_TYPES[type] ?? type;
