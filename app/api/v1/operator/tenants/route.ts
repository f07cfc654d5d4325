// Operators: list tenants and create one (with its first admin's invitation).
import { ZNewTenant } from '@/lib/schemas/operator';
import { createTenant, listTenants } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ tenants: await listTenants() }));

export const POST = defineRoute({ auth: 'operator', body: ZNewTenant }, async ({ user, body }) =>
  Response.json(await createTenant(user, body), { status: 201 }),
);
