'use client';
// Copies a value to the clipboard and says so, visibly and in a polite live
// region (rendered empty from the start, so screen readers announce the change).
// A refused clipboard says how to copy by hand instead of failing silently.
// An empty value gets no button: there is nothing to copy.
import { useEffect, useRef, useState } from 'react';
import { Button, type ButtonProps } from './button';

type Result = 'copied' | 'failed' | null;

export function CopyButton({
  value,
  children,
  copied,
  variant = 'secondary',
  ...button
}: Omit<ButtonProps, 'onClick' | 'value'> & { value: string; /** The confirmation, e.g. "Key copied to the clipboard." */ copied: string }) {
  const [result, setResult] = useState<Result>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  async function copy() {
    window.clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(value);
      setResult('copied');
    } catch {
      setResult('failed');
    }
    timer.current = window.setTimeout(() => setResult(null), 8000);
  }
  if (value === '') return null;

  return (
    <span className="inline-flex flex-wrap items-center gap-x-3 gap-y-1">
      <Button variant={variant} {...button} onClick={() => void copy()}>
        {children}
      </Button>
      <span role="status" aria-live="polite" className={`text-sm ${result === 'failed' ? 'text-red-700 dark:text-red-400' : 'text-emerald-800 dark:text-emerald-300'}`}>
        {result === 'copied' ? copied : result === 'failed' ? 'This browser refused the clipboard: select the text and copy it by hand.' : ''}
      </span>
    </span>
  );
}
