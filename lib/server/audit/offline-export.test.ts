// Offline verification of the export format: tenant and vendor exports with
// link entries and anchors, tampering of events, links and the tail, and the
// CSV form round-tripping to the same verdicts.
import { beforeAll, describe, expect, it } from 'vitest';
import { auditChain, testSigner, type TestSigner } from '@/lib/testing/audit-chain';
import { chainEntry } from './export-entries';
import { csvHeaderLine, csvLine, jsonLine, type ExportEntry } from './export-format';
import { describeExport, isExportOk, verifyExport } from './offline';
import type { AuditRow } from './verify';

let signer: TestSigner;
beforeAll(async () => {
  signer = await testSigner();
});

const rows = auditChain(30);
const tenantA = rows.filter((r) => r.tenantExternalId === 'a');

type Options = { from?: number; shown?: (r: AuditRow) => boolean; checkpointSeqs?: number[]; edit?: (entries: ExportEntry[]) => void; keys?: boolean };

/** A tenant-a export as the exporter writes it: header, chain entries from tenant_seq `from`, checkpoints, keys. */
async function tenantExport({ from = 1, shown = () => true, checkpointSeqs = [], edit, keys = true }: Options = {}): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [{ kind: 'export', scope: 'tenant', tenant: 'a', exportedAt: '2026-11-29T00:00:00.000Z', filters: {}, range: { first: from, last: tenantA.length } }];
  for (const row of tenantA.filter((r) => (r.tenantSeq as number) >= from)) entries.push(chainEntry(row, 'tenant', shown(row)));
  for (const seq of checkpointSeqs) {
    const row = tenantA.find((r) => r.tenantSeq === seq);
    entries.push({ kind: 'checkpoint', jws: await signer.sign({ scope: 'tenant', vendorSeq: row?.vendorSeq ?? 999, tenantExternalId: 'a', tenantSeq: seq, hash: row?.tenantHash ?? 'gone' }) });
  }
  if (keys) entries.push({ kind: 'keys', keys: [signer.publicJwk] });
  edit?.(entries);
  return entries;
}

const asJsonl = (entries: ExportEntry[]) => entries.map(jsonLine).join('');
const asCsv = (entries: ExportEntry[]) => csvHeaderLine() + entries.map(csvLine).join('');

describe('tenant exports', () => {
  it('verify across filtered-out events (link entries) with their checkpoints, in JSON Lines and CSV', async () => {
    const entries = await tenantExport({ shown: (r) => (r.tenantSeq as number) % 3 !== 0, checkpointSeqs: [3, tenantA.length] });
    expect(entries.filter((e) => e.kind === 'link').length).toBeGreaterThan(0);
    for (const text of [asJsonl(entries), asCsv(entries)]) {
      const result = await verifyExport(text, [signer.publicJwk]);
      expect(isExportOk(result)).toBe(true);
      expect(result.chain).toMatchObject({ count: tenantA.length, head: { seq: tenantA.length } });
      expect(result.checkpoints).toEqual([expect.objectContaining({ ok: true, tenantSeq: 3 }), expect.objectContaining({ ok: true, tenantSeq: tenantA.length })]);
      const lines = describeExport(result);
      expect(lines[0]).toMatch(/^OK: 10 entries of tenant a's chain \(7 events, 3 link entries\), 2 signed checkpoints good\.$/);
      expect(lines.some((l) => l.startsWith('Note: link entries'))).toBe(true);
    }
  });

  it('start mid-chain from the first entry’s previous hash, and say so', async () => {
    const result = await verifyExport(asJsonl(await tenantExport({ from: 6 })));
    expect(isExportOk(result)).toBe(true);
    expect(result.chain?.anchor).toEqual({ seq: 6, prevHash: tenantA[4]?.tenantHash });
    expect(describeExport(result).join('\n')).toContain('starts mid-chain at tenant_seq 6');
  });

  it('point at a modified event', async () => {
    const entries = await tenantExport({ edit: (e) => Object.assign(e[4] as object, { actorLabel: 'mallory' }) });
    for (const text of [asJsonl(entries), asCsv(entries)]) {
      const result = await verifyExport(text);
      expect(isExportOk(result)).toBe(false);
      expect(result.chain?.firstBroken).toEqual({ vendorSeq: tenantA[3]?.vendorSeq, id: tenantA[3]?.id, reason: 'modified' });
      expect(describeExport(result)[0]).toBe(`tenant a: first broken link at vendor_seq ${tenantA[3]?.vendorSeq} (event ${tenantA[3]?.id}): modified`);
    }
  });

  it('catch a tampered link entry, in its back-link or its own hash', async () => {
    const shown = (r: AuditRow) => r.tenantSeq !== 5;
    const prev = await tenantExport({ shown, edit: (e) => Object.assign(e[5] as object, { tenantPrevHash: 'forged' }) });
    expect((await verifyExport(asJsonl(prev))).chain?.firstBroken).toEqual({ tenantSeq: 5, reason: 'prev_mismatch' });
    const own = await tenantExport({ shown, edit: (e) => Object.assign(e[5] as object, { tenantHash: 'forged' }) });
    expect((await verifyExport(asCsv(own))).chain?.firstBroken).toEqual({ vendorSeq: tenantA[5]?.vendorSeq, id: tenantA[5]?.id, reason: 'prev_mismatch' });
  });

  it('catch events cut off the end with a tenant checkpoint, and a file cut off before its keys', async () => {
    // As exported from a database whose last event was deleted: the header's range ends one earlier too.
    const cut = await tenantExport({ checkpointSeqs: [tenantA.length], edit: (e) => { e.splice(e.length - 3, 1); Object.assign(e[0] as object, { range: { first: 1, last: tenantA.length - 1 } }); } });
    const result = await verifyExport(asJsonl(cut));
    expect(result.chain?.firstBroken).toBeUndefined();
    expect(result.problems).toEqual([]);
    expect(result.checkpoints[0]).toMatchObject({ ok: false, tenantSeq: tenantA.length, problem: expect.stringContaining('missing') });
    expect(isExportOk(result)).toBe(false);
    const truncated = await verifyExport(asJsonl(await tenantExport({ keys: false })));
    expect(truncated.problems).toEqual([expect.stringContaining('incomplete')]);
    expect(isExportOk(truncated)).toBe(false);
  });

  it('catch entries removed at the start or the end of the range the header names', async () => {
    const start = await tenantExport({ edit: (e) => e.splice(1, 2) });
    expect((await verifyExport(asJsonl(start))).chain?.firstBroken).toEqual({ vendorSeq: tenantA[2]?.vendorSeq, id: tenantA[2]?.id, reason: 'missing' });
    const end = await verifyExport(asCsv(await tenantExport({ edit: (e) => e.splice(e.length - 2, 1) })));
    expect(end.problems).toEqual([expect.stringContaining(`ends at position ${tenantA.length - 1}, but its first entry says it runs to ${tenantA.length}`)]);
    expect(isExportOk(end)).toBe(false);
  });

  it('refuse an event of another tenant and a checkpoint of another chain', async () => {
    const b = rows.find((r) => r.tenantExternalId === 'b') as AuditRow;
    const foreign = await tenantExport({ edit: (e) => e.splice(1, 1, { kind: 'event', ...b }) });
    expect((await verifyExport(asJsonl(foreign))).chain?.firstBroken).toEqual({ vendorSeq: b.vendorSeq, id: b.id, reason: 'foreign' });
    const vendorCheckpoint = await tenantExport({ edit: (e) => e.push({ kind: 'checkpoint', jws: 'x' }) });
    expect((await verifyExport(asJsonl(vendorCheckpoint))).checkpoints[0]?.ok).toBe(false);
  });
});

describe('vendor exports', () => {
  it('verify the vendor chain with tenant events as metadata links, and catch a modified vendor event', async () => {
    const entries: ExportEntry[] = [{ kind: 'export', scope: 'vendor', exportedAt: '2026-11-29T00:00:00.000Z', filters: {} }, ...rows.map((r) => chainEntry(r, 'vendor', r.vendorSeq > 3))];
    entries.push({ kind: 'checkpoint', jws: await signer.sign({ scope: 'vendor', vendorSeq: 30, hash: rows[29]?.hash }) }, { kind: 'keys', keys: [signer.publicJwk] });
    expect(entries.filter((e) => e.kind === 'event').every((e) => (e as AuditRow).tenantExternalId === null)).toBe(true);
    expect(entries.find((e) => e.kind === 'link' && 'metadata' in e)).toBeDefined();
    for (const text of [asJsonl(entries), asCsv(entries)]) {
      const result = await verifyExport(text);
      expect(isExportOk(result)).toBe(true);
      expect(describeExport(result)[0]).toMatch(/^OK: 30 entries of the vendor chain/);
    }
    const tampered = entries.map((e) => (e.kind === 'event' && e.vendorSeq === 6 ? { ...e, details: { i: 7 } } : e));
    expect((await verifyExport(asCsv(tampered))).chain?.firstBroken).toEqual({ vendorSeq: 6, id: 'aud_6', reason: 'modified' });
  });
});

describe('CSV cells', () => {
  it('round-trip nulls, empty strings, quotes, commas, newlines and formula-looking values exactly', async () => {
    const tricky = auditChain(3, () => 'a').map((r, i) => (i === 1 ? { ...r, actorLabel: '', userAgent: '=HYPERLINK("x"),\n"quoted"', ip: "'=1", details: { note: '-1,"two"' } } : r));
    // Recompute the hashes for the edited event and its successor, as recordAudit would have written them.
    const { eventHash } = await import('./canonical');
    const fixed: AuditRow[] = [];
    for (const r of tricky) {
      const prev = fixed.at(-1);
      const row = { ...r, prevHash: prev?.hash ?? null, tenantPrevHash: prev?.tenantHash ?? null };
      fixed.push({ ...row, hash: eventHash(row.prevHash, row), tenantHash: eventHash(row.tenantPrevHash, row) });
    }
    const entries: ExportEntry[] = [{ kind: 'export', scope: 'tenant', tenant: 'a', exportedAt: 'x', filters: {} }, ...fixed.map((r) => chainEntry(r, 'tenant', true)), { kind: 'keys', keys: [] }];
    const csv = asCsv(entries);
    expect(csv).toContain(`"'=HYPERLINK(""x""),`);
    expect(isExportOk(await verifyExport(csv))).toBe(true);
    expect(isExportOk(await verifyExport(csv.replace('"\'\'=1"', '"\'=1"')))).toBe(false);
  });
});
