'use client';
import { useQuery } from '@tanstack/react-query';
import { fetchReadiness, fetchReadinessDetails, type TReadiness, type TReadinessAnswer, type TReadinessDetails } from './fetchers';
import { systemKeys } from './query-keys';

/**
 * The broker's readiness, refreshed every 15 s while the page is open: ready
 * or not for everyone, with the database and migrations for an operator.
 */
export function useReadiness(withDetails: boolean) {
  return useQuery<TReadinessAnswer<TReadiness | TReadinessDetails>>({
    queryKey: withDetails ? systemKeys.readinessDetails() : systemKeys.readiness(),
    queryFn: withDetails ? fetchReadinessDetails : fetchReadiness,
    refetchInterval: 15_000,
  });
}
