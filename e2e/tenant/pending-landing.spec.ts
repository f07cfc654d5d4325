// A pending admin cannot open the tenant keys yet: `/t/<tenant>` takes them to
// Admins & keys, where their fingerprint is, and every other tab says so and
// links there. (Its own file: the navigation walk's set-up signs in another
// admin, and a file-level hook would run with this test's storage state.)
import { expect, test } from '../fixtures/test';
import { matrixState, tenantTab } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';

test.use({ storageState: matrixState('pending-b') });

test('a pending admin lands on Admins & keys, and the other tabs send them there for their fingerprint', async ({ page }) => {
  await page.goto('/t/matrix-b');
  await expect(page).toHaveURL(/\/t\/matrix-b\/admins$/);
  await expect(page.getByRole('heading', { name: 'Waiting for confirmation' })).toBeVisible();
  await expect(tenantTab(page, 'Admins & keys')).toHaveAttribute('aria-current', 'page');
  for (const [tab, heading] of [['Configurations', 'Configurations'], ['Deployments', 'Proxy deployments'], ['Audit', 'Audit trail']] as const) {
    await page.goto('/t/matrix-b/admins');
    await tenantTab(page, tab).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(tenantTab(page, tab)).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).locator('ol > li > a')).toHaveText(['Tenant matrix-b', tab]);
    await expectNoSeriousAxe(page);
    await page.getByRole('link', { name: 'Show your fingerprint' }).click();
    await expect(page).toHaveURL(/\/t\/matrix-b\/admins$/);
    await expect(page.getByRole('heading', { name: 'Waiting for confirmation' })).toBeVisible();
  }
});
