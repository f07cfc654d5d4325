import 'server-only';
// Streaming audit exports (docs/audit.md "Exports"): a tenant's chain for its
// admins, the vendor chain for operators, as JSON Lines or CSV. Events are
// read 1 000 at a time and written as they are read, so an export of any
// size never sits in memory. The range is fixed when the export starts (new
// events appended meanwhile are left for the next export); within it, events
// the filters leave out become link entries so the chain still verifies.
// Without a "to" filter the export also carries checkpoints beyond the
// stored head, so events cut off the end show up as missing.
import type { JWK } from 'jose';
import type { AuditEvent } from '@/lib/generated/prisma/client';
import type { TAuditFilters } from '@/lib/schemas/audit-views';
import { getPrisma } from '@/lib/server/db';
import {
  findLatestTenantCheckpoint,
  findLatestVendorCheckpoint,
  findTenantSeqBounds,
  findVendorSeqBounds,
  listTenantChain,
  listTenantCheckpoints,
  listVendorChain,
  listVendorCheckpoints,
} from '@/lib/server/dal/audit';
import { listAllSigningPublicKeys } from '@/lib/server/dal/signing-keys';
import { getLogger } from '@/lib/server/log';
import { chainEntry } from './export-entries';
import { csvHeaderLine, csvLine, jsonLine, type ExportEntry, type ExportScope } from './export-format';
import { filtersOf, matchesFilters } from './filters';
import { toAuditRow } from './verify';

export type ExportFormat = 'jsonl' | 'csv';
const PAGE = 1000;

type Range = { first: number; last: number; checkpointsUpTo: number };
type Source = {
  range(): Promise<Range | null>;
  events(after: number, upTo: number): Promise<AuditEvent[]>;
  seqOf(row: AuditEvent): number;
  checkpoints(after: number, upTo: number): Promise<{ seq: number; jws: string }[]>;
};

function tenantSource(tenant: string, filters: TAuditFilters): Source {
  return {
    async range() {
      const db = await getPrisma();
      const [bounds, latest] = await Promise.all([findTenantSeqBounds(db, tenant, filters.from ? new Date(filters.from) : undefined, filters.to ? new Date(filters.to) : undefined), findLatestTenantCheckpoint(db, tenant)]);
      if (bounds.first === null || bounds.last === null || bounds.first > bounds.last) return null;
      // Without a start time the export starts at the chain's start, so events deleted there show as missing.
      return { first: filters.from ? bounds.first : 1, last: bounds.last, checkpointsUpTo: filters.to ? bounds.last : Math.max(bounds.last, latest?.tenantSeq ?? 0) };
    },
    events: async (after, upTo) => listTenantChain(await getPrisma(), tenant, after, upTo, PAGE),
    seqOf: (row) => row.tenantSeq as number,
    checkpoints: async (after, upTo) => (await listTenantCheckpoints(await getPrisma(), tenant, after, upTo, PAGE)).map((c) => ({ seq: c.tenantSeq as number, jws: c.jws })),
  };
}

function vendorSource(filters: TAuditFilters): Source {
  return {
    async range() {
      const db = await getPrisma();
      const [bounds, latest] = await Promise.all([findVendorSeqBounds(db, filters.from ? new Date(filters.from) : undefined, filters.to ? new Date(filters.to) : undefined), findLatestVendorCheckpoint(db)]);
      if (bounds.first === null || bounds.last === null || bounds.first > bounds.last) return null;
      return { first: filters.from ? bounds.first : 1, last: bounds.last, checkpointsUpTo: filters.to ? bounds.last : Math.max(bounds.last, latest?.vendorSeq ?? 0) };
    },
    events: async (after, upTo) => listVendorChain(await getPrisma(), after, upTo, PAGE),
    seqOf: (row) => row.vendorSeq,
    checkpoints: async (after, upTo) => (await listVendorCheckpoints(await getPrisma(), after, upTo, PAGE)).map((c) => ({ seq: c.vendorSeq, jws: c.jws })),
  };
}

async function* exportChunks(scope: ExportScope, tenant: string | undefined, filters: TAuditFilters, format: ExportFormat, now: Date): AsyncGenerator<string> {
  const line = format === 'csv' ? csvLine : jsonLine;
  const lines = (entries: ExportEntry[]) => entries.map(line).join('');
  const source = scope === 'tenant' ? tenantSource(tenant as string, filters) : vendorSource(filters);
  const range = await source.range();
  yield (format === 'csv' ? csvHeaderLine() : '') + line({ kind: 'export', scope, ...(tenant ? { tenant } : {}), exportedAt: now.toISOString(), filters: filtersOf(filters), ...(range ? { range: { first: range.first, last: range.last } } : {}) });
  if (range) {
    for (let after = range.first - 1; after < range.last; ) {
      const page = await source.events(after, range.last);
      if (page.length === 0) break;
      yield lines(page.map((r) => toAuditRow(r)).map((r) => chainEntry(r, scope, matchesFilters(r, filters))));
      after = source.seqOf(page.at(-1) as AuditEvent);
    }
    for (let after = range.first - 1; ; ) {
      const page = await source.checkpoints(after, range.checkpointsUpTo);
      if (page.length) yield lines(page.map((c) => ({ kind: 'checkpoint', jws: c.jws })));
      if (page.length < PAGE) break;
      after = page.at(-1)?.seq as number;
    }
  }
  const keys = (await listAllSigningPublicKeys(await getPrisma())).map((k) => k.publicJwk as JWK);
  yield line({ kind: 'keys', keys });
}

/** The export as a download: streamed, never cached, named after what it holds. */
export async function auditExportResponse(options: { scope: ExportScope; tenant?: string; filters: TAuditFilters; format: ExportFormat; now?: Date }): Promise<Response> {
  const now = options.now ?? new Date();
  const chunks = exportChunks(options.scope, options.tenant, options.filters, options.format, now);
  // The range is read before answering, so a failure there is still an ordinary error answer.
  let pending: IteratorResult<string> | undefined = await chunks.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await chunks.next());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        // Headers are sent: the download ends early, and the verifier reports it as cut off (no keys entry).
        getLogger().error({ err: error, scope: options.scope }, 'audit export failed mid-stream');
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const name = `audit-${options.scope === 'tenant' ? options.tenant : 'vendor'}-${stamp}.${options.format}`;
  return new Response(body, {
    headers: {
      'content-type': options.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    },
  });
}
