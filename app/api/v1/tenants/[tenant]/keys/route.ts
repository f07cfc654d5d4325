// GET — the tenant's public keys, the caller's wrapped copy of its private keys (pending admins: none yet) and its key rotation statements.
import { z } from 'zod';
import { getMyTenantKeys } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-member', params: z.object({ tenant: z.string() }) }, async ({ access }) => ({
  tenant: { externalId: access.tenant.externalId, displayName: access.tenant.displayName, requireMfa: access.tenant.requireMfa },
  ...(await getMyTenantKeys(access)),
}));
