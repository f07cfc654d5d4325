// Mail notification settings of a tenant admin (docs/notifications.md):
// shared by the account page and the route handler.
import { z } from 'zod';

export const ZNotificationSettings = z.strictObject({
  enabled: z.boolean({ error: 'Choose on or off.' }),
});

export type TNotificationSettings = {
  /** Whether digests are mailed (default on). */
  enabled: boolean;
  /** False for operators: they administer no tenant and receive no notifications. */
  available: boolean;
  /** The batch window in minutes: at most one mail in this time. */
  windowMinutes: number;
};
