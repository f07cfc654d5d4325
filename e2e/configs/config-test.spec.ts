// Testing a configuration before trusting it, end to end (issue 23): a tenant
// with an AWS KMS and two Splunk HEC configurations approves a deployment
// whose Tenant Security Proxy runs in this process (createTsp + the real proxy
// client, long-polling the e2e broker). On each configuration's page the admin
// clicks Test and reads each deployment's result in words: a KMS key that
// works passes, the same key disabled in the KMS fails at "key access"; a
// SIEM token the destination issued passes, a wrong one fails at
// "authentication". From the new-configuration form, "Test before saving"
// seals a draft to the deployment only and leaves nothing stored. A second
// deployment, approved but with no proxy running, is shown "not reached"
// once the 15 s pick-up window has passed — no spinner left — and "not
// reported yet" in the propagation per deployment. Each new view is axe-clean.
//
// The KMS and the SIEM are protocol doubles (lib/testing/kms/aws-kms-double.ts,
// lib/testing/siem/splunk-hec-double.ts): no cloud is reachable here. They
// check SigV4 and tokens and answer as AWS KMS and Splunk HEC do.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { NOT_REACHED_WORDS } from '@/lib/config-test-words';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { startAwsKmsDouble, type TAwsKmsDouble, type TDoubleKey, type TDoubleUser } from '@/lib/testing/kms/aws-kms-double';
import { startSplunkHecDouble, type TSplunkHecDouble } from '@/lib/testing/siem/splunk-hec-double';
import { watchPageErrors } from '../fixtures/page-errors';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { approveDeployment } from '../support/approve';
import { expectNoSeriousAxe } from '../support/axe';
import { createDeploymentCredentials } from '../support/deployment';
import { startTsp, type TRunningTsp } from '../support/tsp';
import { fillSettings, openNewForm } from './config-ui';

test.describe.configure({ mode: 'serial' });

const TENANT = 'cfgtest';
const ADMIN = { email: 'admin@cfgtest.example', passphrase: 'harbour quill 5521 meadow flint' };
const ONLINE = 'cfgtest-eu-1';
const OFFLINE = 'cfgtest-offline';
const AWS_KMS = findProvider('aws-kms') as TProvider;
const SPLUNK = findProvider('splunk-hec') as TProvider;
const TOKEN = '7d3c2b1a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const WRONG_TOKEN = '0badc0de-1111-4000-8000-00000000beef';
const KMS_LABEL = 'Cfgtest AWS KMS';
const SIEM_LABEL = 'Cfgtest Splunk';
const SIEM_WRONG = 'Cfgtest Splunk (wrong token)';
/** Marks the draft's settings, so the post-e2e check can look for it in the broker's database (e2e/post/config-test-drafts.test.ts reads the record). */
const DRAFT_INDEX = 'cfgtest_draft_canary_5521';
const DRAFT_RECORD = path.resolve('.cache/e2e/config-test-draft.json');

let page: Page;
let kms: TAwsKmsDouble;
let key: TDoubleKey;
let user: TDoubleUser;
let splunk: TSplunkHecDouble;
let operator: BrokerClient;
let environmentId: string;
let online: Parameters<typeof startTsp>[0];
let running: TRunningTsp | undefined;
const ids: Record<string, string> = {};
const pageErrors: string[] = [];

const splunkSettings = (token: string, index = 'main') => ({ url: splunk.url(), token, index, sourcetype: 'cmk:audit', onQueueFull: 'drop' });
const listing = async () => (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { seq: number; configs: { id: string; label: string }[] };

const newDeployment = (name: string) => createDeploymentCredentials(operator, name, environmentId);

/** Clicks the configuration page's Test button and returns the results once the test is finished. */
async function runTest(label: string): Promise<Locator> {
  await page.goto(`/t/${TENANT}/configs/${ids[label]}`);
  const card = page.getByRole('region', { name: 'Test', exact: true });
  await card.getByRole('button', { name: new RegExp(`^Test ${label.replace(/[()]/g, '\\$&')} version \\d+$`) }).click();
  const results = card.getByTestId('config-test-results');
  await expect(results).toHaveAttribute('data-finished', 'true', { timeout: 30_000 });
  return results;
}

/** The propagation row of `deployment` on a configuration's page, once it says `state`. */
async function expectApplied(label: string, deployment: string, state: string) {
  await page.goto(`/t/${TENANT}/configs/${ids[label]}`);
  const region = page.getByRole('region', { name: 'Propagation per deployment' });
  // The page reads the deployments every 30 s; a reload is quicker.
  await expect(async () => {
    await page.reload();
    await expect(region.getByTestId(`propagation-${deployment}`)).toHaveAttribute('data-apply', state, { timeout: 3_000 });
  }).toPass({ timeout: 45_000 });
  return region;
}

test.beforeAll(async () => {
  kms = await startAwsKmsDouble();
  user = kms.addUser({ name: 'cfgtest-tsp' });
  key = kms.createKey({ allow: [user.accessKeyId] });
  splunk = await startSplunkHecDouble({ token: TOKEN, hostname: 'splunk.test' });
});

test.afterAll(async () => {
  await running?.stop();
  await kms?.stop();
  await splunk?.close();
  expect(pageErrors).toEqual([]);
});

test('a tenant with a KMS and two SIEM configurations approves a deployment whose TSP runs here', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  environmentId = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'config-tests', displayName: 'Config tests' }), 201, 'env').id;
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Cfgtest', environmentId, adminEmail: ADMIN.email }), 201, 'tenant');
  online = await newDeployment(ONLINE);

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  for (const [kind, label, provider, settings] of [
    ['kms', KMS_LABEL, AWS_KMS, kms.accessKeySettings(key, user)],
    ['siem', SIEM_LABEL, SPLUNK, splunkSettings(TOKEN)],
    ['siem', SIEM_WRONG, SPLUNK, splunkSettings(WRONG_TOKEN)],
  ] as const) {
    const form = await openNewForm(page, TENANT, kind);
    await form.getByLabel('Name', { exact: true }).fill(label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
    await fillSettings(form, provider, settings);
    await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
    await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  }
  await approveDeployment(page, TENANT, ONLINE, 3);
  for (const c of (await listing()).configs) ids[c.label] = c.id;
  expect(Object.keys(ids).sort()).toEqual([KMS_LABEL, SIEM_LABEL, SIEM_WRONG].sort());
  // The TSP trusts the SIEM double's CA and reaches splunk.test on 127.0.0.1; its KMS drivers reach the KMS double.
  running = await startTsp(online, kms.driverOptions(), { ca: [splunk.caPem], resolve: { 'splunk.test': '127.0.0.1' }, flushMs: 20 });
});

test('the configuration page shows each approved deployment applied the version, since when', async () => {
  const region = await expectApplied(KMS_LABEL, ONLINE, 'applied');
  const row = region.getByTestId(`propagation-${ONLINE}`);
  await expect(row).toContainText('Applied');
  await expect(row.locator('time')).toHaveCount(1);
  await expect(row).toContainText('None reported');
  await expectNoSeriousAxe(page);
});

test('a KMS configuration passes its test, and fails at key access once the key is disabled in the KMS', async () => {
  test.setTimeout(120_000);
  let results = await runTest(KMS_LABEL);
  const row = () => results.getByTestId(`config-test-target-${ONLINE}`);
  await expect(row()).toHaveAttribute('data-outcome', 'passed');
  await expect(row()).toContainText('Passed');
  await expect(row()).toContainText(/\d+(\.\d)? m?s/);
  await expect(results.getByRole('status')).toHaveText('Test finished: 1 passed.');
  await expectNoSeriousAxe(page);

  kms.disableKey(key.keyId);
  try {
    results = await runTest(KMS_LABEL);
    await expect(row()).toHaveAttribute('data-outcome', 'failed');
    await expect(row()).toContainText('Failed');
    await expect(row()).toContainText('The key could not be used');
    await expect(row()).toContainText('kms_unauthorized');
    await expect(results.getByRole('status')).toHaveText('Test finished: 1 failed.');
    await expectNoSeriousAxe(page);
  } finally {
    kms.enableKey(key.keyId);
  }
});

test('a SIEM configuration passes its test with one test event delivered, and one with a wrong token fails at authentication', async () => {
  test.setTimeout(120_000);
  const before = splunk.events.length;
  let results = await runTest(SIEM_LABEL);
  await expect(results.getByTestId(`config-test-target-${ONLINE}`)).toHaveAttribute('data-outcome', 'passed');
  // One event, marked as a test, reached the destination.
  expect(splunk.events.slice(before).filter((e) => (e.category as string) === 'test')).toHaveLength(1);

  results = await runTest(SIEM_WRONG);
  const row = results.getByTestId(`config-test-target-${ONLINE}`);
  await expect(row).toHaveAttribute('data-outcome', 'failed');
  await expect(row).toContainText('Signing in to the KMS/SIEM failed');
  await expect(row).toContainText('the destination refused the credentials');
  // The wrong token is never shown.
  await expect(page.getByText(WRONG_TOKEN)).toHaveCount(0);
  await expectNoSeriousAxe(page);
});

test('Test before saving in the new-configuration form seals a draft to the deployment and leaves nothing stored', async () => {
  test.setTimeout(120_000);
  const before = await listing();
  const started: unknown[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === `/api/v1/tenants/${TENANT}/config-tests`) started.push(request.postDataJSON());
  });
  const form = await openNewForm(page, TENANT, 'siem');
  const name = 'Cfgtest draft';
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: SPLUNK.label });
  await fillSettings(form, SPLUNK, splunkSettings(TOKEN, DRAFT_INDEX));
  await form.getByRole('button', { name: 'Test before saving', exact: true }).click();
  const results = form.getByTestId('config-test-results');
  await expect(results).toHaveAttribute('data-finished', 'true', { timeout: 30_000 });
  await expect(results.getByTestId(`config-test-target-${ONLINE}`)).toHaveAttribute('data-outcome', 'passed');
  await expectNoSeriousAxe(page);

  // The form keeps its values; nothing was saved.
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(form.locator('[name="index"]')).toHaveValue(DRAFT_INDEX);
  // What was sent: a draft sealed to the deployment's key only, no settings in clear.
  expect(started).toHaveLength(1);
  const draft = (started[0] as { draft: { testId: string; configId: null; jwe: { recipients: { header: { kid: string } }[] } } }).draft;
  expect(draft.configId).toBeNull();
  const deployments = (await (await page.request.get(`/api/v1/tenants/${TENANT}/deployments`)).json()) as { recipients: string[]; deployments: { name: string; kid: string }[] };
  const onlineKid = deployments.deployments.find((d) => d.name === ONLINE)?.kid;
  // Only the approved deployment's key: not the tenant's own (a draft is never kept).
  expect(deployments.recipients).toEqual([onlineKid]);
  expect(draft.jwe.recipients.map((r) => r.header.kid)).toEqual([onlineKid]);
  expect(JSON.stringify(started)).not.toContain(DRAFT_INDEX);
  const after = await listing();
  expect(after.seq).toBe(before.seq);
  expect(after.configs.map((c) => c.id).sort()).toEqual(before.configs.map((c) => c.id).sort());
  await page.goto(`/t/${TENANT}/configs`);
  await expect(page.getByTestId(`config-row-${SIEM_LABEL}`)).toBeVisible();
  await expect(page.getByTestId(`config-row-${name}`)).toHaveCount(0);
  // For the check of the broker's database once the suite has stopped it.
  mkdirSync(path.dirname(DRAFT_RECORD), { recursive: true });
  writeFileSync(DRAFT_RECORD, JSON.stringify({ tenant: TENANT, testId: draft.testId, configIds: after.configs.map((c) => c.id), canary: DRAFT_INDEX }));
});

test('an approved deployment with no proxy running is "not reported yet", and a test shows it "not reached" with no spinner left', async () => {
  test.setTimeout(180_000);
  await newDeployment(OFFLINE);
  await approveDeployment(page, TENANT, OFFLINE, 3);
  const region = await expectApplied(KMS_LABEL, ONLINE, 'applied');
  const offline = region.getByTestId(`propagation-${OFFLINE}`);
  await expect(offline).toHaveAttribute('data-apply', 'not-reported');
  await expect(offline).toContainText('Not applied: not reported yet');
  await expect(offline).toContainText('No proxy of this deployment has reported');

  const card = page.getByRole('region', { name: 'Test', exact: true });
  await card.getByRole('button', { name: /^Test Cfgtest AWS KMS version \d+$/ }).click();
  const results = card.getByTestId('config-test-results');
  const waiting = results.getByTestId(`config-test-target-${OFFLINE}`);
  // Waiting, with a countdown that ends: never an endless spinner.
  await expect(waiting).toContainText(/\d+ s left/);
  await expect(results.getByTestId(`config-test-target-${ONLINE}`)).toHaveAttribute('data-outcome', 'passed', { timeout: 15_000 });
  await expect(waiting).toHaveAttribute('data-state', 'not_reached', { timeout: 30_000 });
  await expect(waiting).toContainText(NOT_REACHED_WORDS);
  await expect(results).toHaveAttribute('data-finished', 'true');
  await expect(results.getByRole('status')).toHaveText('Test finished: 1 passed, 1 not reached.');
  await expect(card.locator('[aria-busy="true"]')).toHaveCount(0);
  await expect(card.getByRole('button', { name: /^Test Cfgtest AWS KMS version \d+$/ })).toBeEnabled();
  await expectNoSeriousAxe(page);
});

test('the configurations list says which case each deployment is in, with details per deployment', async () => {
  await page.goto(`/t/${TENANT}/configs`);
  const cell = page.getByTestId(`config-row-${KMS_LABEL}`).getByTestId('propagation');
  await expect(cell).toContainText('Per deployment: 1 applied, 1 not reported yet', { timeout: 15_000 });
  await cell.getByText(/^Per deployment:/).click();
  await expect(cell.getByTestId(`apply-${ONLINE}`)).toContainText('Applied');
  await expect(cell.getByTestId(`apply-${OFFLINE}`)).toContainText('Not applied: not reported yet');
  await expectNoSeriousAxe(page);
});
