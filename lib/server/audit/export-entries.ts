import 'server-only';
// What one event of a chain becomes in an export (docs/audit.md "Exports"):
// the whole event when the export shows it, or a link entry that keeps the
// chain verifiable across it. A tenant export shows the tenant's events that
// match its filters. A vendor export shows vendor-only events in full; a
// tenant's event is that tenant's data, so it becomes a link of the vendor
// chain with its metadata (unverifiable there, since the content is withheld).
import type { ExportEntry, ExportScope } from './export-format';
import type { AuditRow } from './verify';

export function chainEntry(row: AuditRow, scope: ExportScope, shown: boolean): ExportEntry {
  if (scope === 'tenant') {
    return shown ? { kind: 'event', ...row } : { kind: 'link', tenantSeq: row.tenantSeq as number, tenantPrevHash: row.tenantPrevHash, tenantHash: row.tenantHash as string };
  }
  if (shown && row.tenantExternalId === null) return { kind: 'event', ...row };
  const link: ExportEntry = { kind: 'link', vendorSeq: row.vendorSeq, prevHash: row.prevHash, hash: row.hash };
  if (!shown) return link;
  const { at, tenantExternalId, tenantSeq, actorType, action, targetType, targetId, outcome } = row;
  return { ...link, metadata: { at, tenantExternalId, tenantSeq, actorType, action, targetType, targetId, outcome } };
}
