import { describe, expect, it } from 'vitest';
import { eventHash } from './canonical';
import { verifyExport } from './offline';

const fields = { id: 'aud_1', vendorSeq: 1, tenantExternalId: null, tenantSeq: null, actorType: 'system', actorId: null, actorLabel: null, action: 'test.event', targetType: null, targetId: null, outcome: 'success', ip: null, userAgent: null, requestId: null, at: '2026-11-28T12:00:00.000Z', details: {} };
const line = JSON.stringify({ kind: 'event', ...fields, prevHash: null, hash: eventHash(null, fields), tenantPrevHash: null, tenantHash: null });

describe('verifyExport', () => {
  it('verifies the events of a JSON Lines export, ignoring blank lines', async () => {
    const result = await verifyExport(`${line}\n\n`);
    expect(result.report).toMatchObject({ ok: true, vendor: { count: 1 } });
    expect(result.keysFrom).toBe('none');
  });

  it('refuses what is not an export, naming the line', async () => {
    await expect(verifyExport(`${line}\nnot json`)).rejects.toThrow('line 2: not JSON');
    await expect(verifyExport(JSON.stringify({ kind: 'other' }))).rejects.toThrow('line 1: unknown entry');
  });

  it('reports a checkpoint it cannot check as broken', async () => {
    const result = await verifyExport(`${line}\n${JSON.stringify({ kind: 'checkpoint', jws: 'a.b.c' })}`, []);
    expect(result.keysFrom).toBe('given');
    expect(result.checkpoints).toEqual([expect.objectContaining({ ok: false })]);
  });
});
