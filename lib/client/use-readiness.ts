'use client';
import { useQuery } from '@tanstack/react-query';
import { fetchReadiness } from './fetchers';
import { systemKeys } from './query-keys';

/** The broker's readiness, refreshed every 15 s while the page is open. */
export function useReadiness() {
  return useQuery({ queryKey: systemKeys.readiness(), queryFn: fetchReadiness, refetchInterval: 15_000 });
}
