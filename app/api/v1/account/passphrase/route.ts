// POST /api/v1/account/passphrase — new salt, authKey and re-sealed admin key, checked against the current authKey.
import { ZChangePassphrase } from '@/lib/schemas/account';
import { changePassphrase } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'user', body: ZChangePassphrase }, async ({ user, body, request, requestId }) => {
  await changePassphrase(user, body, auditContext(request, requestId));
  return { changed: true };
});
