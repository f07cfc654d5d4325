'use client';
// Approving or removing a proxy deployment as a mutation with progress: every
// configuration is opened and re-sealed in this browser (lib/client/deployments.ts),
// then the listing and the deployments are loaded again.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { TTenantDeployments } from '@/lib/client/api';
import type { TTenantContext } from '@/lib/client/configs';
import { changeApproval, type TApprovalEdit, type TResealProgress } from '@/lib/client/deployments';
import { tenantKeys } from '@/lib/client/query-keys';

export function useApproval(tenant: string, ctx: TTenantContext) {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<TResealProgress | null>(null);
  const mutation = useMutation({
    mutationFn: ({ deployments, edit }: { deployments: TTenantDeployments; edit: TApprovalEdit }) => {
      setProgress(null);
      return changeApproval(ctx, deployments, edit, setProgress);
    },
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant), exact: true }),
        queryClient.invalidateQueries({ queryKey: tenantKeys.deployments(tenant), exact: true }),
      ]);
    },
  });
  return { mutation, progress };
}

/** "Re-sealing 3 of 7 configurations…", or the signing step once all are sealed. */
export function progressText(progress: TResealProgress | null): string {
  if (!progress) return 'Checking the signed state and the deployment keys…';
  if (progress.done < progress.total) return `Re-sealing ${progress.done + 1} of ${progress.total} configurations…`;
  return 'Signing the new tenant state and saving it…';
}
