// TOTP second factor: POST starts enrolment (secret + QR), PUT confirms with a code (returns recovery codes once), DELETE turns it off.
import { ZTotpCode } from '@/lib/schemas/account';
import { beginTotp, disableTotp, enableTotp } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'user' }, async ({ user }) => beginTotp(user));

export const PUT = defineRoute({ auth: 'user', body: ZTotpCode }, async ({ user, body, request, requestId }) => enableTotp(user, body.code, auditContext(request, requestId)));

export const DELETE = defineRoute({ auth: 'user', body: ZTotpCode }, async ({ user, body, request, requestId }) => {
  await disableTotp(user, body.code, auditContext(request, requestId));
  return { disabled: true };
});
