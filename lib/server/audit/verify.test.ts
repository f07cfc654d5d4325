import { calculateJwkThumbprint, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCompactJws } from '@/lib/crypto/es256-jws';
import { auditChain } from '@/lib/testing/audit-chain';
import { eventHash } from './canonical';
import { CHECKPOINT_TYP, describeReport, verifyChains, verifyCheckpoint, type AuditRow } from './verify';

const chain = (n: number) => auditChain(n);

describe('verifyChains', () => {
  it('accepts an intact trail and counts every chain', () => {
    const report = verifyChains(chain(9));
    expect(report.ok).toBe(true);
    expect(report.vendor).toMatchObject({ count: 9, head: { seq: 9 } });
    expect(report.tenants.a?.count).toBe(3);
    expect(report.tenants.b?.count).toBe(3);
    expect(describeReport(report)).toEqual(['OK: 9 events in the vendor chain, 2 tenant chains.']);
    expect(verifyChains([]).ok).toBe(true);
  });

  it('points at a modified event in both its chains', () => {
    const rows = chain(9);
    rows[3] = { ...(rows[3] as AuditRow), details: { i: 400 } };
    const report = verifyChains(rows);
    expect(report.ok).toBe(false);
    expect(report.vendor.firstBroken).toEqual({ vendorSeq: 4, id: 'aud_4', reason: 'modified' });
    expect(report.tenants.b?.firstBroken).toEqual({ vendorSeq: 4, id: 'aud_4', reason: 'modified' });
    expect(report.tenants.a?.firstBroken).toBeUndefined();
    expect(describeReport(report)[0]).toBe('vendor chain: first broken link at vendor_seq 4 (event aud_4): modified');
  });

  it('points at the event after a deleted one', () => {
    const rows = chain(9);
    rows.splice(4, 1);
    const report = verifyChains(rows);
    expect(report.vendor.firstBroken).toEqual({ vendorSeq: 6, id: 'aud_6', reason: 'missing' });
    expect(report.tenants.a?.firstBroken).toEqual({ vendorSeq: 7, id: 'aud_7', reason: 'missing' });
  });

  it('detects a deleted event whose successors were renumbered', () => {
    const rows = chain(6);
    rows.splice(1, 1);
    for (const r of rows.slice(1)) r.vendorSeq -= 1;
    expect(verifyChains(rows).vendor.firstBroken).toEqual({ vendorSeq: 2, id: 'aud_3', reason: 'prev_mismatch' });
  });

  it('detects reordered events (swapped positions or swapped storage order)', () => {
    const swapped = chain(6);
    const [r2, r3] = [swapped[1] as AuditRow, swapped[2] as AuditRow];
    [r2.vendorSeq, r3.vendorSeq] = [r3.vendorSeq, r2.vendorSeq];
    swapped[1] = r3;
    swapped[2] = r2;
    expect(verifyChains(swapped).vendor.firstBroken).toEqual({ vendorSeq: 2, id: 'aud_3', reason: 'prev_mismatch' });
    const misordered = chain(6);
    misordered.push(misordered.splice(2, 1)[0] as AuditRow);
    expect(verifyChains(misordered).vendor.firstBroken).toEqual({ vendorSeq: 4, id: 'aud_4', reason: 'missing' });
    const duplicated = chain(4);
    duplicated.push(duplicated[3] as AuditRow);
    expect(verifyChains(duplicated).vendor.firstBroken).toEqual({ vendorSeq: 4, id: 'aud_4', reason: 'out_of_order' });
  });

  it('detects a hash recomputed after a modification at the next link', () => {
    const rows = chain(5);
    const forged = { ...(rows[1] as AuditRow), actorLabel: 'someone else' };
    forged.hash = eventHash(forged.prevHash, forged);
    rows[1] = forged;
    expect(verifyChains(rows).vendor.firstBroken).toEqual({ vendorSeq: 3, id: 'aud_3', reason: 'prev_mismatch' });
  });
});

describe('verifyCheckpoint', () => {
  let key: CryptoKey;
  let publicJwk: JWK;
  let other: JWK;
  const sign = (payload: object, kid = publicJwk.kid as string) => signCompactJws(new TextEncoder().encode(JSON.stringify(payload)), key, kid, CHECKPOINT_TYP);

  async function pair() {
    const p = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', p.publicKey)) as JWK;
    const jwk = { kty, crv, x, y } as JWK;
    return { privateKey: p.privateKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256') } };
  }

  beforeAll(async () => {
    const p = await pair();
    key = p.privateKey;
    publicJwk = p.jwk;
    other = (await pair()).jwk;
  });

  const rows = chain(5);
  const bySeq = new Map(rows.map((r) => [r.vendorSeq, r.hash]));

  it('accepts a signed head that is in the chain', async () => {
    const jws = await sign({ typ: 'audit-checkpoint', vendorSeq: 5, hash: rows[4]?.hash, at: '2026-11-28T12:00:00.000Z' });
    expect(await verifyCheckpoint(jws, bySeq, [other, publicJwk])).toEqual({ ok: true, kid: publicJwk.kid, scope: 'vendor', vendorSeq: 5, at: '2026-11-28T12:00:00.000Z' });
  });

  it('refuses a wrong hash, a cut-off chain, an unknown key and a bad signature', async () => {
    const wrong = await sign({ typ: 'audit-checkpoint', vendorSeq: 4, hash: rows[4]?.hash, at: 'x' });
    expect(await verifyCheckpoint(wrong, bySeq, [publicJwk])).toMatchObject({ ok: false, problem: expect.stringContaining('signed hash') });
    const beyond = await sign({ typ: 'audit-checkpoint', vendorSeq: 6, hash: 'h', at: 'x' });
    expect(await verifyCheckpoint(beyond, bySeq, [publicJwk])).toMatchObject({ ok: false, problem: expect.stringContaining('missing') });
    const good = await sign({ typ: 'audit-checkpoint', vendorSeq: 5, hash: rows[4]?.hash, at: 'x' });
    expect(await verifyCheckpoint(good, bySeq, [other])).toMatchObject({ ok: false, problem: expect.stringContaining('not one of') });
    const forged = await sign({ typ: 'audit-checkpoint', vendorSeq: 5, hash: rows[4]?.hash, at: 'x' }, other.kid as string);
    expect(await verifyCheckpoint(forged, bySeq, [other])).toMatchObject({ ok: false, problem: expect.stringContaining('signature') });
  });
});
