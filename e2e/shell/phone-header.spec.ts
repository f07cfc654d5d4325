// On a phone-sized screen (390 px) the header keeps the signed-in email (cut
// with an ellipsis, the full address in its title) and Sign out on screen and
// usable, for a tenant admin with a long address and for an operator, whose
// header also has the Console link; the header does not overflow.
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { OPERATOR, OPERATOR_STATE, signIn } from '../support/accounts';
import { createTenantWithAdmin } from '../support/tenant';

const TENANT = 'phone-header';
const ADMIN = { email: 'first.admin.with-a-long-name@phone-header.subsidiary.example', passphrase: 'phone header passphrase 5519 wren' };
const PHONE = { width: 390, height: 844 };

test.use({ viewport: PHONE });

async function expectHeaderFits(page: Page, email: string) {
  const header = page.getByRole('banner');
  const user = header.getByTestId('signed-in-user');
  const signOut = header.getByRole('button', { name: 'Sign out', exact: true });
  await expect(user).toBeInViewport({ ratio: 1 });
  await expect(signOut).toBeInViewport({ ratio: 1 });
  await expect(user).toHaveAttribute('title', email);
  // Screen readers still get the whole address; the product link keeps its name.
  await expect(user).toHaveAccessibleName(email);
  await expect(header.getByRole('link', { name: 'CMK configuration broker' })).toBeInViewport();
  // Nothing covers them: a trial click finds each one hit-testable.
  await user.click({ trial: true });
  await signOut.click({ trial: true });
  // The header itself does not overflow (what the page below does is its own business).
  expect(await header.evaluate((el) => [el.scrollWidth, el.clientWidth])).toEqual([PHONE.width, PHONE.width]);
}

test('a tenant admin with a long email sees it, cut, and Sign out', async ({ page, baseURL }) => {
  await createTenantWithAdmin(baseURL as string, TENANT, ADMIN);
  await signIn(page, ADMIN.email, ADMIN.passphrase);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectHeaderFits(page, ADMIN.email);
  }
  const user = page.getByRole('banner').getByTestId('signed-in-user');
  expect(await user.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
});

test.describe('an operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('sees Console, the email and Sign out', async ({ page }) => {
    await page.goto('/account');
    await expect(page.getByRole('banner').getByRole('link', { name: 'Console' })).toBeInViewport({ ratio: 1 });
    await expectHeaderFits(page, OPERATOR.email);
  });
});
