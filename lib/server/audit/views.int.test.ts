// The audit views and exports on both backends, against the database: the
// tenant list (filters, keyset pages), the vendor list (tenants' events as
// metadata only), streamed exports of 10 000 events that verify offline, the
// CLI on a real tenant export (and on a tampered one), and the pages'
// verification pointing at a row tampered in the database.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TTenantAuditQuery, TVendorAuditQuery } from '@/lib/schemas/audit-views';
import { ZTenantAuditQuery, ZVendorAuditQuery } from '@/lib/schemas/audit-views';
import { writeAuditCheckpoints } from '@/lib/server/audit/checkpoint';
import { auditExportResponse } from '@/lib/server/audit/export';
import { describeExport, isExportOk, verifyExport, verifyExportLines } from '@/lib/server/audit/offline';
import { recordAudit, type AuditActor } from '@/lib/server/audit/record';
import { listTenantAudit, listVendorAudit, verifyTenantChain, verifyTrailSummary } from '@/lib/server/audit/views';
import type { AuditAction } from '@/lib/schemas/audit';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { publishedJwks } from '@/lib/server/signing';
import { auditChain } from '@/lib/testing/audit-chain';
import { tamperAsOwner } from '@/lib/testing/audit-tamper';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

let testDb: TestDatabase;
let db: Database;
const alice: AuditActor = { type: 'user', id: 'usr_alice', label: 'Alice@Acme.example' };
const ops: AuditActor = { type: 'operator', id: 'usr_ops', label: 'ops@vendor.example' };
const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const context = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (test)', requestId: 'req_test_0001' };

async function record(minute: number, tenant: string | null, actor: AuditActor, action: AuditAction, outcome: 'success' | 'failure' | 'denied' = 'success') {
  await db.prisma.$transaction((tx) => recordAudit(tx, { actor, action, tenantExternalId: tenant, outcome, details: { minute }, context, at: at(minute), target: { type: 'config', id: `cfg_${minute}` } }));
}

const tenantQuery = (q: Record<string, string> = {}): TTenantAuditQuery => ZTenantAuditQuery.parse(q);
const vendorQuery = (q: Record<string, string> = {}): TVendorAuditQuery => ZVendorAuditQuery.parse(q);

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  // acme: 8 events (minutes 1..8), globex: 2, vendor-only: 2.
  await record(1, 'acme', alice, 'config.create');
  await record(2, 'acme', alice, 'config.edit');
  await record(3, null, ops, 'deployment.create');
  await record(4, 'globex', { type: 'user', id: 'usr_bob', label: 'bob@globex.example' }, 'config.create');
  await record(5, 'acme', ops, 'tenant.suspend');
  await record(6, 'acme', alice, 'config.edit', 'denied');
  await record(7, 'acme', { type: 'deployment', id: 'dep_1', label: 'prod-eu-1' }, 'delivery.apply');
  await record(8, 'globex', { type: 'user', id: 'usr_bob', label: 'bob@globex.example' }, 'config.delete');
  await record(9, 'acme', alice, 'config.disable');
  await record(10, 'acme', alice, 'config.enable');
  await record(11, null, ops, 'api_token.create');
  await record(12, 'acme', alice, 'config.primary');
  await writeAuditCheckpoints();
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`audit lists on ${backend}`, () => {
  it('pages through a tenant’s chain newest first, each event once, only its own', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTenantAudit('acme', tenantQuery({ limit: '3', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.events.map((e) => e.tenantSeq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    const first = (await listTenantAudit('acme', tenantQuery())).events.at(-1);
    expect(first).toMatchObject({ actorLabel: 'Alice@Acme.example', ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (test)', details: { minute: 1 } });
  });

  it('filters by actor type, actor text, actions, outcome and time', async () => {
    const seqs = async (q: Record<string, string>) => (await listTenantAudit('acme', tenantQuery(q))).events.map((e) => e.tenantSeq);
    expect(await seqs({ actorType: 'operator' })).toEqual([3]);
    expect(await seqs({ actor: 'alice@acme' })).toEqual([8, 7, 6, 4, 2, 1]);
    expect(await seqs({ action: 'config.edit,config.disable' })).toEqual([6, 4, 2]);
    expect(await seqs({ outcome: 'denied' })).toEqual([4]);
    expect(await seqs({ from: at(5).toISOString(), to: at(9).toISOString() })).toEqual([6, 5, 4, 3]);
    expect(await seqs({ actor: 'nobody' })).toEqual([]);
    // LIKE wildcards in the text are literal characters.
    expect(await seqs({ actor: '%' })).toEqual([]);
    expect(await seqs({ actor: 'alice_acme' })).toEqual([]);
  });

  it('shows operators the vendor chain with tenants’ events as metadata only', async () => {
    const page = await listVendorAudit(vendorQuery());
    expect(page.events.map((e) => e.vendorSeq)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    for (const event of page.events) {
      if (event.tenantExternalId) {
        expect(event.vendor).toBeUndefined();
        expect(JSON.stringify(event)).not.toMatch(/198\.51|Mozilla|alice|bob@|minute/i);
      } else expect(event.vendor).toMatchObject({ actorLabel: 'ops@vendor.example', ip: '198.51.100.7', details: { minute: expect.any(Number) } });
    }
    expect((await listVendorAudit(vendorQuery({ tenant: 'globex' }))).events.map((e) => e.vendorSeq)).toEqual([8, 4]);
    expect((await listVendorAudit(vendorQuery({ scope: 'vendor' }))).events.map((e) => e.vendorSeq)).toEqual([11, 3]);
    expect((await listVendorAudit(vendorQuery({ actorType: 'deployment', limit: '1' }))).events.map((e) => e.action)).toEqual(['delivery.apply']);
  });

  it('refuses bad queries with field messages', () => {
    for (const bad of [{ action: 'config.explode' }, { from: 'yesterday' }, { from: at(5).toISOString(), to: at(1).toISOString() }, { cursor: '-1' }, { limit: '500' }, { secret: 'x' }]) {
      expect(ZTenantAuditQuery.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(ZVendorAuditQuery.safeParse({ tenant: 'Not A Tenant!' }).success).toBe(false);
  });
});

async function body(response: Response): Promise<{ text: string; chunks: number }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text, chunks };
    chunks += 1;
    text += decoder.decode(value, { stream: true });
  }
}

function cli(dir: string, name: string, content: string, jwks: object) {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(jwks));
  return spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/audit-verify.ts', '--file', file, '--jwks', path.join(dir, 'jwks.json')], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
}

describe(`audit exports on ${backend}`, () => {
  it('exports a tenant’s chain as a download that verifies, with filtered-out events as links', async () => {
    const response = await auditExportResponse({ scope: 'tenant', tenant: 'acme', filters: { actorType: 'user' }, format: 'jsonl' });
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-acme-[0-9TZ-]+\.jsonl"$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { text } = await body(response);
    const entries = text.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(entries[0]).toMatchObject({ kind: 'export', scope: 'tenant', tenant: 'acme', filters: { actorType: 'user' } });
    expect(entries.filter((e) => e.kind === 'event')).toHaveLength(6);
    expect(entries.filter((e) => e.kind === 'link')).toHaveLength(2);
    expect(text).not.toContain('globex');
    const result = await verifyExport(text, (await publishedJwks()).keys);
    expect(isExportOk(result)).toBe(true);
    expect(result.checkpoints).toEqual([expect.objectContaining({ ok: true, tenantSeq: 8 })]);
  });

  it('the CLI verifies a real tenant export offline with --jwks (JSON Lines and CSV) and fails on a tampered one', async () => {
    const jwks = await publishedJwks();
    for (const format of ['jsonl', 'csv'] as const) {
      const { text } = await body(await auditExportResponse({ scope: 'tenant', tenant: 'acme', filters: { from: at(4).toISOString() }, format }));
      const good = cli(testDb.dir, `acme.${format}`, text, jwks);
      expect(good.stderr).toBe('');
      expect(good.stdout).toMatch(/^OK: 6 entries of tenant acme's chain, 1 signed checkpoint good\.\nNote: this export starts mid-chain at tenant_seq 3/);
      expect(good.status).toBe(0);
      const bad = cli(testDb.dir, `acme-bad.${format}`, text.replace('config.disable', 'config.enable'), jwks);
      expect(bad.stdout).toMatch(/^tenant acme: first broken link at vendor_seq 9 \(event aud_[\w-]+\): modified$/m);
      expect(bad.status).toBe(1);
    }
  });

  it('exports the vendor chain with tenants’ events as metadata links and vendor events whole', async () => {
    const { text } = await body(await auditExportResponse({ scope: 'vendor', filters: {}, format: 'jsonl' }));
    const entries = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.filter((e) => e.kind === 'event').map((e) => e.action)).toEqual(['deployment.create', 'api_token.create']);
    expect(entries.filter((e) => e.kind === 'link')).toHaveLength(10);
    expect(text).not.toMatch(/alice|bob@/i);
    const result = await verifyExport(text, (await publishedJwks()).keys);
    expect(describeExport(result)[0]).toBe('OK: 12 entries of the vendor chain (2 events, 10 link entries), 1 signed checkpoint good.');
  });

  it('streams 10 000 events page by page, and the export verifies', async () => {
    const head = (await db.prisma.auditEvent.findFirst({ orderBy: { vendorSeq: 'desc' } })) as { vendorSeq: number; hash: string };
    const rows = auditChain(10_000, () => 'big', head);
    for (let i = 0; i < rows.length; i += 2000) {
      await db.prisma.auditEvent.createMany({ data: rows.slice(i, i + 2000).map((r) => ({ ...r, at: new Date(r.at), details: r.details as object })) });
    }
    await writeAuditCheckpoints();
    const response = await auditExportResponse({ scope: 'tenant', tenant: 'big', filters: { action: ['config.create'] }, format: 'csv' });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let chunks = 0;
    const decoder = new TextDecoder();
    async function* lines() {
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks += 1;
        const parts = (rest + decoder.decode(value, { stream: true })).split('\n');
        rest = parts.pop() ?? '';
        yield* parts;
      }
      if (rest) yield rest;
    }
    const result = await verifyExportLines(lines(), (await publishedJwks()).keys);
    expect(chunks).toBeGreaterThanOrEqual(10);
    expect(isExportOk(result)).toBe(true);
    expect(result.chain).toMatchObject({ count: 10_000, links: 5_000 });
  }, 180_000);
});

describe(`verification of the stored trail on ${backend}`, () => {
  it('an export of a chain whose first event was deleted in the database reports it missing', async () => {
    const first = await db.prisma.auditEvent.findFirst({ where: { tenantExternalId: 'globex', tenantSeq: 1 } });
    const second = await db.prisma.auditEvent.findFirst({ where: { tenantExternalId: 'globex', tenantSeq: 2 } });
    await tamperAsOwner(db.prisma, `DELETE FROM audit_event WHERE id = '${first?.id}'`);
    try {
      const { text } = await body(await auditExportResponse({ scope: 'tenant', tenant: 'globex', filters: {}, format: 'jsonl' }));
      const result = await verifyExport(text, (await publishedJwks()).keys);
      expect(result.chain?.firstBroken).toEqual({ vendorSeq: second?.vendorSeq, id: second?.id, reason: 'missing' });
    } finally {
      await db.prisma.auditEvent.create({ data: { ...(first as NonNullable<typeof first>), details: first?.details as object } });
    }
  });

  it('reports the tenant chain intact with its newest checkpoint, then the first broken link after tampering', async () => {
    const intact = await verifyTenantChain('acme');
    expect(intact).toMatchObject({ ok: true, count: 8, firstBroken: null, checkpoint: { ok: true, tenantSeq: 8 }, unsigned: 0 });
    const victim = await db.prisma.auditEvent.findFirst({ where: { tenantExternalId: 'acme', tenantSeq: 5 } });
    await tamperAsOwner(db.prisma, `UPDATE audit_event SET actor_label = 'mallory' WHERE id = '${victim?.id}'`);
    try {
      const broken = await verifyTenantChain('acme');
      expect(broken).toMatchObject({ ok: false, firstBroken: { vendorSeq: victim?.vendorSeq, id: victim?.id, reason: 'modified' } });
      expect(broken.lines[0]).toBe(`tenant acme: first broken link at vendor_seq ${victim?.vendorSeq} (event ${victim?.id}): modified`);
      const trail = await verifyTrailSummary();
      expect(trail.ok).toBe(false);
      expect(trail.brokenChains).toEqual([
        { chain: 'vendor', vendorSeq: victim?.vendorSeq, id: victim?.id, reason: 'modified' },
        { chain: 'tenant acme', vendorSeq: victim?.vendorSeq, id: victim?.id, reason: 'modified' },
      ]);
    } finally {
      await tamperAsOwner(db.prisma, `UPDATE audit_event SET actor_label = '${victim?.actorLabel}' WHERE id = '${victim?.id}'`);
    }
    expect((await verifyTrailSummary()).lines).toEqual([expect.stringMatching(/^OK: /)]);
  });
});
