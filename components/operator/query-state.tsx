'use client';
// The loading and failure states every operator list shares: a busy text
// while the first answer is on its way, and the API's safe message with a
// way to try again when it fails.
import { useEffect, useRef, useState, type ReactNode } from 'react';
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
/** For tables of a few short columns (the overview's cards): as wide as their box, never forced wider. */
export const TABLE_FIT = 'w-full border-collapse text-left text-sm';
export const TH = 'border-b border-slate-200 px-3 py-2 font-medium text-slate-600 dark:border-slate-800 dark:text-slate-400';
export const TD = 'border-b border-slate-200 px-3 py-3 align-top dark:border-slate-800';

/**
 * Wide tables scroll sideways on small screens; the scroll box is focusable
 * and named so keyboard users can scroll it too. A scroll bar alone is easy
 * to miss (overlay scroll bars only show while scrolling), so a table wider
 * than its box says so above it — otherwise its last columns look cut off.
 */
export function TableScroller({ label, children }: { label: string; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div>
      {overflows ? (
        <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="scroll-hint">
          Scroll sideways to see every column <span aria-hidden="true">→</span>
        </p>
      ) : null}
      {/* relative: screen-reader-only text in the table (position: absolute) is clipped with it instead of widening the page. */}
      <div ref={box} role="region" aria-label={label} tabIndex={0} className="relative overflow-x-auto">
        {children}
      </div>
    </div>
  );
}
