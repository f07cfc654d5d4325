// Help text under form controls is at least 14 px on every kind of form (the
// shared Field, the provider fields of a configuration, the passphrase strength
// meter, the console's search and audit filters), and the pages stay free of
// serious accessibility violations (contrast included) in both colour schemes.
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { OPERATOR_STATE, signIn } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { createTenantWithAdmin } from '../support/tenant';

const TENANT = 'help-text';
const ADMIN = { email: 'admin@help-text.example', passphrase: 'help text passphrase 3382 finch' };

/** Every element a control names in aria-describedby, except error messages, with its font size in px. */
async function helpTexts(page: Page): Promise<{ id: string; px: number }[]> {
  return page.evaluate(() => {
    const ids = new Set([...document.querySelectorAll('[aria-describedby]')].flatMap((el) => (el.getAttribute('aria-describedby') ?? '').split(/\s+/)));
    return [...ids]
      .map((id) => document.getElementById(id))
      .filter((el): el is HTMLElement => !!el && !el.id.endsWith('-error') && el.getAttribute('role') !== 'alert')
      .map((el) => ({ id: el.id, px: parseFloat(getComputedStyle(el).fontSize) }));
  });
}

async function expectReadableHelp(page: Page, atLeast: number) {
  const found = await helpTexts(page);
  expect(found.length, page.url()).toBeGreaterThanOrEqual(atLeast);
  expect(found.filter((h) => h.px < 14)).toEqual([]);
}

test.describe('an operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('reads help text of at least 14 px on the account page, the tenant search and the audit filters', async ({ page }) => {
    await page.goto('/account');
    const passphrase = page.getByRole('region', { name: 'Passphrase', exact: true });
    await passphrase.getByLabel('New passphrase', { exact: true }).fill('velvet orbit lantern 9921');
    await expect(passphrase.getByTestId('passphrase-strength')).toHaveCSS('font-size', '14px');
    await expectReadableHelp(page, 1);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await expectNoSeriousAxe(page);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.goto('/operator');
    await expect(page.locator('#tenant-search-help')).toBeVisible();
    await expectReadableHelp(page, 1);
    await page.goto('/operator/audit');
    await expect(page.locator('#audit-time-help')).toBeVisible();
    await expectReadableHelp(page, 2);
  });
});

test('a tenant admin reads help text of at least 14 px in a configuration form', async ({ page, baseURL }) => {
  await createTenantWithAdmin(baseURL as string, TENANT, ADMIN);
  await signIn(page, ADMIN.email, ADMIN.passphrase);
  await page.goto(`/t/${TENANT}/configs/new?kind=kms`);
  const form = page.getByRole('form', { name: 'New KMS configuration' });
  await expect(form).toBeVisible();
  // The provider's own fields (FieldShell), beside the shared Field of the configuration's name.
  await form.getByLabel('Provider').selectOption('aws-kms');
  await expect(form.locator('[id$="-help"]')).not.toHaveCount(1);
  await expectReadableHelp(page, 3);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectNoSeriousAxe(page);
  }
});
