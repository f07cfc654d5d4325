// Vendor API tokens in the console: an operator makes a read token (shown
// once, copied to the clipboard), uses it against the vendor API, sees its
// last use, revokes it after confirming — and its next request gets 401. The
// API docs page renders every vendor operation from the OpenAPI document, each
// example with a Copy button that copies exactly its text.
// Both pages pass axe without serious or critical findings.
import { VENDOR_OPERATIONS } from '@/lib/schemas/vendor-api';
import { expect, test } from '../fixtures/page-errors';
import { OPERATOR_STATE } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';

test.use({ storageState: OPERATOR_STATE, permissions: ['clipboard-read', 'clipboard-write'] });

test('an operator makes a read token, uses it, and revokes it', async ({ page }) => {
  const name = `e2e reporting ${Date.now().toString(36)}`;
  await page.goto('/operator/api-tokens');
  await expect(page.getByRole('heading', { name: 'API tokens', level: 1 })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'API tokens' })).toHaveAttribute('aria-current', 'page');
  await expectNoSeriousAxe(page);

  const form = page.getByRole('form', { name: 'New API token' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Scope').selectOption('read');
  await form.getByLabel('Expires').selectOption('date');
  await form.getByRole('button', { name: 'Create token' }).click();
  await expect(form.getByText(/Choose a date/)).toBeVisible();
  await form.getByLabel('Expires').selectOption('30');
  await form.getByRole('button', { name: 'Create token' }).click();

  const panel = page.getByTestId('new-api-token');
  await expect(panel.getByText('copy it now')).toBeVisible();
  const token = await panel.getByLabel('API token').inputValue();
  expect(token).toMatch(/^cmkv_[A-Za-z0-9_-]{43}$/);
  await panel.getByRole('button', { name: 'Copy token' }).click();
  await expect(panel.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await expectNoSeriousAxe(page);

  const auth = { authorization: `Bearer ${token}` };
  const environments = await page.request.get('/api/v1/vendor/environments', { headers: auth });
  expect(environments.status()).toBe(200);
  expect(await environments.json()).toHaveProperty('environments');
  expect((await page.request.post('/api/v1/vendor/tenants/acme/suspend', { headers: auth })).status()).toBe(403);

  await panel.getByRole('button', { name: 'Done' }).click();
  // Shown once: after closing, the page and its data hold the token no more.
  await page.reload();
  await expect(page.getByText(token)).toHaveCount(0);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
  await expect(row.getByRole('cell').nth(0)).toHaveText('Read');
  await expect(row.getByText('Active')).toBeVisible();
  await expect(row.getByRole('cell').nth(3)).not.toHaveText('Never');

  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Revoke “${name}”?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByText(`Token “${name}” revoked.`)).toBeVisible();
  await expect(row.getByText('Revoked')).toBeVisible();

  const refused = await page.request.get('/api/v1/vendor/environments', { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ code: 'unauthenticated' });
});

test('the API docs page renders every vendor operation from the OpenAPI document', async ({ page }) => {
  await page.goto('/operator/api-docs');
  await expect(page.getByRole('heading', { name: 'Vendor API', level: 1 })).toBeVisible();
  for (const op of Object.values(VENDOR_OPERATIONS)) {
    const section = page.getByRole('region', { name: op.summary, exact: true });
    await expect(section, op.summary).toBeVisible();
    await expect(section.getByText(`${op.method} ${op.path}`, { exact: true })).toBeVisible();
    await expect(section.getByText(`scope: ${op.scope}`)).toBeVisible();
  }
  await expect(page.getByRole('heading', { name: 'TenantRow' })).toBeVisible();
  await expect(page.getByRole('link', { name: '/api/v1/openapi.json' })).toBeVisible();
  await expectNoSeriousAxe(page);
});

test('every API example has a Copy button that copies exactly the example, by mouse and by keyboard', async ({ page }) => {
  await page.goto('/operator/api-docs');
  const example = (summary: string) => page.getByRole('region', { name: summary, exact: true }).getByLabel(`Example request: ${summary}`, { exact: true });
  const copy = (summary: string) => page.getByRole('region', { name: summary, exact: true }).getByRole('button', { name: `Copy the example request: ${summary}`, exact: true });
  for (const op of Object.values(VENDOR_OPERATIONS)) await expect(copy(op.summary), op.summary).toBeEnabled();

  // By mouse: a GET without a body.
  const list = VENDOR_OPERATIONS.listTenants.summary;
  await copy(list).click();
  await expect(page.getByRole('region', { name: list, exact: true }).getByRole('status').filter({ hasText: 'Copied.' })).toBeVisible();
  const listText = await example(list).textContent();
  expect(listText).toMatch(/^curl -sS 'http:\/\/[^']+\/api\/v1\/vendor\/tenants' \\\n {2}-H "Authorization: Bearer \$CMK_VENDOR_TOKEN"$/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(listText);

  // By keyboard: one step back from the example is its Copy button; Enter copies the POST with its body.
  const create = VENDOR_OPERATIONS.createTenant.summary;
  await example(create).focus();
  await page.keyboard.press('Shift+Tab');
  await expect(copy(create)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: create, exact: true }).getByRole('status')).toHaveText('Copied.');
  const createText = await example(create).textContent();
  expect(createText).toContain("-X POST '");
  expect(createText).toContain("  -d '{");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(createText);

  // On a phone the page fits the screen: long paths wrap, an example scrolls inside its own box.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(copy(create)).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
