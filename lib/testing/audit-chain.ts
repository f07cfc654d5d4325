// Audit chains as recordAudit writes them, made in memory for unit tests of
// verification and exports, and a broker-like checkpoint signer.
import { calculateJwkThumbprint, type JWK } from 'jose';
import { signCompactJws } from '@/lib/crypto/es256-jws';
import { eventHash } from '@/lib/server/audit/canonical';
import { CHECKPOINT_TYP, type AuditRow, type CheckpointPayload } from '@/lib/server/audit/verify';

/**
 * `n` events; `tenantOf(i)` names the tenant of the i-th (1-based) event, or
 * null for a vendor-only one. `after` continues a stored vendor chain (its
 * tenants must be new to it).
 */
export function auditChain(
  n: number,
  tenantOf: (i: number) => string | null = (i) => (i % 3 === 0 ? null : i % 2 ? 'a' : 'b'),
  after: { vendorSeq: number; hash: string } | null = null,
): AuditRow[] {
  const rows: AuditRow[] = [];
  const heads = new Map<string, { seq: number; hash: string }>();
  const base = after?.vendorSeq ?? 0;
  for (let i = base + 1; i <= base + n; i++) {
    const tenant = tenantOf(i);
    const head = tenant ? heads.get(tenant) : undefined;
    const fields = {
      id: `aud_${i}`,
      vendorSeq: i,
      tenantExternalId: tenant,
      tenantSeq: tenant ? (head?.seq ?? 0) + 1 : null,
      actorType: 'system',
      actorId: null,
      actorLabel: null,
      action: i % 2 ? 'config.edit' : 'config.create',
      targetType: null,
      targetId: null,
      outcome: 'success',
      ip: null,
      userAgent: null,
      requestId: null,
      at: new Date(Date.UTC(2026, 10, 28, 12, 0, i)).toISOString(),
      details: { i },
    };
    const prevHash = rows.at(-1)?.hash ?? after?.hash ?? null;
    const tenantPrevHash = tenant ? (head?.hash ?? null) : null;
    const tenantHash = tenant ? eventHash(tenantPrevHash, fields) : null;
    if (tenant && tenantHash) heads.set(tenant, { seq: fields.tenantSeq as number, hash: tenantHash });
    rows.push({ ...fields, prevHash, hash: eventHash(prevHash, fields), tenantPrevHash, tenantHash });
  }
  return rows;
}

export type TestSigner = { publicJwk: JWK; sign(payload: Partial<CheckpointPayload> & Record<string, unknown>): Promise<string> };

export async function testSigner(): Promise<TestSigner> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
  const jwk = { kty, crv, x, y } as JWK;
  const publicJwk = { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256') };
  return {
    publicJwk,
    sign: (payload) => signCompactJws(new TextEncoder().encode(JSON.stringify({ typ: 'audit-checkpoint', at: '2026-11-28T13:00:00.000Z', ...payload })), pair.privateKey, publicJwk.kid, CHECKPOINT_TYP),
  };
}
