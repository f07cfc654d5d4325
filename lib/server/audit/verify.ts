import 'server-only';
// Verifying the audit chains (docs/audit.md). Pure functions over chain
// entries in order, so the same code checks the database and an offline
// export. Each chain reports its first broken link and why:
//   modified      the event's hash does not match its content
//   missing       the chain position skips ahead (events deleted)
//   out_of_order  the chain position repeats or goes back (events reordered)
//   prev_mismatch the link to the previous event does not match its hash
//   foreign       an event of another tenant in a tenant's chain
// A chain may hold link entries (an event's position and hashes without its
// content, for events an export filters out or withholds): they are chained
// like events, only their own hash cannot be recomputed. A chain may also
// start mid-way (an export from a point in time): its first entry's previous
// hash is then taken as the anchor, and the report says so.
// A checkpoint is a chain head (vendor or one tenant's) signed by the broker
// signing key; it also catches events deleted from the end of the chain.
import type { JWK } from 'jose';
import { resolveVerifyKey, verifyCompactJws, decodeCompactJws } from '@/lib/crypto/es256-jws';
import { eventHash, type TAuditHashedFields } from './canonical';
import { plural } from '@/lib/plural';

export const CHECKPOINT_TYP = 'cmk-audit-checkpoint+jws';

export type AuditRow = TAuditHashedFields & { prevHash: string | null; hash: string; tenantPrevHash: string | null; tenantHash: string | null };
export type BrokenReason = 'modified' | 'missing' | 'out_of_order' | 'prev_mismatch' | 'foreign';
/** Where a chain breaks: the event (vendor_seq and id), or for a link entry its chain position. */
export type BrokenLink = { vendorSeq?: number; tenantSeq?: number; id?: string; reason: BrokenReason };
export type ChainReport = {
  count: number;
  head?: { seq: number; hash: string };
  firstBroken?: BrokenLink;
  /** Set when the chain starts mid-way: its first position and the previous hash taken on trust. */
  anchor?: { seq: number; prevHash: string | null };
  /** Link entries (content not shown, not recomputable). */
  links?: number;
};
export type VerifyReport = { ok: boolean; vendor: ChainReport; tenants: Record<string, ChainReport> };

/** A database row (Date `at`, JSON details) as the hashed fields. */
export function toAuditRow(row: Omit<AuditRow, 'at' | 'details'> & { at: Date | string; details: unknown }): AuditRow {
  return { ...row, at: typeof row.at === 'string' ? row.at : row.at.toISOString(), details: row.details as AuditRow['details'] };
}

/** One position of a chain: an event (with `row`, whose hash is recomputed) or a link entry (without). */
export type ChainEntry = { seq: number | null; prev: string | null; hash: string | null; row?: AuditRow; where: Omit<BrokenLink, 'reason'> };

/** Checks one entry: position, back-link, own hash — in that order, so a deletion reads as such. */
function checkEntry(last: ChainReport['head'], entry: ChainEntry): BrokenReason | undefined {
  const expected = (last?.seq ?? 0) + 1;
  if (entry.seq === null || !Number.isInteger(entry.seq) || entry.seq < expected) return 'out_of_order';
  if (entry.seq > expected) return 'missing';
  if (entry.prev !== (last?.hash ?? null)) return 'prev_mismatch';
  if (typeof entry.hash !== 'string' || !entry.hash) return 'modified';
  if (entry.row && entry.hash !== eventHash(entry.prev, entry.row)) return 'modified';
  return undefined;
}

/** Adds one entry to a chain's report; `anchored` lets the first entry start mid-chain. */
export function addToChain(report: ChainReport, entry: ChainEntry, options: { anchored?: boolean; reason?: BrokenReason } = {}): void {
  const first = report.count === 0;
  report.count += 1;
  if (!entry.row) report.links = (report.links ?? 0) + 1;
  if (report.firstBroken) return;
  if (first && options.anchored && typeof entry.seq === 'number' && entry.seq > 1) {
    report.anchor = { seq: entry.seq, prevHash: entry.prev };
    report.head = { seq: entry.seq - 1, hash: entry.prev as string };
  }
  const reason = options.reason ?? checkEntry(report.head, entry);
  if (reason) report.firstBroken = { ...entry.where, reason };
  else report.head = { seq: entry.seq as number, hash: entry.hash as string };
}

export const vendorEntry = (row: AuditRow): ChainEntry => ({ seq: row.vendorSeq, prev: row.prevHash, hash: row.hash, row, where: { vendorSeq: row.vendorSeq, id: row.id } });
export const tenantEntry = (row: AuditRow): ChainEntry => ({ seq: row.tenantSeq, prev: row.tenantPrevHash, hash: row.tenantHash, row, where: { vendorSeq: row.vendorSeq, id: row.id } });

/** An incremental verifier of both kinds of chain: add events in vendor_seq order (the order they are stored in). */
export function createChainVerifier() {
  const vendor: ChainReport = { count: 0 };
  const tenants: Record<string, ChainReport> = {};
  return {
    add(row: AuditRow) {
      addToChain(vendor, vendorEntry(row));
      if (row.tenantExternalId !== null) addToChain((tenants[row.tenantExternalId] ??= { count: 0 }), tenantEntry(row));
    },
    report(): VerifyReport {
      const ok = !vendor.firstBroken && Object.values(tenants).every((t) => !t.firstBroken);
      return { ok, vendor, tenants };
    },
  };
}

export function verifyChains(rows: Iterable<AuditRow>): VerifyReport {
  const verifier = createChainVerifier();
  for (const row of rows) verifier.add(row);
  return verifier.report();
}

export type CheckpointScope = 'vendor' | 'tenant';
export type CheckpointPayload = {
  typ: 'audit-checkpoint';
  /** Absent in checkpoints written before tenant checkpoints existed: those are vendor checkpoints. */
  scope?: CheckpointScope;
  vendorSeq: number;
  tenantExternalId?: string;
  tenantSeq?: number;
  hash: string;
  at: string;
};
export type CheckpointReport = { ok: boolean; kid?: string; scope?: CheckpointScope; vendorSeq?: number; tenantExternalId?: string; tenantSeq?: number; at?: string; problem?: string };

/** The hashes a checkpoint is compared with; a chain the verifier does not hold has no function. */
export type CheckpointLookup = {
  vendor?: (vendorSeq: number) => string | undefined;
  tenant?: (tenantExternalId: string, tenantSeq: number) => string | undefined;
};

function readPayload(payload: Record<string, unknown>): CheckpointPayload | undefined {
  const { typ, scope = 'vendor', vendorSeq, tenantExternalId, tenantSeq, hash, at } = payload;
  if (typ !== 'audit-checkpoint' || typeof vendorSeq !== 'number' || typeof hash !== 'string') return undefined;
  if (scope === 'vendor') return { typ, scope, vendorSeq, hash, at: String(at) };
  if (scope === 'tenant' && typeof tenantExternalId === 'string' && typeof tenantSeq === 'number') return { typ, scope, vendorSeq, tenantExternalId, tenantSeq, hash, at: String(at) };
  return undefined;
}

/** Checks the signature (one of `keys`, the broker's public signing keys) and returns the payload, or a problem. */
export async function openCheckpoint(jws: string, keys: readonly JWK[]): Promise<{ kid: string; payload: CheckpointPayload } | { kid?: string; problem: string }> {
  let kid: string;
  let payload: Record<string, unknown>;
  try {
    ({ kid } = decodeCompactJws(jws, CHECKPOINT_TYP, 'The audit checkpoint'));
    const key = keys.find((k) => k.kid === kid);
    if (!key) return { kid, problem: 'signed by a key that is not one of the broker signing keys' };
    ({ payload } = await verifyCompactJws(jws, await resolveVerifyKey(key), CHECKPOINT_TYP, 'The audit checkpoint'));
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const read = readPayload(payload);
  return read ? { kid, payload: read } : { kid, problem: 'not an audit checkpoint' };
}

/** Compares a checkpoint's signed head with the hash the chain holds at that position. */
export function matchCheckpoint(kid: string, p: CheckpointPayload, stored: string | undefined | null): CheckpointReport {
  const base: CheckpointReport = p.scope === 'tenant' ? { ok: true, kid, scope: 'tenant', vendorSeq: p.vendorSeq, tenantExternalId: p.tenantExternalId, tenantSeq: p.tenantSeq, at: p.at } : { ok: true, kid, scope: 'vendor', vendorSeq: p.vendorSeq, at: p.at };
  const where = p.scope === 'tenant' ? `tenant_seq ${p.tenantSeq}` : `event ${p.vendorSeq}`;
  if (stored === null) return { ...base, ok: false, problem: 'a checkpoint of a chain this trail or export does not contain' };
  if (stored === undefined) return { ...base, ok: false, problem: `${where} is missing (events deleted from the end of the chain?)` };
  if (stored !== p.hash) return { ...base, ok: false, problem: `${where} does not have the signed hash` };
  return base;
}

/**
 * A checkpoint is good when it is signed by one of `keys` and names an entry
 * of its chain by position and hash. The entry must be present: a checkpoint
 * beyond the last one means events were deleted from the end. A Map is the
 * vendor chain's hashes by vendor_seq.
 */
export async function verifyCheckpoint(jws: string, hashes: CheckpointLookup | ReadonlyMap<number, string>, keys: readonly JWK[]): Promise<CheckpointReport> {
  const lookup: CheckpointLookup = hashes instanceof Map ? { vendor: (seq) => hashes.get(seq) } : (hashes as CheckpointLookup);
  const opened = await openCheckpoint(jws, keys);
  if ('problem' in opened) return { ok: false, kid: opened.kid, problem: opened.problem };
  const p = opened.payload;
  const stored = p.scope === 'tenant' ? (lookup.tenant ? lookup.tenant(p.tenantExternalId as string, p.tenantSeq as number) : null) : lookup.vendor ? lookup.vendor(p.vendorSeq) : null;
  return matchCheckpoint(opened.kid, p, stored);
}

const brokenAt = (b: BrokenLink) =>
  b.id ? `vendor_seq ${b.vendorSeq} (event ${b.id})` : b.tenantSeq !== undefined ? `tenant_seq ${b.tenantSeq} (link entry)` : `vendor_seq ${b.vendorSeq} (link entry)`;

export const describeBroken = (chain: string, b: BrokenLink) => `${chain}: first broken link at ${brokenAt(b)}: ${b.reason.replace('_', ' ')}`;

export function describeCheckpoint(c: CheckpointReport): string {
  const at = c.scope === 'tenant' ? ` of tenant ${c.tenantExternalId} at tenant_seq ${c.tenantSeq}` : c.vendorSeq ? ` at vendor_seq ${c.vendorSeq}` : '';
  return `checkpoint${at}: ${c.problem}`;
}

/** One line per problem, or OK, for the command line and the operator page. */
export function describeReport(report: VerifyReport, checkpoints: readonly CheckpointReport[] = [], goodCheckpoints = checkpoints.filter((c) => c.ok).length): string[] {
  const lines: string[] = [];
  if (report.vendor.firstBroken) lines.push(describeBroken('vendor chain', report.vendor.firstBroken));
  for (const [tenant, chain] of Object.entries(report.tenants)) if (chain.firstBroken) lines.push(describeBroken(`tenant ${tenant}`, chain.firstBroken));
  for (const c of checkpoints) if (!c.ok) lines.push(describeCheckpoint(c));
  if (lines.length) return lines;
  const good = goodCheckpoints ? `, ${plural(goodCheckpoints, 'signed checkpoint')} good` : '';
  return [`OK: ${plural(report.vendor.count, 'event')} in the vendor chain, ${plural(Object.keys(report.tenants).length, 'tenant chain')}${good}.`];
}
