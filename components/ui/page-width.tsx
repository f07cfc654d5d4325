// Two widths for the page column. Prose and forms stay in the narrow one
// (72rem), where lines of text stay readable; data-heavy pages — wide tables,
// charts side by side — wrap their content in <WidePage> and get 90rem, so
// columns fit without wrapping their headers. The root layout renders <main>
// before it knows the page, so the page marks itself and CSS :has() widens
// the frame (main, and the header and footer so their edges line up); no
// client code, no layout shift.
import type { ReactNode } from 'react';

/** The frame's width classes: main, header and footer use them alike. */
export const PAGE_FRAME = 'mx-auto w-full max-w-6xl [body:has([data-page-width=wide])_&]:max-w-[90rem]';

export function WidePage({ children }: { children: ReactNode }) {
  return <div data-page-width="wide">{children}</div>;
}
