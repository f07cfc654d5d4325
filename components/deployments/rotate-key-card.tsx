'use client';
// Rotating a deployment's API key: the operator chooses how long the current
// key keeps working (so the proxies can be given the new one without an
// outage), and the new key is shown once, with a copy button.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { timeZoneLabel } from '@/lib/client/dates';
import { MAX_KEY_OVERLAP_DAYS } from '@/lib/schemas/deployments';
import { CopyButton } from '@/components/configs/secret-controls';
import { errorMessage } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, SelectField } from '@/components/ui/field';
import { useLeaveWarning } from './use-leave-warning';
import { Checkbox } from '@/components/ui/checkbox';

const HOUR = 3_600_000;
const CHOICES = [
  { value: 'now', label: 'Now — the old key stops at once', ms: 0 },
  { value: '1h', label: 'In 1 hour', ms: HOUR },
  { value: '24h', label: 'In 24 hours', ms: 24 * HOUR },
  { value: '7d', label: 'In 7 days', ms: 7 * 24 * HOUR },
  { value: 'custom', label: 'At a date and time I choose', ms: -1 },
] as const;
type TChoice = (typeof CHOICES)[number]['value'];

/** The ISO end of the old key, or an error message for the custom field. */
export function oldKeyExpiry(choice: TChoice, custom: string, now = Date.now()): { iso: string } | { error: string } {
  const preset = CHOICES.find((c) => c.value === choice);
  if (preset && preset.ms >= 0) return { iso: new Date(now + preset.ms).toISOString() };
  const at = custom ? new Date(custom).getTime() : Number.NaN;
  if (Number.isNaN(at)) return { error: 'Choose a date and time.' };
  if (at < now) return { error: 'Choose a time in the future, or “Now”.' };
  if (at > now + MAX_KEY_OVERLAP_DAYS * 24 * HOUR) return { error: `The old key can keep working for at most ${MAX_KEY_OVERLAP_DAYS} days.` };
  return { iso: new Date(at).toISOString() };
}

export function RotateKeyCard({ id, name }: { id: string; name: string }) {
  const queryClient = useQueryClient();
  const [choice, setChoice] = useState<TChoice>('24h');
  const [custom, setCustom] = useState('');
  const [customError, setCustomError] = useState<string | undefined>();
  const [newKey, setNewKey] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useLeaveWarning(!!newKey && !saved, 'The new API key is shown only once and has not been marked as stored. Leave anyway?');

  const rotate = useMutation({
    mutationFn: (iso: string) => api.rotateApiKey(id, iso),
    onSuccess: (result) => {
      setNewKey(result.apiKey);
      setSaved(false);
      queryClient.setQueryData(operatorKeys.deployment(id), { deployment: result.deployment });
      void queryClient.invalidateQueries({ queryKey: operatorKeys.deployments() });
    },
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = oldKeyExpiry(choice, custom);
    if ('error' in result) return setCustomError(result.error);
    setCustomError(undefined);
    setNewKey(null);
    rotate.mutate(result.iso);
  }

  return (
    <Card id="rotate" title="Rotate API key" description="A new API key for this deployment. The current key keeps working until the time you choose.">
      <div className="space-y-4">
        {rotate.isError ? <Alert tone="error">{errorMessage(rotate.error)}</Alert> : null}
        {newKey ? (
          <Alert tone="warning" title="New API key — shown only now">
            <p>Replace the value of apiKey in the deployment’s credentials file with this key, then restart or reload the proxies of {name}.</p>
            <div className="mt-3 flex flex-wrap items-center gap-2">
              <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900 dark:bg-slate-900 dark:text-slate-100" data-testid="new-api-key">
                {newKey}
              </code>
              <CopyButton value={newKey} name="new API key" />
            </div>
            <label className="mt-3 flex items-center gap-2">
              <Checkbox className="size-4" checked={saved} onCheckedChange={setSaved} />
              <span>I have stored the new key</span>
            </label>
            {saved ? (
              <Button variant="secondary" className="mt-3" onClick={() => setNewKey(null)}>
                Hide the key
              </Button>
            ) : null}
          </Alert>
        ) : null}
        <form onSubmit={onSubmit} noValidate aria-label="Rotate API key" className="grid gap-4 sm:grid-cols-2">
          <SelectField
            label="The current key stops working"
            name="oldKeyEnds"
            value={choice}
            onChange={(e) => setChoice(e.target.value as TChoice)}
            options={CHOICES.map(({ value, label }) => ({ value, label }))}
          />
          {choice === 'custom' ? (
            <Field
              label={`Old key ends at (your time zone, ${timeZoneLabel()})`}
              type="datetime-local"
              value={custom}
              onChange={(e) => setCustom(e.target.value)}
              error={customError}
              help={`At most ${MAX_KEY_OVERLAP_DAYS} days from now.`}
            />
          ) : null}
          <div className="sm:col-span-2">
            <Button type="submit" busy={rotate.isPending} busyLabel="Rotating…">
              Rotate API key
            </Button>
          </div>
        </form>
      </div>
    </Card>
  );
}
