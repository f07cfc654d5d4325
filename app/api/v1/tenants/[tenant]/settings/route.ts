// PATCH — tenant rules (second factor required for its admins).
import { z } from 'zod';
import { setTenantMfaRule } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const PATCH = defineRoute(
  { auth: 'tenant-admin', params: z.object({ tenant: z.string() }), body: z.object({ requireMfa: z.boolean() }) },
  async ({ access, body }) => {
    await setTenantMfaRule(access, body.requireMfa);
    return { requireMfa: body.requireMfa };
  },
);
