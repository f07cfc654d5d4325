// Mail notifications of the signed-in tenant admin: GET the setting, PATCH to turn them on or off.
import { ZNotificationSettings } from '@/lib/schemas/notifications';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { getNotificationSettings, updateNotificationSettings } from '@/lib/server/notifications/settings';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'user' }, async ({ user }) => getNotificationSettings(user));

export const PATCH = defineRoute({ auth: 'user', body: ZNotificationSettings }, async ({ user, body, request, requestId }) =>
  updateNotificationSettings(user, body, auditContext(request, requestId)),
);
