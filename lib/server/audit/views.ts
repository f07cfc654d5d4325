import 'server-only';
// The audit views (docs/audit.md "Views"): a tenant's chain for its admins,
// the vendor chain for operators — where a tenant's event shows its metadata
// only, since its actor, address, user agent and details are the tenant's —
// and the verification each page shows.
import type { JWK } from 'jose';
import type { AuditEvent } from '@/lib/generated/prisma/client';
import type { TTenantAuditPage, TTenantAuditQuery, TTenantAuditVerification, TTrailVerification, TVendorAuditPage, TVendorAuditQuery, TVendorAuditRow } from '@/lib/schemas/audit-views';
import { getPrisma } from '@/lib/server/db';
import { findLatestTenantCheckpoint, listTenantAuditPage, listTenantChain, listVendorAuditPage } from '@/lib/server/dal/audit';
import { tenantTargetLookups, vendorTargetLookups } from '@/lib/server/dal/audit-targets';
import { listAllSigningPublicKeys } from '@/lib/server/dal/signing-keys';
import { verifyStoredAuditTrail } from './checkpoint';
import { filterWhere } from './filters';
import { resolveTargetNames, vendorViewAllows } from './target-names';
import { addToChain, describeBroken, describeCheckpoint, describeReport, matchCheckpoint, openCheckpoint, tenantEntry, toAuditRow, type ChainReport, type CheckpointReport } from './verify';
import { plural } from '@/lib/plural';

const iso = (d: Date) => d.toISOString();

export async function listTenantAudit(tenantExternalId: string, query: TTenantAuditQuery): Promise<TTenantAuditPage> {
  const db = await getPrisma();
  const rows = await listTenantAuditPage(db, tenantExternalId, filterWhere(query), query.cursor ? Number(query.cursor) : undefined, query.limit + 1);
  const shown = rows.slice(0, query.limit);
  const names = await resolveTargetNames(shown, await tenantTargetLookups(db, tenantExternalId));
  return {
    events: shown.map((r, i) => ({
      id: r.id,
      vendorSeq: r.vendorSeq,
      tenantSeq: r.tenantSeq as number,
      at: iso(r.at),
      actorType: r.actorType,
      actorId: r.actorId,
      actorLabel: r.actorLabel,
      action: r.action,
      targetType: r.targetType,
      targetId: r.targetId,
      targetName: names[i] ?? null,
      outcome: r.outcome,
      ip: r.ip,
      userAgent: r.userAgent,
      requestId: r.requestId,
      details: r.details,
    })),
    nextCursor: rows.length > query.limit ? String(shown.at(-1)?.tenantSeq) : null,
  };
}

function vendorRow(r: AuditEvent, targetName: string | null): TVendorAuditRow {
  const row: TVendorAuditRow = {
    id: r.id,
    vendorSeq: r.vendorSeq,
    tenantExternalId: r.tenantExternalId,
    tenantSeq: r.tenantSeq,
    at: iso(r.at),
    actorType: r.actorType,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    targetName,
    outcome: r.outcome,
  };
  if (r.tenantExternalId === null) row.vendor = { actorId: r.actorId, actorLabel: r.actorLabel, ip: r.ip, userAgent: r.userAgent, requestId: r.requestId, details: r.details };
  return row;
}

export async function listVendorAudit(query: TVendorAuditQuery): Promise<TVendorAuditPage> {
  const db = await getPrisma();
  const rows = await listVendorAuditPage(db, filterWhere(query), query.cursor ? Number(query.cursor) : undefined, query.limit + 1);
  const shown = rows.slice(0, query.limit);
  const names = await resolveTargetNames(shown, vendorTargetLookups(db), vendorViewAllows);
  return { events: shown.map((r, i) => vendorRow(r, names[i] ?? null)), nextCursor: rows.length > query.limit ? String(shown.at(-1)?.vendorSeq) : null };
}

const PAGE = 1000;
/** Positions are PostgreSQL integers. */
export const MAX_SEQ = 2_147_483_647;

/** A tenant's chain from its start, read 1 000 events at a time, and its newest checkpoint. */
export async function verifyTenantChain(tenantExternalId: string): Promise<TTenantAuditVerification> {
  const db = await getPrisma();
  const latest = await findLatestTenantCheckpoint(db, tenantExternalId);
  const chain: ChainReport = { count: 0 };
  let signedHash: string | undefined;
  let head: { tenantSeq: number; at: string } | null = null;
  for (let after = 0; ; ) {
    const page = await listTenantChain(db, tenantExternalId, after, MAX_SEQ, PAGE);
    for (const row of page) {
      addToChain(chain, tenantEntry(toAuditRow(row)));
      if (latest && row.tenantSeq === latest.tenantSeq) signedHash = row.tenantHash ?? undefined;
      head = { tenantSeq: row.tenantSeq as number, at: iso(row.at) };
    }
    if (page.length < PAGE) break;
    after = page.at(-1)?.tenantSeq as number;
  }
  let checkpoint: CheckpointReport | undefined;
  if (latest) {
    const keys = (await listAllSigningPublicKeys(db)).map((k) => k.publicJwk as JWK);
    const opened = await openCheckpoint(latest.jws, keys);
    checkpoint = 'problem' in opened ? { ok: false, kid: opened.kid, problem: opened.problem } : opened.payload.tenantExternalId !== tenantExternalId ? { ok: false, problem: 'signed for another tenant' } : matchCheckpoint(opened.kid, opened.payload, signedHash);
  }
  const lines = [chain.firstBroken ? describeBroken(`tenant ${tenantExternalId}`, chain.firstBroken) : null, checkpoint && !checkpoint.ok ? describeCheckpoint(checkpoint) : null].filter((l): l is string => l !== null);
  return {
    ok: !chain.firstBroken && (checkpoint?.ok ?? true),
    count: chain.count,
    head,
    firstBroken: chain.firstBroken ?? null,
    checkpoint: checkpoint ? { ok: checkpoint.ok, tenantSeq: checkpoint.tenantSeq ?? latest?.tenantSeq ?? null, at: checkpoint.at ?? null, problem: checkpoint.problem ?? null } : null,
    unsigned: head ? head.tenantSeq - (latest?.tenantSeq ?? 0) : 0,
    lines: lines.length ? lines : [`OK: ${plural(chain.count, 'event')} in the chain of tenant ${tenantExternalId}.`],
  };
}

/** The whole stored trail, summarised for the operators' page (only broken chains are listed). */
export async function verifyTrailSummary(): Promise<TTrailVerification> {
  const { report, checkpoints, goodCheckpoints } = await verifyStoredAuditTrail();
  const brokenChains = [
    ...(report.vendor.firstBroken ? [{ chain: 'vendor', ...report.vendor.firstBroken }] : []),
    ...Object.entries(report.tenants).flatMap(([tenant, c]) => (c.firstBroken ? [{ chain: `tenant ${tenant}`, ...c.firstBroken }] : [])),
  ];
  const bad = checkpoints.map((c) => ({ scope: c.scope, vendorSeq: c.vendorSeq, tenantExternalId: c.tenantExternalId, tenantSeq: c.tenantSeq, problem: c.problem ?? 'bad' }));
  return {
    ok: report.ok && bad.length === 0,
    events: report.vendor.count,
    tenants: Object.keys(report.tenants).length,
    brokenChains,
    checkpoints: { total: goodCheckpoints + bad.length, bad },
    lines: describeReport(report, checkpoints, goodCheckpoints),
  };
}
