'use client';
// Shown when rendering a page fails. The message is generic on purpose; the
// reference lets an operator find the full error in the server log.
import { useEffect, useRef } from 'react';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div role="alert" className="mx-auto max-w-xl space-y-4 py-16 text-center">
      <h1 ref={heading} tabIndex={-1} className="text-3xl font-bold tracking-tight">
        Something went wrong
      </h1>
      <p className="text-slate-600 dark:text-slate-400">
        The page could not be shown. Nothing you entered was sent. Try again; if it keeps happening, give this reference
        to your administrator.
      </p>
      {error.digest ? (
        <p className="font-mono text-sm text-slate-500">
          Reference: <span data-testid="error-reference">{error.digest}</span>
        </p>
      ) : null}
      <button type="button" onClick={reset} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Try again
      </button>
    </div>
  );
}
