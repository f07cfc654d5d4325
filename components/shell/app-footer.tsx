import pkg from '@/package.json';
import { PAGE_FRAME } from '@/components/ui/page-width';

export function AppFooter() {
  return (
    <footer className="border-t border-slate-200 py-6 text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
      <div className={`${PAGE_FRAME} flex flex-wrap justify-between gap-2 px-4 sm:px-6`}>
        <span>CMK configuration broker {pkg.version}</span>
        <span>Secrets are sealed in your browser; this server stores ciphertext only.</span>
      </div>
    </footer>
  );
}
