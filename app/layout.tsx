// The app shell: product header, main landmark, footer. Theme follows the
// system (Tailwind's `dark:` variant is media-based). Reading the request
// headers makes every page dynamic, which the per-request CSP nonce needs.
import type { Metadata, Viewport } from 'next';
import localFont from 'next/font/local';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { AppHeader } from '@/components/shell/app-header';
import { getEnv } from '@/lib/env';
import { getCurrentUser } from '@/lib/server/authz';
import { AppFooter } from '@/components/shell/app-footer';
import { PAGE_FRAME } from '@/components/ui/page-width';
import { Providers } from './providers';
import './globals.css';

const inter = localFont({
  src: '../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2',
  variable: '--font-inter',
  display: 'swap',
  weight: '100 900',
});

export const metadata: Metadata = {
  title: { default: 'CMK configuration broker', template: '%s · CMK configuration broker' },
  description: 'Customer-managed key and SIEM configurations, sealed in the browser and delivered to key proxies.',
  robots: { index: false, follow: false },
  // public/favicon.ico also answers browsers and tools that ask for /favicon.ico without reading the page.
  icons: { icon: [{ url: '/favicon.ico', sizes: '16x16 32x32 48x48' }, { url: '/icon.svg', type: 'image/svg+xml' }] },
  referrer: 'no-referrer',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0b1220' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The nonce is only read to opt into per-request rendering; Next applies it to its scripts itself.
  (await headers()).get('x-nonce');
  const user = await getCurrentUser();
  const headerUser = user ? { email: user.email, isOperator: user.isOperator, idleMinutes: getEnv().SESSION_IDLE_MINUTES } : null;
  return (
    <html lang="en" className={inter.variable}>
      <body className="flex min-h-screen flex-col bg-white font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-4 focus:py-2 focus:text-slate-900"
        >
          Skip to content
        </a>
        <Providers>
          <AppHeader user={headerUser} />
          <main id="main" tabIndex={-1} className={`${PAGE_FRAME} flex-1 px-4 py-10 sm:px-6`}>
            {children}
          </main>
          <AppFooter />
        </Providers>
      </body>
    </html>
  );
}
