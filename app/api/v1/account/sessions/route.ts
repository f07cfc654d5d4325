// DELETE /api/v1/account/sessions — sign out everywhere (every session of this user ends now).
import { signOutEverywhere } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'user' }, async ({ user }) => {
  await signOutEverywhere(user);
  return { signedOut: true };
});
