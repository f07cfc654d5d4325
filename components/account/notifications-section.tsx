'use client';
// Mail notifications: a tenant admin turns the digest of security-relevant
// events on their tenants on or off (docs/notifications.md). Operators have
// no tenant, so the section only says so.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { api } from '@/lib/client/api';
import { accountKeys } from '@/lib/client/query-keys';
import { Checkbox } from '@/components/ui/checkbox';

export function NotificationsSection() {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: accountKeys.notifications(), queryFn: api.notificationSettings });
  // The box shows the choice from the click on, set in the same event: the mutation's own state arrives a
  // tick later, and a controlled checkbox would flip back in between.
  const [choice, setChoice] = useState<boolean | null>(null);
  const save = useMutation({
    mutationFn: (enabled: boolean) => api.setNotificationSettings(enabled),
    // The answer is the stored setting: show it at once, so the box never flips back.
    onSuccess: (result) => queryClient.setQueryData(accountKeys.notifications(), result),
    onSettled: () => setChoice(null),
  });

  const description = 'A mail about security-relevant events on the tenants you administer: configurations changed or disabled, admins added or removed, proxy deployments awaiting approval, proxy errors.';
  if (settings.isPending) {
    return (
      <Card id="notifications" title="Mail notifications" description={description}>
        <p aria-busy="true" className="text-sm">
          Loading your setting…
        </p>
      </Card>
    );
  }
  if (settings.error) {
    return (
      <Card id="notifications" title="Mail notifications" description={description}>
        <Alert tone="error">{settings.error.message}</Alert>
      </Card>
    );
  }
  const current = settings.data;
  if (!current.available) {
    return (
      <Card id="notifications" title="Mail notifications">
        <p className="text-sm">Notification mails go to tenant administrators. Operators administer no tenant, so there is nothing to set here.</p>
      </Card>
    );
  }
  const checked = choice ?? current.enabled;
  return (
    <Card id="notifications" title="Mail notifications" description={description}>
      <label className="flex items-start gap-2 text-sm">
        <Checkbox
          className="mt-0.5 size-4"
          checked={checked}
          disabled={save.isPending}
          onCheckedChange={(value) => {
            setChoice(value);
            save.mutate(value);
          }}
        />
        <span>
          Mail me about security events on my tenants (at most one mail every {current.windowMinutes} {current.windowMinutes === 1 ? 'minute' : 'minutes'})
        </span>
      </label>
      <p role="status" className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="notifications-status">
        {save.isPending ? 'Saving…' : save.isSuccess ? (current.enabled ? 'Saved: notifications are on.' : 'Saved: notifications are off.') : ''}
      </p>
      {save.error ? <Alert tone="error">{save.error.message}</Alert> : null}
    </Card>
  );
}
