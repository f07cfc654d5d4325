// The configuration walk of a tenant admin, in the browser: one configuration
// of every provider, each secret and free-text field carrying a random
// canary; field validation before sealing; no Copy button beside an empty
// secret field; edit, disable the primary with a
// successor, change the primary, a change made elsewhere refused, rollback,
// enable and delete. Every request and response of the browser and the
// server log must hold no canary — the settings leave the browser only as
// ciphertext. The canaries go to .cache/e2e/canaries.json for the database
// dump check.
import { type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR, tenantTab } from '../support/accounts';
import { exportCanaries, markField, planConfig, type TCanary, type TPlannedConfig } from './canaries';
import { canariesInServerLog, fillSettings, findCanaries, openNewForm, recordTraffic, type TTraffic } from './config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'initech';
const ADMIN = { email: 'admin@initech.example', passphrase: 'lantern quarry seventy 8812 walnut' };
const plans: TPlannedConfig[] = PROVIDERS.map((p) => planConfig(p, `Walk ${p.label}`));
const canaries: TCanary[] = plans.flatMap((p) => p.canaries);
const ofKind = (kind: 'kms' | 'siem') => plans.filter((p) => p.provider.kind === kind);
const [kms1, kms2, kms3, kms4] = ofKind('kms') as [TPlannedConfig, TPlannedConfig, TPlannedConfig, TPlannedConfig];
const [siem1, siem2] = ofKind('siem') as [TPlannedConfig, TPlannedConfig];

let context: BrowserContext;
let page: Page;
let traffic: { items: TTraffic[]; settle: () => Promise<void> };
const pageErrors: string[] = [];

const row = (label: string) => page.getByTestId(`config-row-${label}`);
const button = (name: string, on: Page = page) => on.getByRole('button', { name, exact: true });

async function newAdminPage(browser: Browser): Promise<void> {
  context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  traffic = recordTraffic(context);
  page = await context.newPage();
  // A refused change (409) is logged by the browser as a failed resource load; that one is expected.
  watchPageErrors(page, pageErrors);
}

test('a tenant whose first admin enrolls through the invitation', async ({ browser, baseURL }) => {
  exportCanaries(canaries);
  expect(ofKind('kms').length).toBeGreaterThanOrEqual(4);
  expect(ofKind('siem').length).toBeGreaterThanOrEqual(2);
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'configs-walk', displayName: 'Configs walk' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Initech', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');

  await newAdminPage(browser);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
});

test('the empty overview explains what KMS and SIEM configurations are for', async () => {
  await tenantTab(page, 'Configurations').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Configurations' })).toBeVisible();
  await expect(page.getByTestId('configs-empty-kms')).toContainText('how to reach a key in your own key management system');
  await expect(page.getByTestId('configs-empty-siem')).toContainText('where to send an audit event');
});

test('nothing is sealed until every field passes; focus goes to the first problem', async () => {
  const sent = () => traffic.items.filter((t) => t.direction === 'sent' && t.url.endsWith('/changes')).length;
  const before = sent();
  const form = await openNewForm(page, TENANT, 'kms');
  await button('Seal and save').click();
  await expect(page.getByText('Nothing was sealed')).toBeVisible();
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();

  const { provider } = kms1;
  await form.getByLabel('Name', { exact: true }).fill(kms1.label);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  await fillSettings(form, provider, kms1.settings);
  const first = provider.fields.find((f) => f.input === 'text' && f.required) as (typeof provider.fields)[number];
  const control = form.locator(`[name="${first.name}"]`);
  await control.fill('not valid at all');
  await button('Seal and save').click();
  await expect(control).toBeFocused();
  await expect(control).toHaveAttribute('aria-invalid', 'true');
  expect(sent()).toBe(before);
});

test('an empty secret field has no Copy button; a typed value brings one, which copies it', async () => {
  // A secret text field the form shows without a choice before it (Azure's client secret).
  const plainSecret = (f: TFieldSpec) => f.secret && f.input === 'text' && !('showWhen' in f);
  const provider = PROVIDERS.find((p) => p.fields.some(plainSecret)) as TProvider;
  const field = provider.fields.find(plainSecret) as TFieldSpec;
  const form = await openNewForm(page, TENANT, provider.kind);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  const input = form.locator(`[name="${field.name}"]`);
  await expect(input).toHaveValue('');
  const copyButtons = form.getByRole('button', { name: /^Copy / });
  await expect(copyButtons).toHaveCount(0);
  await input.fill('typed but never sealed');
  await expect(copyButtons).toHaveCount(1);
  await form.getByRole('button', { name: new RegExp(`^Copy ${field.label}`) }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('typed but never sealed');
  await input.fill('');
  await expect(copyButtons).toHaveCount(0);
});

test('one configuration of every provider, sealed in the browser and shown masked', async () => {
  test.setTimeout(240_000);
  let copied = false;
  for (const plan of plans) {
    const { provider } = plan;
    const form = await openNewForm(page, TENANT, provider.kind);
    await form.getByLabel('Name', { exact: true }).fill(plan.label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
    await fillSettings(form, provider, plan.settings);
    await button('Seal and save').click();
    await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('heading', { level: 1, name: plan.label })).toBeVisible();
    // The signed state gives each new KMS configuration the next kmsConfigId, in the order they were created; SIEM ones have none.
    if (provider.kind === 'kms') {
      await expect(page.getByTestId('kms-config-id')).toContainText(`KMS configuration id ${ofKind('kms').indexOf(plan) + 1} — written into every encrypted document key`);
    } else await expect(page.getByTestId('kms-config-id')).toHaveCount(0);
    const values = page.getByTestId('config-values-v1');
    await expect(values).toBeVisible();
    for (const c of plan.canaries) {
      // Secrets stay masked until revealed; other fields show their decrypted value.
      if (c.secret) await expect(values.getByText(c.value)).toHaveCount(0);
      else await expect(values.getByText(c.value).first()).toBeVisible();
    }
    const secret = provider.fields.find((f) => f.secret && f.input !== 'headers' && typeof plan.settings[f.name] === 'string');
    if (secret) {
      const shown = String(plan.settings[secret.name]);
      await button(`Show ${secret.label} of ${plan.label}`).click();
      await expect(values.getByText(shown.split('\n')[0] as string).first()).toBeVisible();
      await button(`Hide ${secret.label} of ${plan.label}`).click();
      await expect(values.getByText(shown.split('\n')[0] as string)).toHaveCount(0);
      if (!copied) {
        await button(`Copy ${secret.label} of ${plan.label}`).click();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
        copied = true;
      }
    }
  }
  await page.goto(`/t/${TENANT}/configs`);
  await expect(row(kms1.label)).toContainText('Primary');
  await expect(row(siem1.label)).toContainText('Primary');
  for (const plan of plans.filter((p) => p !== kms1 && p !== siem1)) {
    await expect(row(plan.label)).toContainText('Active');
    await expect(row(plan.label)).not.toContainText('Primary');
  }
});

test('editing seals a new version with the decrypted values as the starting point', async () => {
  const { provider } = siem1;
  const field = provider.fields.find((f) => !f.secret && f.input === 'text' && siem1.canaries.some((c) => c.field === f.name));
  expect(field, `${provider.id} has a non-secret text field with a canary`).toBeTruthy();
  const edited = { ...siem1.settings };
  const canary = markField(provider, edited, field!) as TCanary;
  canaries.push(canary);
  exportCanaries(canaries);

  await row(siem1.label).getByRole('link', { name: siem1.label }).click();
  await button(`Edit ${siem1.label}`).click();
  const form = page.getByRole('form', { name: `Edit ${siem1.label}` });
  await expect(form.locator(`[name="${field!.name}"]`)).toHaveValue(String(siem1.settings[field!.name]));
  await form.locator(`[name="${field!.name}"]`).fill(String(edited[field!.name]));
  await button(`Seal and save ${siem1.label} as a new version`).click();
  await expect(page.getByText('Sealed and saved as version 2.')).toBeVisible();
  await expect(page.getByTestId('config-values-v2').getByText(canary.value)).toBeVisible();
  await expect(page.getByTestId('version-row-1')).toBeVisible();
});

test('rolling back seals the older content again as a new version', async () => {
  await button(`Roll back ${siem1.label} to version 1`).click();
  const change = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === `/api/v1/tenants/${TENANT}/changes`);
  await page.getByRole('dialog', { name: `Roll back ${siem1.label} to version 1?` }).getByRole('button', { name: 'Roll back' }).click();
  // The request names the version it restores, so the audit trail records config.rollback (checked in e2e/post).
  expect((await change).postDataJSON()).toMatchObject({ put: { version: 3, restoredFrom: 1 } });
  await expect(page.getByText('Rolled back: the older content is now version 3.')).toBeVisible();
  const original = siem1.canaries.find((c) => !c.secret) as TCanary;
  await expect(page.getByTestId('config-values-v3').getByText(original.value).first()).toBeVisible();
  await expect(page.getByTestId('version-row-3')).toContainText('Current');
});

test('disabling the primary asks for a successor, or warns about none', async () => {
  await page.goto(`/t/${TENANT}/configs`);
  await button(`Disable ${kms1.label}`).click();
  const dialog = page.getByRole('dialog', { name: `Disable ${kms1.label}?` });
  await dialog.getByRole('radio', { name: /^None/ }).check();
  await expect(dialog.getByText('New encryptions for this tenant will fail')).toBeVisible();
  await dialog.getByRole('radio', { name: kms2.label, exact: true }).check();
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByText(`${kms1.label} is disabled.`)).toBeVisible();
  await expect(row(kms1.label)).toContainText('Disabled');
  await expect(row(kms1.label)).not.toContainText('Primary');
  await expect(row(kms2.label)).toContainText('Primary');
});

test('the primary can be changed', async () => {
  await button(`Set primary: ${kms3.label}`).click();
  await page.getByRole('dialog', { name: `Make ${kms3.label} the primary KMS configuration?` }).getByRole('button', { name: 'Make primary' }).click();
  await expect(page.getByText(`${kms3.label} is now primary.`)).toBeVisible();
  await expect(row(kms3.label)).toContainText('Primary');
  await expect(row(kms2.label)).not.toContainText('Primary');
});

test('a change made elsewhere meanwhile is refused, not merged', async () => {
  await button(`Set primary: ${kms4.label}`).click();
  const dialog = page.getByRole('dialog', { name: `Make ${kms4.label} the primary KMS configuration?` });
  await expect(dialog).toBeVisible();

  const elsewhere = await context.newPage();
  await elsewhere.goto(`/t/${TENANT}/configs`);
  await button(`Set primary: ${kms2.label}`, elsewhere).click();
  await elsewhere.getByRole('dialog', { name: `Make ${kms2.label} the primary KMS configuration?` }).getByRole('button', { name: 'Make primary' }).click();
  await expect(elsewhere.getByText(`${kms2.label} is now primary.`)).toBeVisible();
  await elsewhere.close();

  await dialog.getByRole('button', { name: 'Make primary' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Changed elsewhere — reload' })).toBeVisible();
  await expect(row(kms4.label)).not.toContainText('Primary');
  await button('Reload').click();
  await expect(row(kms2.label)).toContainText('Primary');
  await expect(row(kms3.label)).not.toContainText('Primary');
  await expect(row(kms4.label)).not.toContainText('Primary');
});

test('a disabled configuration can be enabled again, and deleted after a strong confirmation', async () => {
  await button(`Disable ${siem2.label}`).click();
  await page.getByRole('dialog', { name: `Disable ${siem2.label}?` }).getByRole('button', { name: 'Disable' }).click();
  await expect(row(siem2.label)).toContainText('Disabled');
  await button(`Enable ${siem2.label}`).click();
  await expect(page.getByText(`${siem2.label} is enabled again.`)).toBeVisible();
  await expect(row(siem2.label)).toContainText('Active');

  await expect(button(`Delete ${kms3.label}`)).toHaveCount(0);
  await button(`Delete ${kms1.label}`).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${kms1.label} permanently?` });
  await expect(dialog).toContainText('may become undecryptable');
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(dialog.getByText(`Type ${kms1.label} exactly`)).toBeVisible();
  await dialog.getByLabel(`Type “${kms1.label}” to confirm`).fill(kms1.label);
  await dialog.getByRole('checkbox').check();
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(page.getByText(`${kms1.label} was deleted.`)).toBeVisible();
  await expect(row(kms1.label)).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test('no canary ever left the browser in clear: traffic and server log', async () => {
  await traffic.settle();
  await context.close();
  // The search finds a canary where there is one.
  expect(findCanaries(canaries.slice(0, 1), [{ where: 'control', text: `x${canaries[0]?.value}x` }])).not.toEqual([]);
  expect(traffic.items.some((t) => t.direction === 'received' && t.url.includes('/configs'))).toBe(true);
  expect(traffic.items.some((t) => t.direction === 'sent' && t.url.endsWith('/changes'))).toBe(true);
  const texts = traffic.items.map((t) => ({ where: `${t.direction} ${t.url}`, text: t.text }));
  expect(findCanaries(canaries, texts)).toEqual([]);
  expect(canariesInServerLog(canaries)).toEqual([]);
  exportCanaries(canaries);
});
