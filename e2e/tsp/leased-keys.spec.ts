// Leased keys, end to end (issue 24, TSP.md "Leased keys"): what the UI warns
// about is what happens. A tenant admin creates an AWS KMS configuration in
// the UI with leased keys for up to 1 hour, sees the warning under the
// choice (announced, axe-clean in both schemes, readable at 390 px), saves it
// and approves the deployment; the configuration page says "Up to 1 hour"
// with the same warning. A TSP runs in this process (createTsp + the real
// proxy client, long-polling the e2e broker); the application is the
// reference product's unmodified Node client
// (@ironcorelabs/tenant-security-nodejs). Its EDEK is leased (fields 3–5 set).
// Then the key is disabled inside the KMS: the EDEK still opens, from the
// TSP's lease, as the warning said. Then the admin disables the configuration
// in the UI: the same unwrap is refused with 202 within 2 s.
//
// The KMS is a protocol double (lib/testing/kms/aws-kms-double.ts): no cloud
// KMS is reachable here. It speaks AWS KMS's wire protocol to the unmodified
// AWS SDK in the TSP (endpoint override only), checks SigV4 and does real
// cryptography.
import { DocumentMetadata, TenantSecurityClient, TenantSecurityErrorCode } from '@ironcorelabs/tenant-security-nodejs';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { leasedKeyWarning } from '@/lib/schemas/providers/common';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { startAwsKmsDouble, type TAwsKmsDouble, type TDoubleKey } from '@/lib/testing/kms/aws-kms-double';
import { decodeEdek } from '@/lib/tsp';
import { enrollFirstAdmin } from '../support/accounts';
import { approveDeployment } from '../support/approve';
import { expectNoSeriousAxe } from '../support/axe';
import { createTenantWithDeployment } from '../support/deployment';
import { pollUntil, refusalCode, startTsp, type TRunningTsp } from '../support/tsp';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'leaso';
const ADMIN = { email: 'admin@leaso.example', passphrase: 'amber harbour 5203 willow falcon' };
const DEPLOYMENT = 'leased-tsp-1';
const LABEL = 'Leaso AWS KMS';
const WARNING = leasedKeyWarning('1 hour');
/** Generous: revocation.spec holds the 1 s bound; this one proves the lease does not outlive the disable. */
const DISABLE_BOUND_MS = 2_000;
const AWS_KMS = PROVIDERS.find((p) => p.id === 'aws-kms')!;

const pageErrors: string[] = [];
let kms: TAwsKmsDouble;
let key: TDoubleKey;
let admin: Page;
let credentials: Parameters<typeof startTsp>[0];
let running: TRunningTsp | undefined;
let app: TenantSecurityClient;
let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

const meta = () => new DocumentMetadata(TENANT, 'svc-leases', 'PII', '10.20.30.40', 'contract-9', 'req-leased');
const doc = { body: Buffer.from('leased plaintext stays in the app') };
const decrypt = () => refusalCode(app.decryptDocument(encrypted, meta()));

test.beforeAll(async () => {
  kms = await startAwsKmsDouble();
});

test.afterAll(async () => {
  await running?.stop();
  await kms?.stop();
  expect(pageErrors).toEqual([]);
});

test('the admin turns on leased keys for 1 hour in the form, sees the warning, saves and approves the deployment', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  credentials = await createTenantWithDeployment(baseURL as string, {
    environment: { slug: 'leased-walk', displayName: 'Leased walk' },
    tenant: { externalId: TENANT, displayName: 'Leaso', adminEmail: ADMIN.email },
    deployment: DEPLOYMENT,
  });
  admin = await (await browser.newContext()).newPage();
  watchPageErrors(admin, pageErrors);
  await enrollFirstAdmin(admin, ADMIN.email, ADMIN.passphrase);

  const user = kms.addUser({ name: 'leaso-tsp' });
  key = kms.createKey({ allow: [user.accessKeyId] });
  const form = await openNewForm(admin, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(LABEL);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: AWS_KMS.label });
  await fillSettings(form, AWS_KMS, kms.accessKeySettings(key, user));

  const lifetime = form.getByRole('combobox', { name: /^Leased keys/ });
  await expect(lifetime).toHaveValue('');
  await expect(lifetime.locator('option:checked')).toHaveText('Off');
  const notice = form.getByTestId('field-notice');
  await expect(notice).toHaveCount(0);
  await lifetime.selectOption({ label: '1 hour' });
  await expect(notice).toHaveText(WARNING);
  // Announced when it appears (a polite live region), and read again with the select, before its help.
  await expect(form.locator('[aria-live="polite"] [data-testid="field-notice"]')).toHaveCount(1);
  await expect(lifetime).toHaveAccessibleDescription(new RegExp(`^${literal(WARNING)} Off by default`));

  for (const scheme of ['light', 'dark'] as const) {
    await admin.emulateMedia({ colorScheme: scheme });
    await expectNoSeriousAxe(admin);
  }
  await admin.emulateMedia({ colorScheme: null });

  // On a phone: the warning wraps inside the form, and nothing scrolls sideways.
  const desktop = admin.viewportSize()!;
  await admin.setViewportSize({ width: 390, height: 844 });
  await notice.scrollIntoViewIfNeeded();
  const box = (await notice.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await admin.setViewportSize(desktop);

  await admin.getByRole('button', { name: 'Seal and save', exact: true }).click();
  await expect(admin.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  // The configuration page, decrypted in this browser: the lifetime in words, and the same warning.
  const values = admin.getByTestId('config-values-v1');
  await expect(values.locator('dt', { hasText: /^Leased keys$/ }).locator('xpath=following-sibling::dd[1]')).toContainText('Up to 1 hour');
  await expect(values.getByTestId('field-notice')).toHaveText(WARNING);

  await approveDeployment(admin, TENANT, DEPLOYMENT, 1);
});

test('the application wraps and unwraps through the TSP, and its EDEK is leased', async () => {
  running = await startTsp(credentials, kms.driverOptions());
  app = new TenantSecurityClient(running.url, running.apiKey);
  encrypted = await app.encryptDocument(doc, meta());
  const [entry] = decodeEdek(encrypted.edek);
  expect(entry?.tenantId).toBe(TENANT);
  expect(entry?.leasedKeyId, 'wrap made a leased EDEK (leased keys come from lib/tsp/lease.ts)').not.toBe(0);
  expect(entry?.leasedKeyIv.length).toBe(12);
  expect(entry?.encryptedLeasedKeyData.length).toBeGreaterThan(0);
  expect((await app.decryptDocument(encrypted, meta())).plaintextDocument.body?.toString()).toBe(doc.body.toString());
});

test('a key disabled inside the KMS keeps working within the lifetime, as the UI warned', async () => {
  kms.disableKey(key.keyArn);
  const asked = () => kms.count({ service: 'kms', target: 'Decrypt' });
  const before = asked();
  expect(await decrypt()).toBeNull();
  expect((await app.decryptDocument(encrypted, meta())).plaintextDocument.body?.toString()).toBe(doc.body.toString());
  // Served from the TSP's lease: the KMS, which would refuse now, was not asked.
  expect(asked()).toBe(before);
});

test('disabling the configuration in the UI stops it at once: the unwrap is refused with 202 within 2 s', async () => {
  await admin.goto(`/t/${TENANT}/configs`);
  const row = admin.getByTestId(`config-row-${LABEL}`);
  await expect(row).toContainText('Primary');
  await admin.getByRole('button', { name: `Disable ${LABEL}`, exact: true }).click();
  const dialog = admin.getByRole('dialog', { name: `Disable ${LABEL}?` });
  await expect(dialog.getByRole('radio', { name: /^None/ })).toBeChecked();
  const confirm = dialog.getByRole('button', { name: 'Disable' });
  await expect(confirm).toBeEnabled();
  await confirm.click();
  const clickedAt = performance.now();
  const refused = await pollUntil(decrypt, (code) => code !== null, { everyMs: 50, timeoutMs: DISABLE_BOUND_MS + 3_000 });
  const elapsed = Math.round(refused.at - clickedAt);
  console.log(`[leased-keys] a leased EDEK refused ${elapsed} ms after the click (${refused.attempts} decrypts)`);
  expect(refused.value).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
  expect(elapsed).toBeLessThan(DISABLE_BOUND_MS);
  await expect(row).toContainText('Disabled');
  expect(await decrypt()).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
