import { describe, expect, it } from 'vitest';
import { appliedMessage } from '@/lib/proxy-client/sync-core';
import { parseAppliedLine } from './applied-log';

describe('parseAppliedLine', () => {
  it('reads the proxy client’s applied-changes line from the TSP’s pino log, and nothing else', () => {
    const msg = appliedMessage(false, [{ id: 'bench-000001', seq: 3 }], { receivedAt: null, signatureMs: 61.4, tenantStatesMs: 140.6, pinsMs: 2.2 });
    const line = JSON.stringify({ level: 30, time: 1_796_643_214_198, service: 'cmk-tsp', msg });
    expect(parseAppliedLine(line)).toEqual({ at: 1_796_643_214_198, which: 'bench-000001 at state 3', fromAnswerMs: 0, signatureMs: 61, tenantStatesMs: 141, pinsMs: 2 });
    const full = JSON.stringify({ level: 30, time: 1, msg: appliedMessage(true, [{ id: 'a', seq: 1 }], { receivedAt: null, signatureMs: 1, tenantStatesMs: 1, pinsMs: 1 }) });
    expect(parseAppliedLine(full)).toBeNull();
    expect(parseAppliedLine(JSON.stringify({ level: 30, time: 1, msg: 'tsp request' }))).toBeNull();
    expect(parseAppliedLine("Applied the broker's changes: not json")).toBeNull();
  });
});
