// Scans stored values for secrets in clear, for tests that prove the broker's
// database holds no private key, passphrase or passphrase-derived key
// (PROTOCOL.md "Keys" 3–4). Every value is read as text and parsed as deeply
// as it goes: JSON (also JSON inside JSON strings), base64url/base64 segments
// that decode to JSON (JOSE protected headers, payloads), at any depth. Found:
//   - any JSON object with a member `d` (the private scalar of an EC/OKP/RSA
//     JWK), and any `kty` together with a private member (`d`, `k`, `p`, …);
//   - any PEM block (`-----BEGIN`);
//   - any canary (a known secret of the test) as text, or its bytes as
//     base64url, base64 (at every byte alignment, so also inside a longer
//     blob) or hex.
// A finding names where (table.column and row), the path inside the value and
// why — never the secret itself.

export type Canary = {
  /** Names the secret in findings, e.g. "alice passphrase". */
  label: string;
  /**
   * Text is searched as is and as the base64url/base64/hex of its UTF-8
   * bytes; text that is canonical base64url is also decoded and its bytes
   * searched the same way. Bytes are searched as base64url, base64 and hex.
   */
  value: string | Uint8Array;
};

export type ScanRecord = { where: string; value: unknown };
export type ScanFinding = { where: string; path: string; reason: string };
export type ScanStats = {
  /** Stored values looked at. */
  values: number;
  /** JSON documents parsed, at any depth. */
  jsonDocuments: number;
  /** Decoded base64url/base64 segments that were JSON objects with an `alg` (JOSE headers). */
  joseHeaders: number;
};
export type ScanReport = { findings: ScanFinding[]; stats: ScanStats };

type Needle = { label: string; text: string; foldCase: boolean };

const MIN_NEEDLE = 8;
const MAX_DEPTH = 12;
const PRIVATE_JWK_MEMBERS = ['d', 'k', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const B64URL = /^[A-Za-z0-9_-]+$/;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const JOSE_COMPACT = /^[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,4}$/;

function base64(bytes: Uint8Array, url: boolean): string {
  const s = Buffer.from(bytes).toString('base64');
  return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s.replace(/=+$/, '');
}

/**
 * The base64 characters that depend only on `bytes`, when the bytes start at
 * offset 0, 1 or 2 (mod 3) of a longer encoded buffer.
 */
function alignedBase64(bytes: Uint8Array, url: boolean): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const encoded = base64(padded, url);
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + bytes.length)) / 6);
    out.push(encoded.slice(first, last));
  }
  return out;
}

function byteNeedles(label: string, bytes: Uint8Array, how: string): Needle[] {
  const url = alignedBase64(bytes, true);
  const std = alignedBase64(bytes, false);
  return [
    // Without + / - _ in the span both alphabets spell it the same.
    ...url.map((text, i) => ({ label: `${label} (${how}${text === std[i] ? 'base64' : 'base64url'})`, text, foldCase: false })),
    ...std.map((text) => ({ label: `${label} (${how}base64)`, text, foldCase: false })),
    { label: `${label} (${how}hex)`, text: Buffer.from(bytes).toString('hex'), foldCase: true },
  ];
}

function isCanonicalBase64url(s: string): boolean {
  return B64URL.test(s) && s.length % 4 !== 1 && base64(Buffer.from(s, 'base64url'), true) === s;
}

/** Every spelling of every canary that the scan looks for. */
export function canaryNeedles(canaries: readonly Canary[]): Needle[] {
  const needles: Needle[] = [];
  for (const { label, value } of canaries) {
    if (typeof value === 'string') {
      needles.push({ label, text: value, foldCase: false });
      needles.push(...byteNeedles(label, new TextEncoder().encode(value), 'UTF-8 as '));
      if (isCanonicalBase64url(value)) needles.push(...byteNeedles(label, Buffer.from(value, 'base64url'), 'decoded, as '));
    } else {
      needles.push(...byteNeedles(label, value, ''));
    }
  }
  // A needle too short would match by chance; the canaries of a test are long.
  const unique = new Map<string, Needle>();
  for (const n of needles) {
    const key = `${n.foldCase}:${n.foldCase ? n.text.toLowerCase() : n.text}`;
    if (n.text.length >= MIN_NEEDLE && !unique.has(key)) unique.set(key, n);
  }
  return [...unique.values()];
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!/^[[{"]/.test(t)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) as unknown };
  } catch {
    return { ok: false };
  }
}

function decodeSegment(segment: string, url: boolean): string | null {
  if (segment.length < 4) return null;
  const bytes = Buffer.from(segment, url ? 'base64url' : 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

class Scanner {
  readonly findings: ScanFinding[] = [];
  readonly stats: ScanStats = { values: 0, jsonDocuments: 0, joseHeaders: 0 };
  private readonly seen = new Set<string>();

  constructor(private readonly needles: Needle[]) {}

  private report(where: string, path: string, reason: string): void {
    const key = `${where}\0${path}\0${reason}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ where, path, reason });
  }

  record(where: string, value: unknown): void {
    this.stats.values++;
    this.walk(where, '$', value, 0);
  }

  private walk(where: string, path: string, value: unknown, depth: number): void {
    if (depth > MAX_DEPTH || value === null || value === undefined) return;
    if (typeof value === 'string') return this.text(where, path, value, depth);
    if (value instanceof Uint8Array) {
      this.text(where, `${path}<hex>`, Buffer.from(value).toString('hex'), depth);
      this.text(where, `${path}<utf8>`, Buffer.from(value).toString('utf8'), depth);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.walk(where, `${path}[${i}]`, item, depth + 1));
      return;
    }
    if (typeof value === 'object') {
      const members = Object.keys(value);
      if (members.includes('d')) this.report(where, path, 'a JSON object with a member "d" (a private key parameter)');
      if (members.includes('kty')) {
        const priv = members.filter((m) => PRIVATE_JWK_MEMBERS.includes(m));
        if (priv.length) this.report(where, path, `a private JWK ("kty" with ${priv.map((m) => `"${m}"`).join(', ')})`);
      }
      for (const [member, child] of Object.entries(value)) {
        this.needlesIn(where, `${path}{key ${JSON.stringify(member.slice(0, 20))}}`, member);
        this.walk(where, `${path}.${member}`, child, depth + 1);
      }
    }
    // numbers and booleans hold no key material worth finding
  }

  private needlesIn(where: string, path: string, text: string): void {
    if (text.length < MIN_NEEDLE) return;
    let lower: string | undefined;
    for (const needle of this.needles) {
      const hay = needle.foldCase ? (lower ??= text.toLowerCase()) : text;
      if (hay.includes(needle.foldCase ? needle.text.toLowerCase() : needle.text)) this.report(where, path, `contains ${needle.label}`);
    }
  }

  private text(where: string, path: string, text: string, depth: number): void {
    this.needlesIn(where, path, text);
    if (text.includes('-----BEGIN')) this.report(where, path, 'a PEM block ("-----BEGIN")');

    const json = tryJson(text);
    if (json.ok) {
      this.stats.jsonDocuments++;
      if (typeof json.value !== 'string' || json.value !== text) this.walk(where, `${path}<json>`, json.value, depth + 1);
      return;
    }
    // Compact JOSE (and any dot-separated base64url), or one base64url/base64 blob:
    // whatever decodes to JSON is scanned as JSON.
    const trimmed = text.trim();
    const segments = JOSE_COMPACT.test(trimmed) ? trimmed.split('.') : B64URL.test(trimmed) ? [trimmed] : [];
    const url = segments.length > 0;
    const candidates = url ? segments : B64.test(trimmed) ? [trimmed] : [];
    candidates.forEach((segment, i) => {
      const decoded = decodeSegment(segment, url);
      if (decoded === null) return;
      const inner = tryJson(decoded);
      if (!inner.ok) return;
      this.stats.jsonDocuments++;
      if (typeof inner.value === 'object' && inner.value !== null && 'alg' in inner.value) this.stats.joseHeaders++;
      this.walk(where, `${path}<base64 segment ${i}>`, inner.value, depth + 1);
    });
  }
}

/** Scans every record's value; an empty `findings` means nothing looked like a secret in clear. */
export function scanForSecrets(records: Iterable<ScanRecord>, canaries: readonly Canary[] = []): ScanReport {
  const scanner = new Scanner(canaryNeedles(canaries));
  for (const { where, value } of records) scanner.record(where, value);
  return { findings: scanner.findings, stats: scanner.stats };
}

export function formatFindings(findings: readonly ScanFinding[]): string {
  return findings.map((f) => `${f.where} at ${f.path}: ${f.reason}`).join('\n');
}

// ---- reading a database ----------------------------------------------------

/** Plain SQL on one session (lib/server/database's SqlSession fits). */
export type QuerySession = { query<T extends Record<string, unknown>>(sql: string): Promise<T[]> };

export type ScannedColumn = { table: string; column: string; dataType: string; values: number };

/** Types whose values can carry text: every text and JSON type, arrays of them, and bytea (read as \x hex). */
const SCANNED_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'xml', 'ARRAY', 'USER-DEFINED'];

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every non-null value of every text-like column of every table and view in
 * the public schema, cast to text (so JSON arrives as its stored text), named
 * `table.column (id=…)` when the table has an `id`.
 */
export async function readStoredValues(session: QuerySession): Promise<{ records: ScanRecord[]; columns: ScannedColumn[] }> {
  const columns = await session.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, { hasId: boolean; columns: { name: string; type: string }[] }>();
  for (const c of columns) {
    const t = tables.get(c.table_name) ?? { hasId: false, columns: [] };
    if (c.column_name === 'id') t.hasId = true;
    if (SCANNED_TYPES.includes(c.data_type)) t.columns.push({ name: c.column_name, type: c.data_type });
    tables.set(c.table_name, t);
  }
  const records: ScanRecord[] = [];
  const scanned: ScannedColumn[] = [];
  for (const [table, t] of tables) {
    for (const column of t.columns) {
      const rows = await session.query<{ row_id: string | null; v: string }>(
        `SELECT ${t.hasId ? 'id::text' : 'NULL::text'} AS row_id, ${ident(column.name)}::text AS v
           FROM public.${ident(table)} WHERE ${ident(column.name)} IS NOT NULL`,
      );
      for (const row of rows) records.push({ where: `${table}.${column.name}${row.row_id ? ` (id=${row.row_id})` : ''}`, value: row.v });
      scanned.push({ table, column: column.name, dataType: column.type, values: rows.length });
    }
  }
  return { records, columns: scanned };
}
