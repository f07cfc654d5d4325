import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures/page-errors';
import { matrixState, OPERATOR_STATE } from '../support/accounts';

/** What only an operator may see of the broker's set-up. */
const DETAILS = ['Embedded PostgreSQL (PGlite)', 'Database', 'Migrations applied', 'Migrations pending'];

test('home page shows the product, its roles and live readiness — ready or not, nothing more', async ({ page }) => {
  const readiness = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ready');
  await page.goto('/');
  await expect(page).toHaveTitle('CMK configuration broker');
  await expect(page.getByRole('banner').getByRole('link', { name: 'CMK configuration broker' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Customer-managed keys');
  for (const role of ['Tenant admins', 'Vendor operators', 'Key proxies']) {
    await expect(page.getByRole('heading', { name: role })).toBeVisible();
  }
  const status = page.getByRole('region', { name: 'System status' });
  await expect(status.getByRole('status')).toHaveText('Ready');
  await expect(status).toContainText('The broker is up');
  for (const detail of DETAILS) await expect(status).not.toContainText(detail);
  // Nor does the answer the page read hold them.
  expect(await (await readiness).json()).toEqual({ status: 'ready' });
});

test.describe('signed in as a tenant admin', () => {
  test.use({ storageState: matrixState('admin-a') });

  test('the status panel still says only ready or not', async ({ page }) => {
    await page.goto('/');
    const status = page.getByRole('region', { name: 'System status' });
    await expect(status.getByRole('status')).toHaveText('Ready');
    await expect(status).toContainText('The broker is up');
    for (const detail of DETAILS) await expect(status).not.toContainText(detail);
  });
});

test.describe('signed in as a vendor operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('the status panel shows the database and its migrations', async ({ page }) => {
    await page.goto('/');
    const status = page.getByRole('region', { name: 'System status' });
    await expect(status.getByRole('status')).toHaveText('Ready');
    await expect(status).toContainText('Embedded PostgreSQL (PGlite)');
    await expect(status.getByText('Migrations pending')).toBeVisible();
    await expect(status.getByText('Migrations applied')).toBeVisible();
  });
});

test('"Check again" refetches readiness and shows progress', async ({ page }) => {
  await page.goto('/');
  const status = page.getByRole('region', { name: 'System status' });
  await expect(status.getByRole('status')).toHaveText('Ready');
  const refetch = page.waitForResponse((r) => r.url().endsWith('/api/ready'));
  await status.getByRole('button', { name: 'Check again' }).click();
  expect((await refetch).status()).toBe(200);
  await expect(status.getByRole('button', { name: 'Check again' })).toBeEnabled();
});

test('keyboard users can skip to the content, with a visible focus ring', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
});

test('follows the system colour scheme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  const dark = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(dark).not.toBe(light);
  expect(light).toBe('rgb(255, 255, 255)');
});

test('has no serious or critical accessibility violations', async ({ page }) => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    await expect(page.getByRole('region', { name: 'System status' }).getByRole('status')).toHaveText('Ready');
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
});
