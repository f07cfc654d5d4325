'use client';
// The loading and failure states every operator list shares: a busy text
// while the first answer is on its way, and the API's safe message with a
// way to try again when it fails.
import type { ReactNode } from 'react';
import { ApiError } from '@/lib/client/fetchers';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

/** ApiError messages are written for users; anything else (a bug, a proxy's HTML page) is not. */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again in a moment.';
}

export function LoadingState({ children }: { children: ReactNode }) {
  return (
    <p aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
      {children}
    </p>
  );
}

export function LoadError({ title, error, retrying, onRetry }: { title: string; error: unknown; retrying: boolean; onRetry: () => void }) {
  return (
    <Alert tone="error" title={title}>
      <p>{errorMessage(error)}</p>
      <Button variant="secondary" className="mt-3" busy={retrying} onClick={onRetry}>
        Retry
      </Button>
    </Alert>
  );
}

/** Shared table look; callers give each table its caption and column headers. */
export const TABLE = 'w-full min-w-[40rem] border-collapse text-left text-sm';
export const TH = 'border-b border-slate-200 px-3 py-2 font-medium text-slate-600 dark:border-slate-800 dark:text-slate-400';
export const TD = 'border-b border-slate-200 px-3 py-3 align-top dark:border-slate-800';

/**
 * Wide tables scroll sideways on small screens; the scroll box is focusable
 * and named so keyboard users can scroll it too. It is positioned so that the
 * tables' visually hidden (absolutely positioned) captions and headers stay
 * inside it: otherwise they escape the clipping and widen the whole page.
 */
export function TableScroller({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className="relative overflow-x-auto">
      {children}
    </div>
  );
}
