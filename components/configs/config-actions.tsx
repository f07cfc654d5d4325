'use client';
// The status actions — make primary, disable, enable, delete — as the list's
// rows and a configuration's own page both offer them: one confirmation per
// action (state-dialogs.tsx), one signing flow (use-state-change.ts), and the
// outcome shown where the admin is. Each change is signed against the listing
// on screen when the action started.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import type { TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { ChangeFailed } from './config-alerts';
import { DeleteDialog, DisableDialog, PrimaryDialog } from './state-dialogs';
import type { TConfigView, TOverview } from './use-configs';
import { useStateChange, type TStateAction } from './use-state-change';

export type TRowAction = 'primary' | 'disable' | 'enable' | 'delete';
type TPending = { action: Exclude<TRowAction, 'enable'>; row: TConfigView; base: TOverview };

const DONE: Record<TStateAction['type'], (label: string) => string> = {
  primary: (label) => `${label} is now primary.`,
  disable: (label) => `${label} is disabled.`,
  enable: (label) => `${label} is enabled again.`,
  delete: (label) => `${label} was deleted.`,
};

/** Which status actions fit a configuration: the same rules on the list and on its page. */
export function actionsFor(row: Pick<TConfigView, 'status' | 'isPrimary'>): TRowAction[] {
  if (row.status === 'disabled') return ['enable', 'delete'];
  return row.isPrimary ? ['disable'] : ['primary', 'disable'];
}

export function useConfigActions(tenant: string, ctx: TTenantContext) {
  const queryClient = useQueryClient();
  const change = useStateChange(tenant, ctx);
  const [pending, setPending] = useState<TPending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  function run(action: TStateAction, row: TConfigView, base: TOverview) {
    setPending(null);
    setDone(null);
    change.mutate({ base, action }, { onSuccess: () => setDone(DONE[action.type](row.label)) });
  }
  /** `base`: the listing on screen now, which the change is signed against. Enabling needs no confirmation. */
  function start(action: TRowAction, row: TConfigView, base: TOverview) {
    change.reset();
    setDone(null);
    if (action === 'enable') run({ type: 'enable', configId: row.id }, row, base);
    else setPending({ action, row, base });
  }
  const reload = () => {
    change.reset();
    void queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
  };
  return { change, pending, setPending, done, setDone, run, start, reload, busy: change.isPending };
}

export type TConfigActions = ReturnType<typeof useConfigActions>;

/** Signing in progress, the outcome, or why it failed (with Reload after a change made elsewhere). */
export function ActionFeedback({ actions, reloading }: { actions: TConfigActions; reloading: boolean }) {
  const { change, done, reload } = actions;
  return (
    <>
      {change.isPending ? (
        <p role="status" aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
          Signing the new tenant state and saving it…
        </p>
      ) : null}
      {change.isError ? <ChangeFailed error={change.error} onReload={reload} reloading={reloading} /> : null}
      {done ? <Alert tone="success">{done}</Alert> : null}
    </>
  );
}

/** The confirmations, against the listing the action started from. */
export function ActionDialogs({ actions }: { actions: TConfigActions }) {
  const { pending, setPending, run } = actions;
  const target = (action: TPending['action']) => (pending?.action === action ? pending.row : null);
  const disabling = target('disable');
  const rows = pending?.base.rows ?? [];
  const candidates = disabling ? rows.filter((r) => r.kind === disabling.kind && r.id !== disabling.id && r.status === 'active') : [];
  const currentPrimary = pending ? rows.find((r) => r.kind === pending.row.kind && r.isPrimary) : undefined;
  return (
    <>
      <PrimaryDialog
        target={target('primary')}
        current={currentPrimary}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && run({ type: 'primary', configId: pending.row.id }, pending.row, pending.base)}
      />
      <DisableDialog
        target={disabling}
        candidates={candidates}
        onCancel={() => setPending(null)}
        onConfirm={(successor) => pending && run({ type: 'disable', configId: pending.row.id, successor }, pending.row, pending.base)}
      />
      <DeleteDialog
        target={target('delete')}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && run({ type: 'delete', configId: pending.row.id }, pending.row, pending.base)}
      />
    </>
  );
}
