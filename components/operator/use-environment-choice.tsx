'use client';
// The environment select of the operator's "new …" forms: its options, and
// the notices when environments cannot be loaded or none exists yet.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '@/lib/client/api';
import { operatorKeys } from '@/lib/client/query-keys';
import { Alert } from '@/components/ui/alert';
import { LoadError } from './query-state';

/** `why` finishes "… belongs to an environment" style text in the "Create an environment first" notice. */
export function useEnvironmentChoice(why: string): { options: { value: string; label: string }[]; unavailable: boolean; notice: ReactNode } {
  const environments = useQuery({ queryKey: operatorKeys.environments(), queryFn: api.environments });
  const list = environments.data?.environments;
  const hasNoEnvironments = list !== undefined && list.length === 0;
  const options = list
    ? [{ value: '', label: 'Choose an environment' }, ...list.map((e) => ({ value: e.id, label: `${e.displayName} (${e.slug})` }))]
    : [{ value: '', label: environments.isError ? 'Environments could not be loaded' : 'Loading environments…' }];
  const notice = (
    <>
      {environments.isError ? (
        <LoadError title="Could not load environments." error={environments.error} retrying={environments.isFetching} onRetry={() => void environments.refetch()} />
      ) : null}
      {hasNoEnvironments ? (
        <Alert tone="info" title="Create an environment first">
          {why}{' '}
          <Link href="/operator/environments" className="font-medium underline">
            Create an environment
          </Link>
          , then come back here.
        </Alert>
      ) : null}
    </>
  );
  return { options, unavailable: !list || hasNoEnvironments, notice };
}
