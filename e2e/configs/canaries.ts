// Canary settings for the configuration walk: each provider's `example`,
// with a unique random marker in every secret and in every other free-text
// field whose format allows one. A marker is `CANARY-<provider>-<random>`
// where the schema accepts it; otherwise a value derived from the example
// that still passes the provider schema and contains a distinctive random
// run (a UUID group, hex digits, a URL host label …). Only values the schema
// accepts, and whose parsed form still contains the marker, are used.
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';

export type TCanary = { label: string; value: string; provider: string; field: string; secret: boolean };
export type TPlannedConfig = { provider: TProvider; label: string; settings: Record<string, unknown>; canaries: TCanary[] };
export const CANARY_FILE = path.resolve('.cache/e2e/canaries.json');

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function random(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The same shape with other characters: hex stays hex, digits digits, letters letters of the same case. */
function reshuffle(run: string): string {
  const hexLower = /^[0-9a-f]+$/.test(run);
  const hexUpper = /^[0-9A-F]+$/.test(run);
  let out = '';
  for (const c of run) {
    if (hexLower) out += random('0123456789abcdef', 1);
    else if (hexUpper) out += random('0123456789ABCDEF', 1);
    else if (/\d/.test(c)) out += random('0123456789', 1);
    else if (/[a-z]/.test(c)) out += random('abcdefghijklmnopqrstuvwxyz', 1);
    else if (/[A-Z]/.test(c)) out += random('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1);
    else out += c;
  }
  return out;
}

type TCandidate = { value: string; needle: string };

function* candidates(example: string, tag: string): Generator<TCandidate> {
  const r = random(ALNUM, 14);
  const canary = `CANARY-${tag}-${r}`;
  yield { value: canary, needle: canary };
  yield { value: canary.toLowerCase(), needle: canary.toLowerCase() };
  if (/^https:\/\//.test(example)) {
    const url = new URL(example);
    const [first, ...rest] = url.hostname.split('.');
    for (const host of [`${first}-canary${r}`, `canary${r}-${first}`]) {
      yield { value: example.replace(url.hostname, [host, ...rest].join('.')), needle: `canary${r}` };
    }
    yield { value: `${example.replace(/\/$/, '')}/canary-${r}`, needle: `canary-${r}` };
  }
  for (const sep of ['-', '_', '.', '']) yield { value: `${example}${sep}canary${r}`, needle: `canary${r}` };
  // Base64 of readable text (an Elastic "id:key"): the canary goes inside, and the encoding is what travels.
  if (example.length >= 16 && example.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(example)) {
    const decoded = Buffer.from(example, 'base64').toString('latin1');
    if (/^[\x20-\x7e]+$/.test(decoded)) {
      const colon = decoded.indexOf(':');
      const encoded = Buffer.from(colon > 0 ? `${decoded.slice(0, colon)}:${canary}` : canary).toString('base64');
      yield { value: encoded, needle: encoded.replace(/=+$/, '') };
    }
  }
  // Runs of letters and digits, longest first: a fresh random run of the same shape.
  const runs = [...example.matchAll(/[A-Za-z0-9]{8,}/g)].sort((a, b) => b[0].length - a[0].length);
  for (const run of runs) {
    const fresh = reshuffle(run[0]);
    yield { value: example.slice(0, run.index) + fresh + example.slice(run.index + run[0].length), needle: fresh };
  }
}

/** Every string leaf of a JSON value, as a path and the value there. */
function leaves(value: unknown, at: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return [{ path: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [];
}

function withLeaf(value: unknown, leafPath: (string | number)[], text: string): unknown {
  if (leafPath.length === 0) return text;
  const [head, ...rest] = leafPath as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head] = withLeaf(copy[head], rest, text);
  return copy;
}

function accepts(provider: TProvider, settings: Record<string, unknown>, needle: string): boolean {
  const parsed = provider.schema.safeParse(settings);
  return parsed.success && JSON.stringify(parsed.data).includes(needle);
}

const FREE_TEXT: TFieldSpec['input'][] = ['text', 'textarea', 'json', 'headers'];

/**
 * Marks one field of `settings` (in place) with a new canary, in the first
 * string leaf that can carry one; PEM blocks are left alone, since their
 * contents are checked as DER. Returns the canary, or null if none fits.
 */
export function markField(provider: TProvider, settings: Record<string, unknown>, field: TFieldSpec): TCanary | null {
  for (const leaf of leaves(settings[field.name])) {
    if (leaf.text.includes('-----BEGIN')) continue;
    for (const candidate of candidates(leaf.text, provider.id)) {
      const next = { ...settings, [field.name]: withLeaf(settings[field.name], leaf.path, candidate.value) };
      if (!accepts(provider, next, candidate.needle)) continue;
      settings[field.name] = next[field.name];
      const where = [field.name, ...leaf.path].join('.');
      return { label: `${provider.id} ${where}${field.secret ? ' (secret)' : ''}`, value: candidate.needle, provider: provider.id, field: where, secret: field.secret };
    }
  }
  return null;
}

/** The example with canaries; fails the test if a secret cannot carry one, or no non-secret field can when one is free text. */
export function planConfig(provider: TProvider, label: string): TPlannedConfig {
  const settings = JSON.parse(JSON.stringify(provider.example)) as Record<string, unknown>;
  const canaries: TCanary[] = [];
  const present = provider.fields.filter((f) => settings[f.name] !== undefined && FREE_TEXT.includes(f.input));
  for (const field of present) {
    const canary = markField(provider, settings, field);
    if (canary) canaries.push(canary);
    else if (field.secret) throw new Error(`${provider.id}: no valid value of the secret ${field.name} can carry a canary`);
  }
  if (present.some((f) => !f.secret) && !canaries.some((c) => !c.secret)) {
    throw new Error(`${provider.id}: no non-secret field can carry a canary`);
  }
  if (!provider.schema.safeParse(settings).success) throw new Error(`${provider.id}: the planned settings do not pass the schema`);
  return { provider, label, settings, canaries };
}

/** Where each canary went (provider, field, secret or not), for reading a finding of the dump check. */
export const CANARY_DETAIL_FILE = path.resolve('.cache/e2e/canaries-detail.json');

/**
 * For the database dump check (e2e/post/database-canaries.test.ts), which
 * reads canaries.json as a plain array of the canary strings.
 */
export function exportCanaries(canaries: TCanary[]): void {
  mkdirSync(path.dirname(CANARY_FILE), { recursive: true });
  writeFileSync(CANARY_FILE, `${JSON.stringify(canaries.map((c) => c.value), null, 2)}\n`);
  writeFileSync(CANARY_DETAIL_FILE, `${JSON.stringify(canaries, null, 2)}\n`);
}
