// GET — a download of the vendor audit chain (JSON Lines or CSV): vendor events whole, tenants' events as link entries with their metadata.
import { ZVendorAuditExportQuery } from '@/lib/schemas/audit-views';
import { defineRoute } from '@/lib/server/api/route';
import { auditExportResponse } from '@/lib/server/audit/export';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator', query: ZVendorAuditExportQuery }, async ({ query }) => {
  const { format, ...filters } = query;
  return auditExportResponse({ scope: 'vendor', filters, format });
});
