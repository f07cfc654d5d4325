'use client';
// Shown instead of the configurations when the broker's state is older than
// one this browser has seen (docs/configurations.md "Re-issuing the state
// after lost changes"). Nothing can be changed from the older state; a
// confirmed admin reviews what the broker has now, disables what must stay
// disabled, and signs it as a change past everything seen, which proxies
// accept.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { RolledBackError, TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { planReissue, reissueState, type TReissuePlan } from '@/lib/client/reissue';
import { LoadFailed } from './config-alerts';
import { KIND_TEXT } from './kind-text';

export function ReissuePanel({ tenant, ctx, error, onDone }: { tenant: string; ctx: TTenantContext; error: RolledBackError; onDone: (seq: number) => void }) {
  const queryClient = useQueryClient();
  const plan = useQuery({ queryKey: ['tenant', tenant, 'reissue-plan', error.seq, error.seen], queryFn: () => planReissue(ctx), retry: false, gcTime: 0, refetchOnWindowFocus: false });
  const [asking, setAsking] = useState(false);
  // The admin's choice per configuration; until they touch one, the plan's default (re-disable lost revocations).
  const [choices, setChoices] = useState<Record<string, boolean>>({});
  const [reviewed, setReviewed] = useState(false);
  const [hint, setHint] = useState<string | null>(null);
  const toDisable = (p: TReissuePlan) => new Set(p.configs.filter((c) => c.status === 'active' && (choices[c.configId] ?? p.lostRevocations.includes(c.configId))).map((c) => c.configId));
  const reissue = useMutation({
    mutationFn: (p: TReissuePlan) => reissueState(ctx, p, toDisable(p)),
    onSuccess: async (seq) => {
      setAsking(false);
      onDone(seq);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
    },
    onError: () => setAsking(false),
  });

  const p = plan.data;
  return (
    <div className="space-y-4">
      <Alert tone="warning" title="The broker has lost changes, or is withholding them">
        <p>
          The broker shows change {error.seq} of this tenant’s configurations, but {error.seenBy === 'browser' ? 'this browser has already seen' : 'your proxies have already applied'} change{' '}
          {error.seen}
          {error.seenBy === 'browser' && p && p.appliedByProxies > error.seq ? `, and your proxies have applied change ${p.appliedByProxies}` : ''}. This happens when the vendor restored an
          older backup of the broker’s database — or when the broker withholds changes. Proxies keep using the newest configuration they verified, so nothing
          older is in force. Until the state is re-issued, nothing can be changed here.
        </p>
        <p className="mt-2">
          Ask the vendor what happened. If changes were lost, re-issue the state: you review the configurations the broker has now, disable anything that
          must stay disabled, and sign it as a new change that proxies accept.
        </p>
      </Alert>
      {plan.isPending ? <LoadingState>Verifying the broker’s current state…</LoadingState> : null}
      {plan.isError ? <LoadFailed title="The broker’s current state could not be verified" error={plan.error} retrying={plan.isFetching} onRetry={() => void plan.refetch()} /> : null}
      {reissue.isError ? (
        <Alert tone="error" title="The state was not re-issued">
          {reissue.error.message} Nothing was changed.
        </Alert>
      ) : null}
      {p ? (
        <Button
          onClick={() => {
            reissue.reset();
            setHint(null);
            setAsking(true);
          }}
          busy={reissue.isPending}
          busyLabel="Re-issuing the state…"
        >
          Review and re-issue…
        </Button>
      ) : null}
      {p ? (
        <ConfirmDialog
          open={asking}
          title={`Re-issue the tenant state as change ${p.seq}?`}
          confirmLabel={`Re-issue as change ${p.seq}`}
          busy={reissue.isPending}
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            if (!reviewed) {
              setHint('Tick the box once you have checked the configurations.');
              return;
            }
            reissue.mutate(p);
          }}
        >
          <p>
            These are the configurations as the broker has them now (change {p.current.seq}). Changes made after it are lost: a configuration edited since is at
            its older version here — edit it again afterwards.
          </p>
          <fieldset className="space-y-2">
            <legend className="font-medium">Disable in the re-issued state</legend>
            {p.configs.map((c) => (
              <div key={c.configId}>
                <label className="flex items-start gap-2">
                  <Checkbox
                    className="mt-0.5 size-4"
                    checked={c.status === 'disabled' || (choices[c.configId] ?? p.lostRevocations.includes(c.configId))}
                    disabled={c.status === 'disabled' || reissue.isPending}
                    aria-describedby={p.lostRevocations.includes(c.configId) ? `reissue-lost-${c.configId}` : undefined}
                    onCheckedChange={(value) => setChoices((old) => ({ ...old, [c.configId]: value }))}
                  />
                  <span>
                    {c.label} ({KIND_TEXT[c.kind].name}, version {c.version}
                    {c.status === 'disabled' ? ', already disabled' : c.primary ? ', primary' : ''})
                  </span>
                </label>
                {p.lostRevocations.includes(c.configId) ? (
                  <p id={`reissue-lost-${c.configId}`} className="ml-6 text-sm text-amber-800 dark:text-amber-300">Disabled in a newer state this browser saw; it stays disabled unless you untick it.</p>
                ) : null}
              </div>
            ))}
          </fieldset>
          <label className="flex items-start gap-2">
            <Checkbox
              className="mt-0.5 size-4"
              checked={reviewed}
              aria-describedby={hint ? 'reissue-hint' : undefined}
              onCheckedChange={(value) => {
                setReviewed(value);
                setHint(null);
              }}
            />
            <span>I have checked these configurations against what they should be.</span>
          </label>
          {hint ? (
            <p id="reissue-hint" className="text-red-700 dark:text-red-400">
              {hint}
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
