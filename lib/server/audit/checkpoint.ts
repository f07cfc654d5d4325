import 'server-only';
// Signed checkpoints of the audit chains and the database-side verification
// (docs/audit.md). A checkpoint is a compact ES256 JWS by the broker signing
// key over {typ: 'audit-checkpoint', scope, vendorSeq, [tenantExternalId,
// tenantSeq,] hash, at}: the head of the vendor chain (scope 'vendor') or of
// one tenant's chain (scope 'tenant', whose exports hold only that chain).
// With the broker's public keys anyone can check an export offline up to a
// checkpoint, and a checkpoint beyond the last stored event shows that events
// were cut off.
import type { JWK } from 'jose';
import { signCompactJws } from '@/lib/crypto/es256-jws';
import type { Prisma } from '@/lib/generated/prisma/client';
import { getPrisma } from '@/lib/server/db';
import {
  findAuditCheckpoint,
  findTenantCheckpointMark,
  findVendorHead,
  insertAuditCheckpoints,
  findLastCheckpointSeq,
  listAuditCheckpointsBetween,
  listAuditEvents,
  listTenantHeadsSince,
  tryLockAuditCheckpoints,
} from '@/lib/server/dal/audit';
import { listAllSigningPublicKeys } from '@/lib/server/dal/signing-keys';
import { newId } from '@/lib/server/ids';
import { getActiveSigningKey, type ActiveSigningKey } from '@/lib/server/signing';
import { CHECKPOINT_TYP, createChainVerifier, toAuditRow, verifyCheckpoint, type AuditRow, type CheckpointPayload, type CheckpointReport, type VerifyReport } from './verify';

export type Checkpoint = { vendorSeq: number; hash: string; kid: string; jws: string };
export type CheckpointRun = { vendor: Checkpoint | null; tenants: number; skipped: boolean };

const BATCH = 1000;
/** Signing 10 000 tenant heads takes a few seconds; the transaction may take that long. */
const RUN_TIMEOUT_MS = 120_000;

async function sign(key: ActiveSigningKey, payload: CheckpointPayload): Promise<string> {
  return signCompactJws(new TextEncoder().encode(JSON.stringify(payload)), key.key, key.kid, CHECKPOINT_TYP);
}

async function signTenantHeads(tx: Prisma.TransactionClient, key: ActiveSigningKey, upToSeq: number, at: string): Promise<number> {
  const heads = await listTenantHeadsSince(tx, await findTenantCheckpointMark(tx), upToSeq);
  let written = 0;
  for (let i = 0; i < heads.length; i += BATCH) {
    const rows = await Promise.all(
      heads.slice(i, i + BATCH).map(async (h) => ({
        id: newId('acp'),
        scope: 'tenant',
        vendorSeq: h.vendorSeq,
        tenantExternalId: h.tenantExternalId,
        tenantSeq: h.tenantSeq,
        hash: h.tenantHash,
        kid: key.kid,
        jws: await sign(key, { typ: 'audit-checkpoint', scope: 'tenant', vendorSeq: h.vendorSeq, tenantExternalId: h.tenantExternalId, tenantSeq: h.tenantSeq, hash: h.tenantHash, at }),
      })),
    );
    written += (await insertAuditCheckpoints(tx, rows)).count;
  }
  return written;
}

/**
 * Signs the head of the vendor chain and the head of every tenant chain that
 * grew since its last checkpoint, in one transaction. One run at a time
 * across broker instances: with `wait: false` (the scheduler) a run that
 * finds another in progress does nothing; unique keys make a repeat harmless.
 */
export async function writeAuditCheckpoints(now = new Date(), options: { wait?: boolean } = {}): Promise<CheckpointRun> {
  const db = await getPrisma();
  const key = await getActiveSigningKey();
  const at = now.toISOString();
  return db.$transaction(
    async (tx) => {
      if (!(await tryLockAuditCheckpoints(tx, options.wait ?? false))) return { vendor: null, tenants: 0, skipped: true };
      const head = await findVendorHead(tx);
      if (!head) return { vendor: null, tenants: 0, skipped: false };
      const existing = await findAuditCheckpoint(tx, head.vendorSeq);
      let vendor: Checkpoint;
      if (existing) vendor = { vendorSeq: existing.vendorSeq, hash: existing.hash, kid: existing.kid, jws: existing.jws };
      else {
        vendor = { vendorSeq: head.vendorSeq, hash: head.hash, kid: key.kid, jws: await sign(key, { typ: 'audit-checkpoint', scope: 'vendor', vendorSeq: head.vendorSeq, hash: head.hash, at }) };
        await insertAuditCheckpoints(tx, [{ id: newId('acp'), scope: 'vendor', ...vendor }]);
      }
      return { vendor, tenants: await signTenantHeads(tx, key, head.vendorSeq, at), skipped: false };
    },
    { timeout: RUN_TIMEOUT_MS, maxWait: 10_000 },
  );
}

/** Signs the current heads (waiting for a run in progress); the vendor checkpoint, or null while the trail is empty. */
export async function writeAuditCheckpoint(now = new Date()): Promise<Checkpoint | null> {
  return (await writeAuditCheckpoints(now, { wait: true })).vendor;
}

const PAGE = 1000;

export type StoredTrailReport = {
  report: VerifyReport;
  /** The checkpoints that do not verify (the good ones are only counted). */
  checkpoints: CheckpointReport[];
  goodCheckpoints: number;
};

/**
 * Verifies the stored chains and every stored checkpoint against the broker's
 * signing keys. Events are read 1 000 at a time, and with each page the
 * checkpoints whose events it holds, so memory does not grow with the trail
 * or the number of checkpoints; checkpoints beyond the last event (a cut-off
 * tail) are read at the end.
 */
export async function verifyStoredAuditTrail(onProgress?: (events: number) => void): Promise<StoredTrailReport> {
  const db = await getPrisma();
  const keys = (await listAllSigningPublicKeys(db)).map((k) => k.publicJwk as JWK);
  const verifier = createChainVerifier();
  const bad: CheckpointReport[] = [];
  let good = 0;
  const check = async (afterSeq: number, upToSeq: number, rows: AuditRow[]) => {
    const vendor = new Map(rows.map((r) => [r.vendorSeq, r.hash]));
    const tenant = new Map(rows.filter((r) => r.tenantExternalId !== null).map((r) => [`${r.tenantExternalId}\u0000${r.tenantSeq}`, r.tenantHash as string]));
    const lookup = { vendor: (seq: number) => vendor.get(seq), tenant: (t: string, seq: number) => tenant.get(`${t}\u0000${seq}`) };
    for (const c of await listAuditCheckpointsBetween(db, afterSeq, upToSeq)) {
      const result = await verifyCheckpoint(c.jws, lookup, keys);
      if (result.ok) good += 1;
      else bad.push(result);
    }
  };
  let after = 0;
  let read = 0;
  for (;;) {
    const rows = (await listAuditEvents(db, after, PAGE)).map((r) => toAuditRow(r));
    for (const row of rows) verifier.add(row);
    read += rows.length;
    const last = rows.at(-1)?.vendorSeq ?? after;
    // A full page's checkpoints are those of its own positions; the last page takes every later one too.
    const upTo = rows.length === PAGE ? last : Math.max(last, await findLastCheckpointSeq(db));
    for (let from = after; from < upTo; from += PAGE) await check(from, Math.min(from + PAGE, upTo), rows);
    onProgress?.(read);
    if (rows.length < PAGE) break;
    after = last;
  }
  return { report: verifier.report(), checkpoints: bad, goodCheckpoints: good };
}
