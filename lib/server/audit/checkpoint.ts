import 'server-only';
// Signed checkpoints of the vendor chain and the database-side verification
// (docs/audit.md). A checkpoint is a compact ES256 JWS by the broker signing
// key over {typ: 'audit-checkpoint', vendorSeq, hash, at}: with the broker's
// public keys, anyone can check an export offline up to that point, and a
// checkpoint beyond the last stored event shows that events were cut off.
import type { JWK } from 'jose';
import { signCompactJws } from '@/lib/crypto/es256-jws';
import { getPrisma } from '@/lib/server/db';
import { findAuditCheckpoint, findVendorHead, insertAuditCheckpoint, listAuditCheckpoints, listAuditEvents } from '@/lib/server/dal/audit';
import { listAllSigningPublicKeys } from '@/lib/server/dal/signing-keys';
import { newId } from '@/lib/server/ids';
import { mapDatabaseError } from '@/lib/server/prisma-errors';
import { getActiveSigningKey } from '@/lib/server/signing';
import { CHECKPOINT_TYP, createChainVerifier, toAuditRow, verifyCheckpoint, type AuditRow, type CheckpointPayload, type CheckpointReport, type VerifyReport } from './verify';

export type Checkpoint = { vendorSeq: number; hash: string; kid: string; jws: string };

/** Signs the current head of the vendor chain (once per head); null while the trail is empty. */
export async function writeAuditCheckpoint(now = new Date()): Promise<Checkpoint | null> {
  const db = await getPrisma();
  const head = await findVendorHead(db);
  if (!head) return null;
  const existing = await findAuditCheckpoint(db, head.vendorSeq);
  if (existing) return existing;
  const key = await getActiveSigningKey();
  const payload: CheckpointPayload = { typ: 'audit-checkpoint', vendorSeq: head.vendorSeq, hash: head.hash, at: now.toISOString() };
  const jws = await signCompactJws(new TextEncoder().encode(JSON.stringify(payload)), key.key, key.kid, CHECKPOINT_TYP);
  const checkpoint = { vendorSeq: head.vendorSeq, hash: head.hash, kid: key.kid, jws };
  try {
    await insertAuditCheckpoint(db, { id: newId('acp'), ...checkpoint });
  } catch (error) {
    // Another instance signed the same head a moment ago.
    if (mapDatabaseError(error)?.code !== 'unique_violation') throw error;
  }
  return checkpoint;
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

/** Verifies the stored chains and every stored checkpoint against the broker's signing keys. */
export async function verifyStoredAuditTrail(): Promise<{ report: VerifyReport; checkpoints: CheckpointReport[] }> {
  const db = await getPrisma();
  const checkpoints = await listAuditCheckpoints(db);
  const wanted = new Set(checkpoints.map((c) => c.vendorSeq));
  const hashBySeq = new Map<number, string>();
  const verifier = createChainVerifier();
  for await (const row of allEvents()) {
    verifier.add(row);
    if (wanted.has(row.vendorSeq)) hashBySeq.set(row.vendorSeq, row.hash);
  }
  const report = verifier.report();
  const keys = (await listAllSigningPublicKeys(db)).map((k) => k.publicJwk as JWK);
  return { report, checkpoints: await Promise.all(checkpoints.map((c) => verifyCheckpoint(c.jws, hashBySeq, keys))) };
}
