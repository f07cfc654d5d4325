// GET — unused recovery kits (opaque; openable only with the offline code); POST — store a new one.
import { z } from 'zod';
import { getRecoveryKits, saveRecoveryKit } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: z.string() });

export const GET = defineRoute({ auth: 'tenant-member', params }, async ({ access }) => ({ kits: await getRecoveryKits(access) }));

// signingKid: the tenant signing key of the keys in the kit (refused if the keys were rotated since).
const body = z.object({ kit: z.string().max(16_384), signingKid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'The signing key id of the kit’s keys is missing or malformed.') });

export const POST = defineRoute({ auth: 'tenant-admin', params, body }, async ({ access, body, request, requestId }) =>
  Response.json(await saveRecoveryKit(access, body.kit, body.signingKid, auditContext(request, requestId)), { status: 201 }),
);
