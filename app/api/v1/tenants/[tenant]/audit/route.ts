// GET — the tenant's audit chain, newest first, filtered and paged (keyset): confirmed admins of that tenant only.
import { z } from 'zod';
import { ZTenantAuditQuery } from '@/lib/schemas/audit-views';
import { defineRoute } from '@/lib/server/api/route';
import { listTenantAudit } from '@/lib/server/audit/views';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }), query: ZTenantAuditQuery }, async ({ access, query }) =>
  listTenantAudit(access.tenant.externalId, query),
);
