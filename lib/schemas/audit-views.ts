// The audit views' queries (docs/audit.md "Views"): a tenant admin's list of
// the tenant's chain, the operators' list of the vendor chain, and the
// exports of either, with the same filters. Shared by the routes, the pages
// (which keep the filters in the URL) and the exporters.
import { z } from 'zod';
import { AUDIT_ACTION_NAMES, AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES, type AuditAction } from './audit';
import { ZTenantExternalId } from './operator';

const ZTime = z.iso.datetime({ offset: true, error: 'Use an ISO 8601 date and time, like 2026-11-28T12:00:00Z.' });

/** Catalogue names, comma-separated (one query parameter). */
const ZActions = z
  .string()
  .max(2000)
  .transform((v) => [...new Set(v.split(',').map((a) => a.trim()).filter(Boolean))])
  .pipe(z.array(z.enum(AUDIT_ACTION_NAMES as [AuditAction, ...AuditAction[]], { error: 'Not an audited action.' })).min(1).max(AUDIT_ACTION_NAMES.length));

const filters = {
  actorType: z.enum(AUDIT_ACTOR_TYPES).optional(),
  /** Part of the actor's label (an email, a deployment's name), case-insensitive. */
  actor: z.string().trim().min(1).max(200).optional(),
  action: ZActions.optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: ZTime.optional(),
  to: ZTime.optional(),
};
const page = {
  /** Opaque: the nextCursor of the previous page. */
  cursor: z.string().regex(/^[1-9][0-9]{0,9}$/, { error: 'Not a cursor of this list.' }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
const vendorFilters = {
  ...filters,
  tenant: ZTenantExternalId.optional(),
  /** vendor: vendor-only events; tenant: events of a tenant's chain. */
  scope: z.enum(['vendor', 'tenant']).optional(),
};
export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;

const timeOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to);
const TIME_ORDER = { error: '"from" must not be after "to".', path: ['from'] };

export const ZTenantAuditQuery = z.strictObject({ ...filters, ...page }).refine(timeOrder, TIME_ORDER);
export const ZTenantAuditExportQuery = z.strictObject({ ...filters, format: z.enum(EXPORT_FORMATS).default('jsonl') }).refine(timeOrder, TIME_ORDER);
export const ZVendorAuditQuery = z.strictObject({ ...vendorFilters, ...page }).refine(timeOrder, TIME_ORDER);
export const ZVendorAuditExportQuery = z.strictObject({ ...vendorFilters, format: z.enum(EXPORT_FORMATS).default('jsonl') }).refine(timeOrder, TIME_ORDER);

export type TAuditFilters = { actorType?: (typeof AUDIT_ACTOR_TYPES)[number]; actor?: string; action?: AuditAction[]; outcome?: (typeof AUDIT_OUTCOMES)[number]; from?: string; to?: string; tenant?: string; scope?: 'vendor' | 'tenant' };
export type TTenantAuditQuery = z.infer<typeof ZTenantAuditQuery>;
export type TVendorAuditQuery = z.infer<typeof ZVendorAuditQuery>;

/** One event of a tenant's chain as its admins see it. */
export type TTenantAuditRow = {
  id: string;
  vendorSeq: number;
  tenantSeq: number;
  at: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The target's name as it is now (a configuration's label, a deployment's name, an admin's email), from the tenant's own records; null when unknown. Not part of the hashed event. */
  targetName: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: unknown;
};
export type TTenantAuditPage = { events: TTenantAuditRow[]; nextCursor: string | null };

/** One event of the vendor chain as operators see it: a tenant's event shows its metadata only. */
export type TVendorAuditRow = {
  id: string;
  vendorSeq: number;
  tenantExternalId: string | null;
  tenantSeq: number | null;
  at: string;
  actorType: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The target's name as it is now (a tenant's display name, a deployment's name …); never a person on a tenant's event. */
  targetName: string | null;
  outcome: string;
  /** Only for vendor-only events; a tenant's event withholds them (its data). */
  vendor?: { actorId: string | null; actorLabel: string | null; ip: string | null; userAgent: string | null; requestId: string | null; details: unknown };
};
export type TVendorAuditPage = { events: TVendorAuditRow[]; nextCursor: string | null };

/** A tenant chain's verification as its page shows it. */
export type TTenantAuditVerification = {
  ok: boolean;
  count: number;
  head: { tenantSeq: number; at: string } | null;
  firstBroken: { vendorSeq?: number; tenantSeq?: number; id?: string; reason: string } | null;
  checkpoint: { ok: boolean; tenantSeq: number | null; at: string | null; problem: string | null } | null;
  /** Events after the newest checkpoint (signed at the next scheduled run). */
  unsigned: number;
  lines: string[];
};

/** The whole trail's verification (operators' "Verify now"). */
export type TTrailVerification = {
  ok: boolean;
  events: number;
  tenants: number;
  brokenChains: { chain: string; vendorSeq?: number; tenantSeq?: number; id?: string; reason: string }[];
  checkpoints: { total: number; bad: { scope?: string; vendorSeq?: number; tenantExternalId?: string; tenantSeq?: number; problem: string }[] };
  lines: string[];
};
