'use client';
// One configuration test at a time on a page: start it (a saved version, or a
// draft sealed here), then poll its view every second until it is finished.
// Polling stops by itself: the broker turns "waiting" into "not reached" after
// the pick-up window and "running" into "no result" after the result window.
import { useMutation, useQuery } from '@tanstack/react-query';
import { configTestKey, getConfigTest, startConfigTest } from '@/lib/client/config-tests';
import type { TConfigTestView, TStartConfigTest } from '@/lib/schemas/config-tests';

export const POLL_MS = 1_000;

export function useConfigTest(tenant: string) {
  const start = useMutation({ mutationFn: async (body: () => Promise<TStartConfigTest>) => startConfigTest(tenant, await body()) });
  const testId = start.data?.testId;
  const view = useQuery({
    queryKey: configTestKey(tenant, testId ?? ''),
    queryFn: () => getConfigTest(tenant, testId!),
    enabled: !!testId,
    initialData: start.data,
    // The start answer is a fresh view: poll from there.
    initialDataUpdatedAt: 0,
    refetchInterval: (query) => (query.state.data?.finished ? false : POLL_MS),
    refetchOnWindowFocus: false,
    retry: 2,
  });
  const current: TConfigTestView | undefined = view.data ?? start.data;
  return { start, view, current };
}
