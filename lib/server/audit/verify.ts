import 'server-only';
// Verifying the audit chains (docs/audit.md). Pure functions over events in
// vendor-chain order, so the same code checks the database and an offline
// export. Each chain reports its first broken link and why:
//   modified      the event's hash does not match its content
//   missing       the chain position skips ahead (events deleted)
//   out_of_order  the chain position repeats or goes back (events reordered)
//   prev_mismatch the link to the previous event does not match its hash
// A checkpoint is a head of the vendor chain signed by the broker signing
// key; it also catches events deleted from the end of the chain.
import type { JWK } from 'jose';
import { resolveVerifyKey, verifyCompactJws, decodeCompactJws } from '@/lib/crypto/es256-jws';
import { eventHash, type TAuditHashedFields } from './canonical';

export const CHECKPOINT_TYP = 'cmk-audit-checkpoint+jws';

export type AuditRow = TAuditHashedFields & { prevHash: string | null; hash: string; tenantPrevHash: string | null; tenantHash: string | null };
export type BrokenReason = 'modified' | 'missing' | 'out_of_order' | 'prev_mismatch';
export type BrokenLink = { vendorSeq: number; id: string; reason: BrokenReason };
export type ChainReport = { count: number; head?: { seq: number; hash: string }; firstBroken?: BrokenLink };
export type VerifyReport = { ok: boolean; vendor: ChainReport; tenants: Record<string, ChainReport> };

/** A database row (Date `at`, JSON details) as the hashed fields. */
export function toAuditRow(row: Omit<AuditRow, 'at' | 'details'> & { at: Date | string; details: unknown }): AuditRow {
  return { ...row, at: typeof row.at === 'string' ? row.at : row.at.toISOString(), details: row.details as AuditRow['details'] };
}

type Link = { seq: number | null; prev: string | null; hash: string | null };

/** Checks one link: position, back-link, own hash — in that order, so a deletion reads as such. */
function checkLink(last: ChainReport['head'], link: Link, row: AuditRow): BrokenReason | undefined {
  const expected = (last?.seq ?? 0) + 1;
  if (link.seq === null || link.seq < expected) return 'out_of_order';
  if (link.seq > expected) return 'missing';
  if (link.prev !== (last?.hash ?? null)) return 'prev_mismatch';
  if (link.hash !== eventHash(link.prev, row)) return 'modified';
  return undefined;
}

function step(report: ChainReport, link: Link, row: AuditRow) {
  report.count += 1;
  if (report.firstBroken) return;
  const reason = checkLink(report.head, link, row);
  if (reason) report.firstBroken = { vendorSeq: row.vendorSeq, id: row.id, reason };
  else report.head = { seq: link.seq as number, hash: link.hash as string };
}

/** An incremental verifier of both kinds of chain: add events in vendor_seq order (the order they are stored in). */
export function createChainVerifier() {
  const vendor: ChainReport = { count: 0 };
  const tenants: Record<string, ChainReport> = {};
  return {
    add(row: AuditRow) {
      step(vendor, { seq: row.vendorSeq, prev: row.prevHash, hash: row.hash }, row);
      if (row.tenantExternalId !== null) {
        const tenant = (tenants[row.tenantExternalId] ??= { count: 0 });
        step(tenant, { seq: row.tenantSeq, prev: row.tenantPrevHash, hash: row.tenantHash }, row);
      }
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

export type CheckpointPayload = { typ: 'audit-checkpoint'; vendorSeq: number; hash: string; at: string };
export type CheckpointReport = { ok: boolean; kid?: string; vendorSeq?: number; problem?: string };

/**
 * A checkpoint is good when it is signed by one of `keys` (the broker's
 * public signing keys) and names an event of the chain by its position and
 * hash. The event must be present: a checkpoint beyond the last event means
 * events were deleted from the end.
 */
export async function verifyCheckpoint(jws: string, hashBySeq: ReadonlyMap<number, string>, keys: readonly JWK[]): Promise<CheckpointReport> {
  let kid: string;
  let payload: Record<string, unknown>;
  try {
    ({ kid } = decodeCompactJws(jws, CHECKPOINT_TYP, 'The audit checkpoint'));
    const key = keys.find((k) => k.kid === kid);
    if (!key) return { ok: false, kid, problem: 'signed by a key that is not one of the broker signing keys' };
    ({ payload } = await verifyCompactJws(jws, await resolveVerifyKey(key), CHECKPOINT_TYP, 'The audit checkpoint'));
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
  const { typ, vendorSeq, hash } = payload;
  if (typ !== 'audit-checkpoint' || typeof vendorSeq !== 'number' || typeof hash !== 'string') return { ok: false, kid, problem: 'not an audit checkpoint' };
  const stored = hashBySeq.get(vendorSeq);
  if (stored === undefined) return { ok: false, kid, vendorSeq, problem: `event ${vendorSeq} is missing (events deleted from the end of the chain?)` };
  if (stored !== hash) return { ok: false, kid, vendorSeq, problem: `event ${vendorSeq} does not have the signed hash` };
  return { ok: true, kid, vendorSeq };
}

/** One line per problem, or OK, for the command line and the operator page. */
export function describeReport(report: VerifyReport, checkpoints: readonly CheckpointReport[] = []): string[] {
  const lines: string[] = [];
  const broken = (chain: string, b: BrokenLink) => `${chain}: first broken link at vendor_seq ${b.vendorSeq} (event ${b.id}): ${b.reason.replace('_', ' ')}`;
  if (report.vendor.firstBroken) lines.push(broken('vendor chain', report.vendor.firstBroken));
  for (const [tenant, chain] of Object.entries(report.tenants)) if (chain.firstBroken) lines.push(broken(`tenant ${tenant}`, chain.firstBroken));
  for (const c of checkpoints) if (!c.ok) lines.push(`checkpoint${c.vendorSeq ? ` at vendor_seq ${c.vendorSeq}` : ''}: ${c.problem}`);
  if (lines.length) return lines;
  const good = checkpoints.length ? `, ${checkpoints.length} signed checkpoint(s) good` : '';
  return [`OK: ${report.vendor.count} event(s) in the vendor chain, ${Object.keys(report.tenants).length} tenant chain(s)${good}.`];
}
