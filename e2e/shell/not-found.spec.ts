import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures/page-errors';
import { matrixState } from '../support/accounts';

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

test.describe('a page that is not yours', () => {
  test.use({ storageState: matrixState('admin-a') });

  test('is the 404 page with its own title, not the title of the page it stands for', async ({ page, pageErrors }) => {
    const paths = [
      '/t/matrix-b/configs', // another tenant's page ("Configurations")
      '/t/no-such-tenant/deployments',
      '/t/matrix-a/configs/not-a-config-id', // a malformed id under the admin's own tenant ("Configuration")
      '/operator/overview', // the operator console, to a tenant admin ("Overview")
    ];
    for (const path of paths) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole('heading', { level: 1, name: 'Page not found' }), path).toBeVisible();
      await expect(page, path).toHaveTitle('Page not found · CMK configuration broker');
    }
    // The admin's own pages keep their titles.
    await page.goto('/t/matrix-a/configs');
    await expect(page).toHaveTitle('Configurations · CMK configuration broker');
    expect(pageErrors.filter((e) => !e.includes('404 (Not Found)'))).toEqual([]);
    pageErrors.length = 0;
  });
});

test('the favicon is served and linked from every page', async ({ page, request, pageErrors }) => {
  const ico = await request.get('/favicon.ico');
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
  // An ICO file: reserved 0, type 1, and at least one image.
  const bytes = await ico.body();
  expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2)]).toEqual([0, 1]);
  expect(bytes.readUInt16LE(4)).toBeGreaterThan(0);

  for (const path of ['/', '/sign-in', '/no/such/page']) {
    await page.goto(path);
    const icons = await page.locator('head link[rel="icon"]').evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).getAttribute('href')));
    expect(icons, path).toContain('/favicon.ico');
    expect(icons, path).toContain('/icon.svg');
  }
  const svg = await request.get('/icon.svg');
  expect(svg.status()).toBe(200);
  expect(svg.headers()['content-type']).toMatch(/^image\/svg\+xml/);
  // Only the 404 page's own document was missing.
  expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 404 (Not Found)']);
  pageErrors.length = 0;
});
