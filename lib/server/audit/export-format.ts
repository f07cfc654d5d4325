import 'server-only';
// The audit export format (docs/audit.md "Exports"), written by the exporter
// and read by the offline verifier. One entry per JSON Lines line, or per CSV
// row with the same meaning:
//   {"kind":"export", scope, tenant?, exportedAt, filters, range?}   first: what was exported
//   {"kind":"event", …every hashed field, prevHash, hash, tenantPrevHash, tenantHash}
//   {"kind":"link", tenantSeq, tenantPrevHash, tenantHash}   a tenant-chain position without its event
//   {"kind":"link", vendorSeq, prevHash, hash, metadata?}     a vendor-chain position without its event
//   {"kind":"checkpoint", "jws": "…"}                        signed heads covering the range
//   {"kind":"keys", "keys": […]}                             last: the broker's public signing keys
// CSV: a header row of COLUMNS, then one row per entry. Every non-null value
// is quoted and an unquoted empty cell is null, so values round-trip exactly;
// a value starting with = + - @ tab, CR or ' gets one ' in front (spreadsheets
// would run it as a formula), which the reader removes.
import type { JWK } from 'jose';
import { canonicalJson, type TJsonValue } from './canonical';
import type { AuditRow } from './verify';

export type ExportScope = 'tenant' | 'vendor';
/** `range`: the chain positions the export covers (first and last), absent when it holds no events. */
export type ExportHeader = { kind: 'export'; scope: ExportScope; tenant?: string; exportedAt: string; filters: Record<string, unknown>; range?: { first: number; last: number } };
export type LinkMetadata = { at: string; tenantExternalId: string | null; tenantSeq: number | null; actorType: string; action: string; targetType: string | null; targetId: string | null; outcome: string };
export type TenantLink = { kind: 'link'; tenantSeq: number; tenantPrevHash: string | null; tenantHash: string };
export type VendorLink = { kind: 'link'; vendorSeq: number; prevHash: string | null; hash: string; metadata?: LinkMetadata };
export type ExportEntry =
  | ExportHeader
  | ({ kind: 'event' } & AuditRow)
  | TenantLink
  | VendorLink
  | { kind: 'checkpoint'; jws: string }
  | { kind: 'keys'; keys: JWK[] };

export const CSV_COLUMNS = [
  'kind', 'vendor_seq', 'tenant_external_id', 'tenant_seq', 'id', 'at', 'actor_type', 'actor_id', 'actor_label', 'action',
  'target_type', 'target_id', 'outcome', 'ip', 'user_agent', 'request_id', 'details', 'prev_hash', 'hash', 'tenant_prev_hash', 'tenant_hash', 'data',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
type Cells = Partial<Record<Column, string | number | null>>;

const FIELD_COLUMNS: [Column, keyof AuditRow][] = [
  ['vendor_seq', 'vendorSeq'], ['tenant_external_id', 'tenantExternalId'], ['tenant_seq', 'tenantSeq'], ['id', 'id'], ['at', 'at'],
  ['actor_type', 'actorType'], ['actor_id', 'actorId'], ['actor_label', 'actorLabel'], ['action', 'action'], ['target_type', 'targetType'],
  ['target_id', 'targetId'], ['outcome', 'outcome'], ['ip', 'ip'], ['user_agent', 'userAgent'], ['request_id', 'requestId'],
  ['prev_hash', 'prevHash'], ['hash', 'hash'], ['tenant_prev_hash', 'tenantPrevHash'], ['tenant_hash', 'tenantHash'],
];
const METADATA_COLUMNS: [Column, keyof LinkMetadata][] = [
  ['at', 'at'], ['tenant_external_id', 'tenantExternalId'], ['tenant_seq', 'tenantSeq'], ['actor_type', 'actorType'], ['action', 'action'],
  ['target_type', 'targetType'], ['target_id', 'targetId'], ['outcome', 'outcome'],
];
const INTEGER_COLUMNS = new Set<Column>(['vendor_seq', 'tenant_seq']);

export const jsonLine = (entry: ExportEntry): string => `${JSON.stringify(entry)}\n`;

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const guarded = /^[=+\-@\t\r']/.test(text) ? `'${text}` : text;
  return `"${guarded.replace(/"/g, '""')}"`;
}

export const csvHeaderLine = (): string => `${CSV_COLUMNS.join(',')}\n`;

function cellsOf(entry: ExportEntry): Cells {
  switch (entry.kind) {
    case 'export': {
      const { kind, ...rest } = entry;
      return { kind, data: JSON.stringify(rest) };
    }
    case 'event': {
      const cells: Cells = { kind: 'event', details: canonicalJson(entry.details) };
      for (const [column, field] of FIELD_COLUMNS) cells[column] = entry[field] as string | number | null;
      return cells;
    }
    case 'link': {
      if ('tenantSeq' in entry) return { kind: 'link', tenant_seq: entry.tenantSeq, tenant_prev_hash: entry.tenantPrevHash, tenant_hash: entry.tenantHash };
      const cells: Cells = { kind: 'link', vendor_seq: entry.vendorSeq, prev_hash: entry.prevHash, hash: entry.hash };
      if (entry.metadata) for (const [column, field] of METADATA_COLUMNS) cells[column] = entry.metadata[field];
      if (entry.metadata) cells.data = 'metadata';
      return cells;
    }
    case 'checkpoint':
      return { kind: 'checkpoint', data: entry.jws };
    case 'keys':
      return { kind: 'keys', data: JSON.stringify(entry.keys) };
  }
}

export const csvLine = (entry: ExportEntry): string => `${CSV_COLUMNS.map((c) => cell(cellsOf(entry)[c])).join(',')}\n`;

// ---- reading ------------------------------------------------------------

export type CsvCell = { value: string; quoted: boolean };

/** RFC 4180 records from lines (quoted cells may span lines). */
export async function* csvRecords(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<{ line: number; cells: CsvCell[] }> {
  let cells: CsvCell[] = [];
  let current = '';
  let quoted = false;
  let inQuotes = false;
  let start = 0;
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!inQuotes) {
      if (!line.trim()) continue;
      start = n;
    } else current += '\n';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (inQuotes) {
        if (ch === '"' && line[i + 1] === '"') {
          current += '"';
          i++;
        } else if (ch === '"') inQuotes = false;
        else current += ch;
      } else if (ch === '"' && current === '' && !quoted) {
        inQuotes = true;
        quoted = true;
      } else if (ch === ',') {
        cells.push({ value: current, quoted });
        current = '';
        quoted = false;
      } else if (quoted) throw new Error(`line ${n}: text after a closing quote`);
      else current += ch;
    }
    if (inQuotes) continue;
    cells.push({ value: current, quoted });
    yield { line: start, cells };
    cells = [];
    current = '';
    quoted = false;
  }
  if (inQuotes) throw new Error(`line ${start}: a quoted cell is not closed (the file is cut off?)`);
}

function read(c: CsvCell | undefined): string | null {
  if (!c || (!c.quoted && c.value === '')) return null;
  return c.value.startsWith("'") ? c.value.slice(1) : c.value;
}

function integer(value: string | null, line: number, column: string): number | null {
  if (value === null) return null;
  if (!/^\d{1,15}$/.test(value)) throw new Error(`line ${line}: ${column} is not a whole number`);
  return Number(value);
}

/** One CSV row (after the header row) as the entry it stands for. */
export function entryFromCsv(cells: CsvCell[], line: number): ExportEntry {
  if (cells.length !== CSV_COLUMNS.length) throw new Error(`line ${line}: expected ${CSV_COLUMNS.length} cells, found ${cells.length}`);
  const get = (column: Column) => {
    const value = read(cells[CSV_COLUMNS.indexOf(column)]);
    return INTEGER_COLUMNS.has(column) ? integer(value, line, column) : value;
  };
  const data = get('data') as string | null;
  const parse = (text: string | null) => {
    try {
      return JSON.parse(text ?? '') as unknown;
    } catch {
      throw new Error(`line ${line}: the data cell is not JSON`);
    }
  };
  switch (get('kind')) {
    case 'export':
      return { kind: 'export', ...(parse(data) as Omit<ExportHeader, 'kind'>) };
    case 'event': {
      const row: Record<string, unknown> = { details: parse(get('details') as string) as TJsonValue };
      for (const [column, field] of FIELD_COLUMNS) row[field] = get(column);
      return { kind: 'event', ...(row as AuditRow) };
    }
    case 'link': {
      if (get('vendor_seq') === null) return { kind: 'link', tenantSeq: get('tenant_seq') as number, tenantPrevHash: get('tenant_prev_hash') as string | null, tenantHash: get('tenant_hash') as string };
      const link: VendorLink = { kind: 'link', vendorSeq: get('vendor_seq') as number, prevHash: get('prev_hash') as string | null, hash: get('hash') as string };
      if (data === 'metadata') link.metadata = Object.fromEntries(METADATA_COLUMNS.map(([column, field]) => [field, get(column)])) as LinkMetadata;
      return link;
    }
    case 'checkpoint':
      return { kind: 'checkpoint', jws: data ?? '' };
    case 'keys':
      return { kind: 'keys', keys: parse(data) as JWK[] };
    default:
      throw new Error(`line ${line}: unknown entry (kind must be export, event, link, checkpoint or keys)`);
  }
}

/** The header row check: the file must use exactly these columns. */
export function isCsvHeader(cells: CsvCell[]): boolean {
  return cells.length === CSV_COLUMNS.length && cells.every((c, i) => c.value === CSV_COLUMNS[i]);
}
