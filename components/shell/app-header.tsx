// Product header: product name, and for a signed-in user their role's links,
// their email and sign-out. The user is passed in by the root layout.
import Link from 'next/link';
import { PAGE_FRAME } from '@/components/ui/page-width';
import { IdleWatcher } from './idle-watcher';
import { SignOutButton } from './sign-out-button';

export type HeaderUser = { email: string; isOperator: boolean; idleMinutes: number } | null;

export function AppHeader({ user }: { user: HeaderUser }) {
  return (
    <header className="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
      <div className={`${PAGE_FRAME} flex min-h-16 flex-wrap items-center justify-between gap-x-4 gap-y-1 px-4 py-2 sm:px-6`}>
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="size-7 text-brand-600 dark:text-brand-500">
            <path
              fill="currentColor"
              d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm0 5a3 3 0 0 1 1 5.83V16h-2v-3.17A3 3 0 0 1 12 7Z"
            />
          </svg>
          <span>CMK configuration broker</span>
        </Link>
        {/* Wraps under the product name on a phone rather than pushing the page wider than the screen. */}
        <nav aria-label="Main" className="flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
          {user ? (
            <>
              {user.isOperator ? (
                <Link href="/operator" className="rounded px-2 py-1 hover:text-slate-900 dark:hover:text-white">
                  Console
                </Link>
              ) : null}
              <Link href="/account" className="rounded px-2 py-1 hover:text-slate-900 dark:hover:text-white" data-testid="signed-in-user">
                {user.email}
              </Link>
              <SignOutButton />
              <IdleWatcher idleMinutes={user.idleMinutes} />
            </>
          ) : (
            <>
              <Link href="/#status" className="rounded px-2 py-1 hover:text-slate-900 dark:hover:text-white">
                System status
              </Link>
              <Link href="/sign-in" className="rounded px-2 py-1 font-medium text-slate-900 hover:underline dark:text-white">
                Sign in
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
