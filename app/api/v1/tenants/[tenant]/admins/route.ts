// GET — the tenant's admins with their public keys (for fingerprint comparison).
import { z } from 'zod';
import { listTenantAdmins } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }) }, async ({ access }) => ({
  admins: await listTenantAdmins(access),
}));
