'use client';
// Status and primary changes and deletion, as TanStack mutations: the table
// shows the result at once, and goes back to what it was if the broker
// refuses (a change made elsewhere, a network failure). Each change is signed
// against the listing the admin was looking at, so a concurrent change by
// someone else is refused (409 changed_elsewhere), never merged.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { changeState, deleteConfig, type TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { errorKind } from './config-alerts';
import type { TOverview } from './use-configs';

export type TStateAction =
  | { type: 'primary'; configId: string }
  | { type: 'disable'; configId: string; successor: string | null }
  | { type: 'enable'; configId: string }
  | { type: 'delete'; configId: string };

/** The same rules as changeState: one primary per kind, a disabled configuration never primary. */
export function applyAction(overview: TOverview, action: TStateAction): TOverview {
  if (action.type === 'delete') return { ...overview, rows: overview.rows.filter((r) => r.id !== action.configId) };
  const target = overview.rows.find((r) => r.id === action.configId);
  if (!target) return overview;
  const rows = overview.rows.map((r) => {
    if (r.kind !== target.kind) return r;
    if (action.type === 'primary') return { ...r, isPrimary: r.id === target.id };
    if (r.id === target.id) return { ...r, status: action.type === 'enable' ? ('active' as const) : ('disabled' as const), isPrimary: action.type === 'enable' && r.isPrimary };
    if (action.type === 'disable' && target.isPrimary && action.successor === r.id) return { ...r, isPrimary: true };
    return r;
  });
  return { ...overview, rows };
}

export function useStateChange(tenant: string, ctx: TTenantContext) {
  const queryClient = useQueryClient();
  const key = tenantKeys.configs(tenant);
  return useMutation({
    mutationFn: async ({ base, action }: { base: TOverview; action: TStateAction }) => {
      const { listing } = base;
      switch (action.type) {
        case 'primary':
          return changeState(ctx, listing, { configId: action.configId, primary: true });
        case 'disable':
          return changeState(ctx, listing, { configId: action.configId, status: 'disabled', newPrimaryOfKind: action.successor });
        case 'enable':
          return changeState(ctx, listing, { configId: action.configId, status: 'active' });
        case 'delete':
          return deleteConfig(ctx, listing, action.configId);
      }
    },
    onMutate: async ({ action }) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<TOverview>(key);
      if (previous) queryClient.setQueryData<TOverview>(key, applyAction(previous, action));
      return { previous };
    },
    onError: (error, _variables, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
      // After "changed elsewhere" the admin reloads on purpose; anything else may simply refresh.
      if (errorKind(error) !== 'changed') void queryClient.invalidateQueries({ queryKey: key });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
