// Mail notifications (docs/notifications.md): a tenant admin's account page
// has an accessible on/off setting that persists; with it on, a configuration
// change reaches the admin as a digest mail through the real SMTP path (the
// e2e mail catcher) — with the change's label, tenant and actor, the links to
// the audit page and the setting, and none of the sealed settings.
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { mailsTo, type CaughtMail } from '../support/mail';
import { planConfig } from '../configs/canaries';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { expectNoSeriousAxe } from '../support/axe';

test.describe.configure({ mode: 'serial' });

const TENANT = 'hooli';
const ADMIN = { email: 'admin@hooli.example', passphrase: 'meadow cobalt 5521 lantern ridge' };
const provider = PROVIDERS.find((p) => p.kind === 'kms') as (typeof PROVIDERS)[number];
const plan = planConfig(provider, 'Notified keys');
const pageErrors: string[] = [];
let page: Page;

const setting = () => page.getByRole('region', { name: 'Mail notifications' }).getByRole('checkbox', { name: /Mail me about security events/ });

test.afterAll(() => expect(pageErrors).toEqual([]));

test('a tenant admin enrolls through the invitation', async ({ browser, baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'notify-walk', displayName: 'Notify walk' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Hooli', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
});

test('the admin turns mail notifications off on the account page, and the setting persists', async () => {
  await page.goto('/account#notifications');
  await expect(setting()).toBeChecked();
  await expectNoSeriousAxe(page);
  await setting().uncheck();
  await expect(page.getByTestId('notifications-status')).toHaveText('Saved: notifications are off.');
  await page.reload();
  await expect(setting()).not.toBeChecked();
  await setting().check();
  await expect(page.getByTestId('notifications-status')).toHaveText('Saved: notifications are on.');
  await page.reload();
  await expect(setting()).toBeChecked();
  await expectNoSeriousAxe(page);
});

test('a configuration change reaches the admin as a notification mail', async () => {
  test.setTimeout(150_000);
  const form = await openNewForm(page, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(plan.label);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  await fillSettings(form, provider, plan.settings);
  await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible();

  // The first digest may hold earlier events of the enrolment; the change is in one within a batch window (60 s here).
  const notified = () => mailsTo(ADMIN.email).filter((m) => m.text.includes('Created a configuration'));
  await expect.poll(() => notified().length, { timeout: 90_000, message: 'notification mail about the new configuration' }).toBe(1);
  const mail = notified()[0] as CaughtMail;
  expect(mail.subject).toMatch(/^CMK broker: \d+ security events? on Hooli$/);
  expect(mail.text).toContain('tenant: Hooli (hooli)');
  expect(mail.text).toContain(`by: ${ADMIN.email}`);
  expect(mail.text).toContain(`provider: ${provider.id}`);
  expect(mail.text).toMatch(/\/t\/hooli\/audit/);
  expect(mail.text).toMatch(/\/account#notifications/);
  for (const canary of plan.canaries) {
    expect(mail.raw).not.toContain(canary.value);
    expect(mail.text).not.toContain(canary.value);
  }
});
