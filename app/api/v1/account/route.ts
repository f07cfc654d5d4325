// GET /api/v1/account — the signed-in user's salt, public key, sealed private key and tenants.
import { getAccount } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'user' }, async ({ user }) => getAccount(user));
