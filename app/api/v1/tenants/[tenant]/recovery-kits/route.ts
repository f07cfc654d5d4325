// GET — unused recovery kits (opaque; openable only with the offline code); POST — store a new one.
import { z } from 'zod';
import { getRecoveryKits, saveRecoveryKit } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: z.string() });

export const GET = defineRoute({ auth: 'tenant-member', params }, async ({ access }) => ({ kits: await getRecoveryKits(access) }));

export const POST = defineRoute({ auth: 'tenant-admin', params, body: z.object({ kit: z.string().max(16_384) }) }, async ({ access, body, request, requestId }) =>
  Response.json(await saveRecoveryKit(access, body.kit, auditContext(request, requestId)), { status: 201 }),
);
