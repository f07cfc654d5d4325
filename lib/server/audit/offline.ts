import 'server-only';
// Verifying an audit export offline, without the database (docs/audit.md).
// Reads the export format of export-format.ts, as JSON Lines or CSV (told
// apart by the first line), entry by entry, so a large file is never held
// whole. An export with an {"kind":"export"} first entry verifies the one
// chain it names (a tenant's, or the vendor chain), link entries included,
// from an anchor when it starts mid-chain, and must end with its keys entry
// (otherwise it was cut off). A file without that entry is the older form:
// whole events in vendor_seq order, every chain verified.
// Keys carried in the export only prove it is self-consistent; pass the
// broker's published JWKS (fetched separately) to prove who signed it.
import type { JWK } from 'jose';
import { csvRecords, entryFromCsv, isCsvHeader, type ExportEntry, type ExportHeader, type ExportScope } from './export-format';
import { plural } from '@/lib/plural';
import {
  addToChain,
  createChainVerifier,
  describeBroken,
  describeCheckpoint,
  describeReport,
  tenantEntry,
  toAuditRow,
  vendorEntry,
  verifyCheckpoint,
  type AuditRow,
  type BrokenReason,
  type ChainReport,
  type CheckpointLookup,
  type CheckpointReport,
  type VerifyReport,
} from './verify';

export type OfflineResult = {
  /** 'chain': an export of one chain (with a header); 'events': the older whole-trail form. */
  form: 'chain' | 'events';
  scope?: ExportScope;
  tenant?: string;
  report: VerifyReport;
  /** The exported chain (form 'chain'). */
  chain?: ChainReport;
  checkpoints: CheckpointReport[];
  keysFrom: 'given' | 'export' | 'none';
  /** Problems with the file itself (cut off, entries out of place). */
  problems: string[];
};

async function* lines(text: string): AsyncGenerator<string> {
  yield* text.split('\n');
}

/** The export's entries, from JSON Lines or CSV. */
async function* entries(source: AsyncIterable<string>): AsyncGenerator<{ line: number; entry: ExportEntry }> {
  const iterator = source[Symbol.asyncIterator]();
  let first: string | undefined;
  let skipped = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    skipped += 1;
    if (next.value.trim()) {
      first = next.value;
      break;
    }
  }
  const rest = { [Symbol.asyncIterator]: () => iterator };
  if (first.trimStart().startsWith('{')) {
    let n = skipped;
    const parse = (text: string): ExportEntry => {
      try {
        return JSON.parse(text) as ExportEntry;
      } catch {
        throw new Error(`line ${n}: not JSON`);
      }
    };
    yield { line: n, entry: parse(first) };
    for await (const text of rest) {
      n += 1;
      if (text.trim()) yield { line: n, entry: parse(text) };
    }
    return;
  }
  async function* all() {
    yield first as string;
    yield* rest;
  }
  let header = true;
  for await (const { line, cells } of csvRecords(all())) {
    if (header) {
      if (!isCsvHeader(cells)) throw new Error(`line ${line + skipped - 1}: not an audit export (neither JSON Lines nor the export's CSV columns)`);
      header = false;
    } else yield { line: line + skipped - 1, entry: entryFromCsv(cells, line + skipped - 1) };
  }
}

/** The one chain an export with a header verifies. */
function chainVerifier(header: ExportHeader) {
  const chain: ChainReport = { count: 0 };
  let lastSeq: number | null = null;
  // The header names the range: a first entry elsewhere means entries are missing at the start.
  const startReason = (seq: number | null): BrokenReason | undefined => {
    if (chain.count > 0 || !header.range || seq === null) return undefined;
    return seq > header.range.first ? 'missing' : seq < header.range.first ? 'out_of_order' : undefined;
  };
  const hashBySeq = new Map<number, string>();
  const tenant = header.scope === 'tenant' ? (header.tenant ?? '') : undefined;
  return {
    chain,
    add(entry: ExportEntry, line: number) {
      if (entry.kind === 'event') {
        const row = toAuditRow(entry as AuditRow);
        const e = tenant !== undefined ? tenantEntry(row) : vendorEntry(row);
        addToChain(chain, e, { anchored: true, reason: tenant !== undefined && row.tenantExternalId !== tenant ? 'foreign' : startReason(e.seq) });
        lastSeq = e.seq;
        if (typeof e.seq === 'number' && e.hash) hashBySeq.set(e.seq, e.hash);
      } else if (entry.kind === 'link') {
        const link = entry as Record<string, unknown>;
        const [seqKey, prevKey, hashKey] = tenant !== undefined ? ['tenantSeq', 'tenantPrevHash', 'tenantHash'] : ['vendorSeq', 'prevHash', 'hash'];
        const seq = typeof link[seqKey] === 'number' ? (link[seqKey] as number) : null;
        if (seq === null) throw new Error(`line ${line}: a link entry of this export needs ${seqKey}`);
        const hash = typeof link[hashKey] === 'string' ? (link[hashKey] as string) : null;
        addToChain(chain, { seq, prev: (link[prevKey] as string | null) ?? null, hash, where: tenant !== undefined ? { tenantSeq: seq } : { vendorSeq: seq } }, { anchored: true, reason: startReason(seq) });
        lastSeq = seq;
        if (hash) hashBySeq.set(seq, hash);
      }
    },
    /** A problem when the chain does not end where the header says it does. */
    endProblem(): string | undefined {
      if (!header.range || chain.firstBroken || lastSeq === header.range.last) return undefined;
      return `the export's chain ends at position ${lastSeq ?? 'none'}, but its first entry says it runs to ${header.range.last} (entries cut off or removed)`;
    },
    lookup(): CheckpointLookup {
      return tenant !== undefined ? { tenant: (t, seq) => (t === tenant ? hashBySeq.get(seq) : undefined) } : { vendor: (seq) => hashBySeq.get(seq) };
    },
    report(): VerifyReport {
      const ok = !chain.firstBroken;
      return tenant !== undefined ? { ok, vendor: { count: 0 }, tenants: { [tenant]: chain } } : { ok, vendor: chain, tenants: {} };
    },
  };
}

/** The older form: whole events in vendor order, every chain. */
function eventsVerifier() {
  const verifier = createChainVerifier();
  const vendor = new Map<number, string>();
  const tenants = new Map<string, Map<number, string>>();
  return {
    add(entry: ExportEntry, line: number) {
      if (entry.kind === 'link') throw new Error(`line ${line}: a link entry needs the export's first entry ({"kind":"export",…})`);
      if (entry.kind !== 'event') return;
      const row = toAuditRow(entry as AuditRow);
      verifier.add(row);
      vendor.set(row.vendorSeq, row.hash);
      if (row.tenantExternalId !== null && row.tenantSeq !== null && row.tenantHash) {
        let map = tenants.get(row.tenantExternalId);
        if (!map) tenants.set(row.tenantExternalId, (map = new Map()));
        map.set(row.tenantSeq, row.tenantHash);
      }
    },
    lookup: (): CheckpointLookup => ({ vendor: (seq) => vendor.get(seq), tenant: (t, seq) => tenants.get(t)?.get(seq) }),
    report: () => verifier.report(),
  };
}

const KINDS = new Set(['export', 'event', 'link', 'checkpoint', 'keys']);

/** Verifies an export read line by line (a file stream's lines, or the lines of a string). */
export async function verifyExportLines(source: AsyncIterable<string>, pinnedKeys?: readonly JWK[]): Promise<OfflineResult> {
  let header: ExportHeader | undefined;
  let verifier: ReturnType<typeof chainVerifier> | ReturnType<typeof eventsVerifier> | undefined;
  const jwsList: string[] = [];
  const exportKeys: JWK[] = [];
  const problems: string[] = [];
  let last: ExportEntry['kind'] | undefined;
  for await (const { line, entry } of entries(source)) {
    if (!entry || typeof entry !== 'object' || !KINDS.has(entry.kind)) throw new Error(`line ${line}: unknown entry (kind must be export, event, link, checkpoint or keys)`);
    if (entry.kind === 'export') {
      if (verifier) throw new Error(`line ${line}: the export entry must come first`);
      if (entry.scope !== 'tenant' && entry.scope !== 'vendor') throw new Error(`line ${line}: scope must be tenant or vendor`);
      if (entry.scope === 'tenant' && typeof entry.tenant !== 'string') throw new Error(`line ${line}: a tenant export names its tenant`);
      header = entry;
      verifier = chainVerifier(entry);
    } else {
      verifier ??= eventsVerifier();
      if (entry.kind === 'checkpoint' && typeof entry.jws === 'string') jwsList.push(entry.jws);
      else if (entry.kind === 'keys' && Array.isArray(entry.keys)) exportKeys.push(...entry.keys);
      else if (entry.kind === 'checkpoint' || entry.kind === 'keys') throw new Error(`line ${line}: a ${entry.kind} entry without its ${entry.kind === 'keys' ? 'keys' : 'jws'}`);
      else verifier.add(entry, line);
    }
    last = entry.kind;
  }
  if (header && last !== 'keys') problems.push('the export is incomplete: it does not end with its keys entry (the download was cut off?)');
  const end = verifier && 'endProblem' in verifier ? verifier.endProblem() : undefined;
  if (end) problems.push(end);
  verifier ??= eventsVerifier();
  const keys = pinnedKeys ?? exportKeys;
  const lookup = verifier.lookup();
  const checkpoints = await Promise.all(jwsList.map((jws) => verifyCheckpoint(jws, lookup, keys)));
  const keysFrom = pinnedKeys ? 'given' : exportKeys.length ? 'export' : 'none';
  const report = verifier.report();
  if (!header) return { form: 'events', report, checkpoints, keysFrom, problems };
  return { form: 'chain', scope: header.scope, tenant: header.tenant, report, chain: 'chain' in verifier ? verifier.chain : undefined, checkpoints, keysFrom, problems };
}

export function verifyExport(text: string, pinnedKeys?: readonly JWK[]): Promise<OfflineResult> {
  return verifyExportLines(lines(text), pinnedKeys);
}

export const isExportOk = (r: OfflineResult) => r.report.ok && r.problems.length === 0 && r.checkpoints.every((c) => c.ok);

/** What the command line prints: problems (or OK), then notes on what was taken on trust. */
export function describeExport(result: OfflineResult): string[] {
  if (result.form === 'events' || !result.chain) return [...result.problems, ...describeReport(result.report, result.checkpoints)];
  const chain = result.chain;
  const name = result.scope === 'tenant' ? `tenant ${result.tenant}'s chain` : 'the vendor chain';
  const lines: string[] = [];
  if (chain.firstBroken) lines.push(describeBroken(result.scope === 'tenant' ? `tenant ${result.tenant}` : 'vendor chain', chain.firstBroken));
  for (const c of result.checkpoints) if (!c.ok) lines.push(describeCheckpoint(c));
  lines.push(...result.problems);
  if (!lines.length) {
    const links = chain.links ? ` (${plural(chain.count - chain.links, 'event')}, ${plural(chain.links, 'link entry', 'link entries')})` : '';
    const good = result.checkpoints.length ? `, ${plural(result.checkpoints.length, 'signed checkpoint')} good` : ', no signed checkpoint in the range';
    lines.push(`OK: ${chain.count} entr${chain.count === 1 ? 'y' : 'ies'} of ${name}${links}${good}.`);
  }
  const seqName = result.scope === 'tenant' ? 'tenant_seq' : 'vendor_seq';
  if (chain.anchor) lines.push(`Note: this export starts mid-chain at ${seqName} ${chain.anchor.seq}; it is verified from the previous hash its first entry gives (${chain.anchor.prevHash}), which only a checkpoint or an earlier export can confirm.`);
  if (chain.links) lines.push('Note: link entries stand for events this export filters out or withholds: their positions and hashes are chained, their content is not in the file.');
  return lines;
}
