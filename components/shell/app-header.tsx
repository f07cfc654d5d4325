// Product header: product name, and for a signed-in user their role's links,
// their email and sign-out. The user is passed in by the root layout.
// On a phone (390 px) the product name is left to screen readers and a long
// email is cut with an ellipsis (the full address in its title), so the email
// and Sign out always fit and stay reachable.
import Link from 'next/link';
import { PAGE_FRAME } from '@/components/ui/page-width';
import { IdleWatcher } from './idle-watcher';
import { SignOutButton } from './sign-out-button';

export type HeaderUser = { email: string; isOperator: boolean; idleMinutes: number } | null;

export function AppHeader({ user }: { user: HeaderUser }) {
  return (
    <header className="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
      <div className={`${PAGE_FRAME} flex h-16 items-center justify-between gap-4 px-4 sm:px-6`}>
        <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="size-7 text-brand-600 dark:text-brand-500">
            <path
              fill="currentColor"
              d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm0 5a3 3 0 0 1 1 5.83V16h-2v-3.17A3 3 0 0 1 12 7Z"
            />
          </svg>
          {/* Only the mark on a phone: the name took three lines there and pushed the links off screen. */}
          <span className="sr-only sm:not-sr-only">CMK configuration broker</span>
        </Link>
        <nav aria-label="Main" className="flex min-w-0 items-center gap-1 text-sm text-slate-600 sm:gap-2 dark:text-slate-400">
          {user ? (
            <>
              {user.isOperator ? (
                <Link href="/operator" className="shrink-0 rounded px-2 py-1 hover:text-slate-900 dark:hover:text-white">
                  Console
                </Link>
              ) : null}
              <Link
                href="/account"
                title={user.email}
                className="block min-w-0 truncate rounded px-2 py-1 hover:text-slate-900 sm:max-w-sm md:max-w-md dark:hover:text-white"
                data-testid="signed-in-user"
              >
                {user.email}
              </Link>
              <SignOutButton />
              <IdleWatcher idleMinutes={user.idleMinutes} />
            </>
          ) : (
            <>
              <Link href="/#status" className="shrink-0 rounded px-2 py-1 hover:text-slate-900 dark:hover:text-white">
                System status
              </Link>
              <Link href="/sign-in" className="shrink-0 rounded px-2 py-1 font-medium text-slate-900 hover:underline dark:text-white">
                Sign in
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
