// After the broker lost changes, in the admin's browser: the configurations
// page refuses to work from the older state, explains what happened, and
// re-issues the state past what was seen — with a revocation that was lost
// made again by default, and only after the admin says they checked.
//
// The e2e broker's database cannot be restored under it (one PGlite process),
// so the lost changes are this browser's memory of states newer than the
// broker's: the seq it saw and which configurations that state had disabled,
// written where the app keeps them. That is exactly what a browser holds after
// the vendor restores an older backup. The restore itself, with a real backup
// on both backends and a real proxy, is lib/server/configs/reissue.int.test.ts.
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { fillSettings, openNewForm } from './config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'reissue-co';
const ADMIN = { email: 'admin@reissue.example', passphrase: 'harbor violet ninety 5521 saddle' };
let page: Page;
const pageErrors: string[] = [];
const row = (label: string) => page.getByTestId(`config-row-${label}`);

async function createKms(label: string): Promise<void> {
  const provider = findProvider('aws-kms') as TProvider;
  const form = await openNewForm(page, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(label);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  await fillSettings(form, provider, provider.example as Record<string, unknown>);
  await page.getByRole('button', { name: 'Seal and save' }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
}

const brokerSeq = async () => ((await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { seq: number }).seq;

test.beforeAll(async ({ browser, baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'reissue-walk', displayName: 'Re-issue walk' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Reissue Co', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
});

test.afterAll(async () => {
  await page?.context().close();
  expect(pageErrors).toEqual([]);
});

test('an older state than this browser saw: explained, nothing editable, re-issued past it with the lost revocation made again', async () => {
  test.setTimeout(120_000);
  await createKms('Primary KMS');
  await createKms('Backup KMS');
  const seq = await brokerSeq();
  expect(seq).toBe(2);
  const listing = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { configs: { id: string; label: string }[] };
  const backup = listing.configs.find((c) => c.label === 'Backup KMS')?.id as string;

  // What this browser remembers after the vendor restored an older backup: it had seen change 4, in which Backup KMS was disabled.
  await page.evaluate(
    ({ tenant, id }) => {
      localStorage.setItem(`cmk-broker:seen-seq:${tenant}`, '4');
      localStorage.setItem(`cmk-broker:seen-disabled:${tenant}`, JSON.stringify({ seq: 4, disabled: [id] }));
    },
    { tenant: TENANT, id: backup },
  );
  await page.goto(`/t/${TENANT}/configs`);
  await expect(page.getByText('The broker has lost changes, or is withholding them')).toBeVisible();
  await expect(page.getByText('The broker shows change 2 of this tenant’s configurations, but this browser has already seen change 4')).toBeVisible();
  // Nothing can be changed from the older state: no table, no actions.
  await expect(row('Primary KMS')).toHaveCount(0);
  await expectNoSeriousAxe(page);

  await page.getByRole('button', { name: 'Review and re-issue…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Re-issue the tenant state as change 5?' });
  await expect(dialog).toBeVisible();
  // The revocation this browser saw is made again by default; the other configuration stays as the broker has it.
  await expect(dialog.getByRole('checkbox', { name: /Backup KMS/ })).toBeChecked();
  await expect(dialog.getByText('Disabled in a newer state this browser saw')).toBeVisible();
  await expect(dialog.getByRole('checkbox', { name: /Primary KMS/ })).not.toBeChecked();
  await expectNoSeriousAxe(page);
  // Not without saying the configurations were checked.
  await dialog.getByRole('button', { name: 'Re-issue as change 5' }).click();
  await expect(dialog.getByText('Tick the box once you have checked the configurations.')).toBeVisible();
  expect(await brokerSeq()).toBe(2);
  await dialog.getByRole('checkbox', { name: 'I have checked these configurations against what they should be.' }).check();
  await dialog.getByRole('button', { name: 'Re-issue as change 5' }).click();

  await expect(page.getByText('The state was re-issued as change 5.')).toBeVisible({ timeout: 15_000 });
  await expect(row('Backup KMS')).toContainText('Disabled');
  await expect(row('Primary KMS')).toContainText('Primary');
  expect(await brokerSeq()).toBe(5);
  // Recorded in the tenant's audit trail.
  const audit = (await (await page.request.get(`/api/v1/tenants/${TENANT}/audit?action=tenant.state_reissue`)).json()) as { events: { action: string; details: Record<string, unknown> }[] };
  expect(audit.events.map((e) => [e.action, e.details.seq, e.details.fromSeq])).toEqual([['tenant.state_reissue', 5, 2]]);

  // From here the tenant works as usual: the page loads, and a reload shows the same.
  await page.reload();
  await expect(row('Backup KMS')).toContainText('Disabled');
  await expect(page.getByText('The broker has lost changes')).toHaveCount(0);
});
