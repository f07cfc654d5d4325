// POST — a proxy deployment stores a tenant secret it made, wrapped by the tenant's primary KMS
// configuration; first writer wins (201 for the row stored now, 200 with the row that was there).
import { ZStoreTenantSecret } from '@/lib/schemas/tenant-secrets';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { storeTenantSecret } from '@/lib/server/tenant-secrets/store';

export const dynamic = 'force-dynamic';

/** The wrapped secret is at most 8 KiB; the rest of the body is ids. */
const MAX_BODY_BYTES = 16 * 1024;

export const POST = defineRoute({ auth: 'proxy', body: ZStoreTenantSecret, maxBodyBytes: MAX_BODY_BYTES }, async ({ deployment, body, request, requestId }) => {
  const result = await storeTenantSecret(deployment, body, auditContext(request, requestId));
  return Response.json(result, { status: result.created ? 201 : 200, headers: { 'cache-control': 'no-store' } });
});
