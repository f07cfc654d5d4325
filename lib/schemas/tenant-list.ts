// The operators' tenant list: search, filters, sorting and keyset pagination,
// shared by the console page and the vendor API (GET /api/v1/vendor/tenants).
// Metadata only: nothing here comes from inside a sealed configuration.
import { z } from 'zod';
import type { TDeliveryState } from '@/lib/delivery-state';

const ZFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const TENANT_SORTS = ['externalId', 'displayName', 'environment', 'status', 'lastChangeAt', 'createdAt'] as const;

export const ZTenantListQuery = z.strictObject({
  /** Substring of the tenant id, its name or an admin's email (case-insensitive). */
  q: z.string().trim().max(200).optional(),
  /** Environment slug. */
  environment: z.string().trim().max(64).optional(),
  /** invited = invitation pending (no admin has brought the tenant keys yet). */
  status: z.enum(['invited', 'active', 'suspended']).optional(),
  hasPrimaryKms: ZFlag.optional(),
  hasSiem: ZFlag.optional(),
  /** An active deployment of its environment that the tenant has not approved. */
  approvalPending: ZFlag.optional(),
  /** A deployment that approved the tenant has not reported its latest state. */
  propagationIncomplete: ZFlag.optional(),
  /** A deployment reports errors for the tenant. */
  proxyErrors: ZFlag.optional(),
  sort: z.enum(TENANT_SORTS).default('externalId'),
  order: z.enum(['asc', 'desc']).default('asc'),
  /** Opaque keyset cursor from the previous page's nextCursor. */
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TTenantListQuery = z.infer<typeof ZTenantListQuery>;

export type TTenantListRow = {
  id: string;
  externalId: string;
  displayName: string;
  environment: { slug: string; displayName: string };
  status: 'invited' | 'active' | 'suspended';
  admins: { confirmed: number; pending: number };
  kms: { primaryProvider: string | null; count: number };
  siem: { primaryProvider: string | null; count: number };
  lastChangeAt: string | null;
  stateSeq: number;
  /** `lagging`: approved deployments that have not applied the latest state, each with where it stands (lib/delivery-state.ts). */
  propagation: { approved: number; applied: number; lagging: { deploymentId: string; name: string; appliedSeq: number | null; delivery: TDeliveryState }[] };
  warnings: string[];
  createdAt: string;
};

export type TTenantListPage = { rows: TTenantListRow[]; total: number; nextCursor: string | null };
