// PATCH — tenant rules (second factor required for its admins).
import { z } from 'zod';
import { setTenantMfaRule } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const PATCH = defineRoute(
  { auth: 'tenant-admin', params: z.object({ tenant: z.string() }), body: z.object({ requireMfa: z.boolean() }) },
  async ({ access, body, request, requestId }) => {
    await setTenantMfaRule(access, body.requireMfa, auditContext(request, requestId));
    return { requireMfa: body.requireMfa };
  },
);
