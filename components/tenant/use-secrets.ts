'use client';
// Data and changes for the deterministic-keys page. The configurations'
// overview (components/configs/use-configs.ts) verifies the signed tenant
// state and gives the configurations' labels; the broker's wrapped secrets
// are checked against that state here (lib/client/tenant-secrets.ts).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import type { TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { changeSecrets, checkSecretRows, mergeSecrets, type TCheckedSecretRow, type TSecretAction, type TSecretPathView } from '@/lib/client/tenant-secrets';
import { errorKind } from '@/components/configs/config-alerts';
import { IntegrityError, loadOverview, type TOverview } from '@/components/configs/use-configs';
import { RolledBackError } from '@/lib/client/configs';

export type TSecretsPage = { overview: TOverview; rows: TCheckedSecretRow[]; paths: TSecretPathView[] };

export async function loadSecretsPage(ctx: TTenantContext): Promise<TSecretsPage> {
  const [overview, listing] = await Promise.all([loadOverview(ctx), api.tenantSecrets(ctx.tenantId)]);
  const rows = await checkSecretRows(listing.secrets);
  const labels = new Map(overview.rows.filter((r) => r.kind === 'kms' && r.kmsConfigId !== null).map((r) => [r.kmsConfigId as number, r.label]));
  return { overview, rows, paths: mergeSecrets(overview.state?.secrets, rows, (id) => labels.get(id) ?? null) };
}

export function useSecretsPage(tenant: string, ctx: TTenantContext) {
  return useQuery({
    queryKey: tenantKeys.secrets(tenant),
    queryFn: () => loadSecretsPage(ctx),
    // As on the configurations page: the list must not change under an open dialog.
    refetchOnWindowFocus: false,
    retry: (count, error) => !(error instanceof IntegrityError) && !(error instanceof RolledBackError) && count < 1,
  });
}

/** A rotation or an archive, signed against the page the admin was looking at; the page reloads after, whatever the outcome (but a change made elsewhere, which the admin reloads on purpose). */
export function useSecretChange(tenant: string, ctx: TTenantContext) {
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: tenantKeys.secrets(tenant) }), queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) })]);
  return useMutation({
    mutationFn: ({ base, action }: { base: TSecretsPage; action: TSecretAction }) => changeSecrets(ctx, base.overview.listing, base.rows, action),
    onError: (error) => {
      if (errorKind(error) !== 'changed') void refresh();
    },
    onSuccess: () => refresh(),
  });
}
