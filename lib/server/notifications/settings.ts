import 'server-only';
// A tenant admin's mail notification setting (on by default). Turning it off
// also drops the admin's pending events, so nothing already collected is
// mailed afterwards. The change is audited in the chain of each tenant the
// admin administers (vendor-only when none), as the transaction's last statements.
import type { z } from 'zod';
import { getEnv } from '@/lib/env';
import type { TNotificationSettings, ZNotificationSettings } from '@/lib/schemas/notifications';
import { recordAudit, userActor, type AuditContext } from '@/lib/server/audit/record';
import type { CurrentUser } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { confirmedTenantsOf, deleteAllPending, findRecipientSetting, writeRecipientSetting } from '@/lib/server/dal/notifications';
import { AppError } from '@/lib/server/errors';

const windowMinutes = () => Math.max(1, Math.round(getEnv().NOTIFY_BATCH_WINDOW_S / 60));

export async function getNotificationSettings(user: CurrentUser): Promise<TNotificationSettings> {
  if (user.isOperator) return { enabled: false, available: false, windowMinutes: windowMinutes() };
  const row = await findRecipientSetting(await getPrisma(), user.id);
  return { enabled: row?.enabled ?? true, available: true, windowMinutes: windowMinutes() };
}

export async function updateNotificationSettings(
  user: CurrentUser,
  body: z.infer<typeof ZNotificationSettings>,
  context?: AuditContext,
): Promise<TNotificationSettings> {
  if (user.isOperator) throw new AppError('forbidden', { message: 'Operators administer no tenant and receive no notification mail.' });
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    const before = await findRecipientSetting(tx, user.id);
    await writeRecipientSetting(tx, user.id, body.enabled);
    if (!body.enabled) await deleteAllPending(tx, user.id);
    const tenants = [...(await confirmedTenantsOf(tx, user.id)).keys()].sort();
    const event = {
      actor: userActor(user),
      action: 'account.notifications_update' as const,
      target: { type: 'user', id: user.id },
      details: { enabled: body.enabled, previous: before?.enabled ?? true },
      context,
    };
    // recordAudit takes one tenant per call: these calls are the transaction's last statements.
    if (tenants.length === 0) await recordAudit(tx, event);
    for (const tenantExternalId of tenants) await recordAudit(tx, { ...event, tenantExternalId });
  });
  return { enabled: body.enabled, available: true, windowMinutes: windowMinutes() };
}
