// A slow connection for some of the page's requests: each one matching is
// held back for a moment before it goes out. With the app's script chunks,
// the server-rendered HTML is there (and can be typed into) before the page is
// interactive; with an API route, the page is interactive before its data is
// there. Routing also turns off the HTTP cache, so each navigation waits
// again. Only the network is slowed; the app is not changed.
import type { Page } from '@playwright/test';

export const APP_SCRIPTS = '**/_next/static/chunks/**';

export async function holdBack(page: Page, pattern: string, ms = 1_500): Promise<void> {
  await page.route(pattern, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.continue();
  });
}
