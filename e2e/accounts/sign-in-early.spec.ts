// Signing in on a slow connection: email and passphrase typed before the
// page's scripts have run are kept (not refused as empty), and "Sign in"
// waits for the page instead of reloading it. The test holds the app's own
// script chunks back for a moment — the network is the only thing slowed.
// (Field and Button do this for every form; admin-lifecycle.spec.ts checks
// the recovery form the same way.)
import { expect, test } from '../fixtures/test';
import { OPERATOR } from '../support/accounts';
import { APP_SCRIPTS, holdBack } from '../support/slow-requests';

test('email and passphrase typed before the page is interactive are kept, and the sign-in goes through', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await holdBack(page, APP_SCRIPTS);
  // The HTML is there, the scripts are not yet: type at once, as a quick user would.
  await page.goto('/sign-in', { waitUntil: 'domcontentloaded' });
  const submit = page.getByRole('button', { name: 'Sign in' });
  await expect(submit).toBeDisabled();
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Passphrase').fill(OPERATOR.passphrase);
  // Enabled once the page runs; the typed text is what it signs in with.
  await submit.click();
  await expect(page.getByTestId('signed-in-user')).toHaveText(OPERATOR.email, { timeout: 30_000 });
  await expect(page.getByText('Enter an email address.')).toHaveCount(0);
  await context.close();
});
