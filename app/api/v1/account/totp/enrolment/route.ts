// DELETE /api/v1/account/totp/enrolment — cancel a second-factor set-up that was started (POST /api/v1/account/totp)
// but not confirmed: the secret kept for it is discarded. 409 when the second factor is already on.
import { cancelTotpEnrolment } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'user' }, async ({ user }) => cancelTotpEnrolment(user));
