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
  listAuditCheckpoints,
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

/** Every event in vendor order, a page at a time. */
async function* allEvents(): AsyncGenerator<AuditRow> {
  const db = await getPrisma();
  for (let after = 0; ; ) {
    const page = await listAuditEvents(db, after, PAGE);
    for (const row of page) yield toAuditRow(row);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return;
    after = last.vendorSeq;
  }
}

export type StoredTrailReport = { report: VerifyReport; checkpoints: CheckpointReport[] };

/** Verifies the stored chains (read 1 000 events at a time) and every stored checkpoint against the broker's signing keys. */
export async function verifyStoredAuditTrail(onProgress?: (events: number) => void): Promise<StoredTrailReport> {
  const db = await getPrisma();
  const checkpoints = await listAuditCheckpoints(db);
  // Only the hashes some checkpoint names are kept, so memory follows the checkpoints, not the trail.
  const wanted = new Set(checkpoints.map((c) => c.vendorSeq));
  const vendorHashes = new Map<number, string>();
  const tenantHashes = new Map<string, string>();
  const verifier = createChainVerifier();
  let count = 0;
  for await (const row of allEvents()) {
    verifier.add(row);
    if (wanted.has(row.vendorSeq)) {
      vendorHashes.set(row.vendorSeq, row.hash);
      if (row.tenantExternalId !== null && row.tenantHash) tenantHashes.set(`${row.tenantExternalId}\u0000${row.tenantSeq}`, row.tenantHash);
    }
    if (++count % PAGE === 0) onProgress?.(count);
  }
  const report = verifier.report();
  const keys = (await listAllSigningPublicKeys(db)).map((k) => k.publicJwk as JWK);
  // A tenant checkpoint names its event by vendor_seq too; that row's tenant hash is the one it must match.
  const lookup = { vendor: (seq: number) => vendorHashes.get(seq), tenant: (t: string, seq: number) => tenantHashes.get(`${t}\u0000${seq}`) };
  return { report, checkpoints: await Promise.all(checkpoints.map((c) => verifyCheckpoint(c.jws, lookup, keys))) };
}
