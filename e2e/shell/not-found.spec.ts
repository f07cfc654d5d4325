import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures/page-errors';

test('an unknown page is a real 404 with a way back', async ({ page, pageErrors }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('banner')).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Customer-managed keys');
  // Chromium logs the 404 of the document itself; that one, and only that one, is expected.
  expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 404 (Not Found)']);
  pageErrors.length = 0;
});
