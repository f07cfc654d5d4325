import Link from 'next/link';

export const metadata = { title: 'Page not found' };

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl space-y-4 py-16 text-center">
      <p className="text-sm font-semibold text-brand-600 dark:text-brand-500">404</p>
      <h1 className="text-3xl font-bold tracking-tight">Page not found</h1>
      <p className="text-slate-600 dark:text-slate-400">
        There is nothing at this address, or it is not yours to see. Check the link, or start again from the home page.
      </p>
      <Link href="/" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Go to the home page
      </Link>
    </div>
  );
}
