// DELETE /api/v1/account/sessions — sign out everywhere (every session of this user ends now).
import { signOutEverywhere } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'user' }, async ({ user, request, requestId }) => {
  await signOutEverywhere(user, auditContext(request, requestId));
  return { signedOut: true };
});
