import 'server-only';
// Verifying an audit export offline, without the database (docs/audit.md).
// An export is JSON Lines, one object per line:
//   {"kind":"event", ...the event's fields and hashes}   in vendor_seq order
//   {"kind":"checkpoint","jws":"…"}                       signed chain heads
//   {"kind":"keys","keys":[…]}                             the broker's public signing keys
// Keys carried in the export only prove it is self-consistent; pass the
// broker's published JWKS (fetched separately) to prove who signed it.
import type { JWK } from 'jose';
import { createChainVerifier, toAuditRow, verifyCheckpoint, type AuditRow, type CheckpointReport, type VerifyReport } from './verify';

export type OfflineResult = { report: VerifyReport; checkpoints: CheckpointReport[]; keysFrom: 'given' | 'export' | 'none' };

export async function verifyExport(text: string, pinnedKeys?: readonly JWK[]): Promise<OfflineResult> {
  const verifier = createChainVerifier();
  const hashBySeq = new Map<number, string>();
  const jwsList: string[] = [];
  const exportKeys: JWK[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    const { kind, ...rest } = entry;
    if (kind === 'event') {
      const row = toAuditRow(rest as AuditRow);
      verifier.add(row);
      hashBySeq.set(row.vendorSeq, row.hash);
    } else if (kind === 'checkpoint' && typeof rest.jws === 'string') jwsList.push(rest.jws);
    else if (kind === 'keys' && Array.isArray(rest.keys)) exportKeys.push(...(rest.keys as JWK[]));
    else throw new Error(`line ${i + 1}: unknown entry (kind must be event, checkpoint or keys)`);
  }
  const keys = pinnedKeys ?? exportKeys;
  const checkpoints = await Promise.all(jwsList.map((jws) => verifyCheckpoint(jws, hashBySeq, keys)));
  return { report: verifier.report(), checkpoints, keysFrom: pinnedKeys ? 'given' : exportKeys.length ? 'export' : 'none' };
}
