// GET — a download of the tenant's audit chain (JSON Lines or CSV) with its checkpoints and the broker's keys, for the selected filters.
import { z } from 'zod';
import { ZTenantAuditExportQuery } from '@/lib/schemas/audit-views';
import { defineRoute } from '@/lib/server/api/route';
import { auditExportResponse } from '@/lib/server/audit/export';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }), query: ZTenantAuditExportQuery }, async ({ access, query }) => {
  const { format, ...filters } = query;
  return auditExportResponse({ scope: 'tenant', tenant: access.tenant.externalId, filters, format });
});
