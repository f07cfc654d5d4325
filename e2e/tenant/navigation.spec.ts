// The tenant area's navigation, as a new admin meets it: `/t/<tenant>` opens
// the configurations; five tabs on every tenant page (Configurations,
// Deployments, Deterministic keys, Audit, Admins & keys) with the current one marked; breadcrumbs
// instead of "Back to …" links (Tenant › Configurations › <name>); the tabs by
// keyboard with a visible focus, whole on a 390 px screen, axe-clean in light
// and dark. (A pending admin's landing: pending-landing.spec.ts.)
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, signIn, tenantTab } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { enrollFirstAdmin } from '../support/enroll';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'nav-co';
const NAME = 'Nav Co';
const ADMIN = { email: 'admin@nav-co.example', passphrase: 'compass harbour 4471 lichen tide' };
const TABS = [
  { label: 'Configurations', path: 'configs', heading: 'Configurations', ready: (p: Page) => expect(p.getByTestId('configs-empty-kms').or(p.getByTestId('config-row-Nav KMS'))).toBeVisible() },
  { label: 'Deployments', path: 'deployments', heading: 'Proxy deployments', ready: (p: Page) => expect(p.getByRole('region', { name: 'Approved deployments' })).toBeVisible() },
  { label: 'Deterministic keys', path: 'secrets', heading: 'Deterministic keys', ready: (p: Page) => expect(p.getByText(/^No secrets yet/)).toBeVisible() },
  { label: 'Audit', path: 'audit', heading: 'Audit trail', ready: (p: Page) => expect(p.getByTestId('tenant-audit-verification')).toBeVisible() },
  { label: 'Admins & keys', path: 'admins', heading: 'Admins & keys', ready: (p: Page) => expect(p.getByTestId('tenant-keys-unlocked')).toBeVisible() },
] as const;

let page: Page;
const pageErrors: string[] = [];
const tabs = () => page.getByRole('navigation', { name: `Tenant ${NAME}` }).getByRole('link');
const breadcrumb = () => page.getByRole('navigation', { name: 'Breadcrumb' });

/** The breadcrumb is an ordered list of links, the last one the page itself; and no "Back to …" link is left. */
async function expectBreadcrumb(labels: string[]): Promise<void> {
  await expect(breadcrumb().locator('ol > li > a')).toHaveText(labels);
  await expect(breadcrumb().getByRole('link', { name: labels.at(-1), exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(breadcrumb().locator('[aria-current]')).toHaveCount(1);
  await expect(breadcrumb().getByRole('link', { name: NAME, exact: true })).toHaveAttribute('href', `/t/${TENANT}`);
  await expect(page.getByRole('link', { name: /^Back to/ })).toHaveCount(0);
}

async function expectCurrentTab(label: string): Promise<void> {
  await expect(tabs()).toHaveText(TABS.map((t) => t.label));
  await expect(tenantTab(page, label as (typeof TABS)[number]['label'])).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('navigation', { name: `Tenant ${NAME}` }).locator('[aria-current]')).toHaveCount(1);
}

test.beforeAll(async ({ browser, baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'nav-walk', displayName: 'Nav walk' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: NAME, environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  await enrollFirstAdmin(baseURL as string, TENANT, ADMIN.email, ADMIN.passphrase);
  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors, { failedLoads: 'count' });
  await signIn(page, ADMIN.email, ADMIN.passphrase);
});

test.afterAll(async () => {
  await page?.context().close();
  expect(pageErrors).toEqual([]);
});

test('the tenant’s address opens the configurations, with the tabs and the current one marked', async () => {
  await page.goto(`/t/${TENANT}`);
  await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/configs$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Configurations' })).toBeVisible();
  await expectCurrentTab('Configurations');
  await expectBreadcrumb([NAME, 'Configurations']);
});

test('every tab opens its page, marked as current, with a breadcrumb and no serious axe violation in light and dark', async () => {
  test.setTimeout(120_000);
  for (const tab of TABS) {
    await tenantTab(page, tab.label).click();
    await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/${tab.path}$`));
    await expect(page.getByRole('heading', { level: 1, name: tab.heading })).toBeVisible();
    await expectCurrentTab(tab.label);
    await expectBreadcrumb([NAME, tab.label]);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await tab.ready(page);
      await expect(page.getByText(/^Loading/)).toHaveCount(0);
      await expectNoSeriousAxe(page);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
});

test('a configuration’s page reads Tenant › Configurations › its name, and the crumbs lead back up', async () => {
  test.setTimeout(90_000);
  const provider = findProvider('aws-kms') as TProvider;
  const form = await openNewForm(page, TENANT, 'kms');
  await expectCurrentTab('Configurations');
  await expectBreadcrumb([NAME, 'Configurations', 'New KMS configuration']);
  await form.getByLabel('Name', { exact: true }).fill('Nav KMS');
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  await fillSettings(form, provider, provider.example as Record<string, unknown>);
  await page.getByRole('button', { name: 'Seal and save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Nav KMS' })).toBeVisible({ timeout: 15_000 });
  await expectCurrentTab('Configurations');
  await expectBreadcrumb([NAME, 'Configurations', 'Nav KMS']);
  await expectNoSeriousAxe(page);

  await breadcrumb().getByRole('link', { name: 'Configurations', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/configs$`));
  await expect(page.getByTestId('config-row-Nav KMS')).toBeVisible();
  // The tenant's crumb leads to where the tenant area opens.
  await breadcrumb().getByRole('link', { name: NAME, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/configs$`));
});

test('the tabs are reached with the keyboard, show their focus, and open with Enter', async () => {
  await page.goto(`/t/${TENANT}/configs`);
  await expect(page.getByTestId('config-row-Nav KMS')).toBeVisible();
  const target = tenantTab(page, 'Audit');
  for (let i = 0; i < 20 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(target).toBeFocused();
  const outline = await target.evaluate((el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline.style).not.toBe('none');
  expect(outline.width).toBeGreaterThanOrEqual(2);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/audit$`));
  await expectCurrentTab('Audit');
});

test('on a 390 px screen every tab is whole and on screen, and nothing scrolls sideways', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of TABS) {
    await page.goto(`/t/${TENANT}/${tab.path}`);
    await tab.ready(page);
    for (const link of await tabs().all()) {
      const box = await link.boundingBox();
      expect(box, await link.textContent() ?? '').not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      // Text that does not fit its box would be clipped.
      expect(await link.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth), tab.path).toBeLessThanOrEqual(390);
  }
  await expectNoSeriousAxe(page);
  await page.setViewportSize({ width: 1280, height: 720 });
});
