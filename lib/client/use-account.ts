'use client';
// The signed-in account and whether this browser holds its unlocked admin key.
import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import { loadKeys } from './key-store';
import { accountKeys } from './query-keys';

export function useAccount() {
  return useQuery({ queryKey: accountKeys.me(), queryFn: api.account });
}

export function useUnlockedKeys(userId: string | undefined) {
  return useQuery({ queryKey: ['keys', userId ?? ''], queryFn: () => loadKeys(userId as string), enabled: !!userId, staleTime: Infinity });
}
