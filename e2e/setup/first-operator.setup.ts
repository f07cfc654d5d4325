// First run: the setup page exists only while no operator exists, and wants
// the one-time token the broker printed at start.
import { mkdirSync } from 'node:fs';
import { expect, test } from '../fixtures/test';
import { AUTH_DIR, OPERATOR, OPERATOR_STATE, setupTokenFromServerLog } from '../support/accounts';
import { APP_SCRIPTS, holdBack } from '../support/slow-requests';

test('the first operator sets up the broker with the token from the server log', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Set up the broker' })).toBeVisible();

  // On a slow connection the form is there before the page is interactive: what is typed then is kept
  // (both passphrase fields included), and the button waits for the page.
  await holdBack(page, APP_SCRIPTS);
  await page.goto('/setup', { waitUntil: 'domcontentloaded' });
  const create = page.getByRole('button', { name: 'Create the first operator' });
  await expect(create).toBeDisabled();
  // A wrong token is refused at the field, and nothing else is lost.
  await page.getByLabel('Setup token').fill('not-the-token-at-all');
  await page.getByLabel('Your email').fill(OPERATOR.email);
  await page.getByLabel('Passphrase', { exact: true }).fill(OPERATOR.passphrase);
  await page.getByLabel('Repeat the passphrase').fill(OPERATOR.passphrase);
  // A box ticked then stays ticked, in the page and in the form's state (no "confirm" error on submit).
  const understood = page.getByRole('checkbox', { name: /I understand/ });
  await understood.check();
  await expect(create).toBeEnabled({ timeout: 30_000 });
  await page.unrouteAll({ behavior: 'wait' });
  await expect(understood).toBeChecked();
  await create.click();
  await expect(page.getByText(/keep my passphrase safe/)).toBeVisible();
  await expect(page.locator('#loss-notice-error')).toHaveCount(0);
  // Refused by the server: the email and both passphrase fields passed the form's own checks.
  await expect(page.getByText('This setup token is not valid.')).toBeVisible();
  await expect(page.getByLabel('Your email')).toHaveValue(OPERATOR.email);

  await page.getByLabel('Setup token').fill(setupTokenFromServerLog());
  await page.getByRole('button', { name: 'Create the first operator' }).click();
  await expect(page).toHaveURL(/\/operator$/);
  await expect(page.getByTestId('signed-in-user')).toHaveText(OPERATOR.email);

  // The setup page is gone for good.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/sign-in|\/operator/);
  const response = await page.request.get('/api/v1/setup');
  expect(await response.json()).toEqual({ needed: false });

  mkdirSync(AUTH_DIR, { recursive: true });
  await page.context().storageState({ path: OPERATOR_STATE });
});
