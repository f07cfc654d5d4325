// The audit pages in the browser: a tenant admin opens the tenant's audit
// trail from the tenant page, sees it verified, reads a target by its
// configuration's name (id on hover and copied), expands an event's details to
// all of them, picks actions by searching and by whole groups (the URL keeps
// the selection), downloads JSON Lines and the broker's JWKS from the export
// note, and the verify command checks the download offline with it; at phone
// width emails wrap only where an address may break. An operator opens the
// audit trail from the console navigation, reads tenants' and environments'
// names, expands a vendor event's details and verifies the whole stored
// trail. Both pages have no serious accessibility violations in light and
// dark schemes. (Tampering needs the database while the broker runs: the
// integration tests lib/server/audit/views.int.test.ts cover the broken-link views.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { AUDIT_ACTION_NAMES } from '@/lib/schemas/audit';
import { auditActionGroups } from '@/lib/schemas/audit-groups';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, OPERATOR_STATE, signIn, tenantTab } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { enrollFirstAdmin } from '../support/enroll';
import { fillSettings, openNewForm } from '../configs/config-ui';

const TENANT = 'audit-walk';
// Long enough to wrap in a phone's table cell.
const ADMIN = { email: 'first.administrator.of.audit-walk@audit-walk-department.example', passphrase: 'audit walk passphrase 2291 fern' };
const CONFIG = 'Audit walk KMS';
const OUT = path.resolve('.cache/e2e/audit');
let environmentId: string;

test.describe.configure({ mode: 'serial' });
test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.beforeAll(async ({ baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'audit-walk', displayName: 'Audit walk' }), 201, 'environment');
  environmentId = env.id;
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Audit Walk', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  await enrollFirstAdmin(baseURL as string, TENANT, ADMIN.email, ADMIN.passphrase);
  // Two audited actions in the tenant's chain.
  expectStatus(await operator.post(`/api/v1/operator/tenants/${TENANT}/suspension`), 200, 'suspend');
  expectStatus(await operator.send('DELETE', `/api/v1/operator/tenants/${TENANT}/suspension`), 200, 'resume');
});

async function expectNoSeriousViolations(page: Page, ready: () => Promise<void>) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.reload();
    await ready();
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    await expectNoSeriousAxe(page);
  }
}

/** The event's row: the first row whose action cell reads `label`. */
const rowOf = (table: Locator, label: string) => table.getByRole('row').filter({ has: table.page().getByRole('cell', { name: new RegExp(`^${label}`) }) }).first();

/** The value shown for one detail in an expanded details list. */
const detailValue = (scope: Locator, key: string) => scope.locator(`xpath=.//dt[normalize-space()="${key}:"]/following-sibling::dd[1]`);

/** Indexes in the element's text where a rendered line starts (after the first). */
function lineStarts(element: Locator): Promise<number[]> {
  return element.evaluate((el) => {
    const starts: number[] = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let index = 0;
    let lastTop: number | null = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < (node.textContent ?? '').length; i++, index++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const top = range.getBoundingClientRect().top;
        if (lastTop !== null && top > lastTop + 2) starts.push(index);
        lastTop = top;
      }
    }
    return starts;
  });
}

test('a tenant admin reads, filters and downloads the audit trail, and the download verifies offline', async ({ page, baseURL }) => {
  // Sealing a configuration, the offline verification and three axe runs take over a minute on a busy 2-core machine.
  test.setTimeout(180_000);
  await signIn(page, ADMIN.email, ADMIN.passphrase);
  const kms = PROVIDERS.find((p) => p.kind === 'kms')!;
  const form = await openNewForm(page, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(CONFIG);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: kms.label });
  await fillSettings(form, kms, kms.example as Record<string, unknown>);
  await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  const configs = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { configs: { id: string; label: string }[] };
  const configId = configs.configs.find((c) => c.label === CONFIG)!.id;

  await page.goto(`/t/${TENANT}`);
  await tenantTab(page, 'Audit').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  await expect(page.getByTestId('tenant-audit-verification')).toContainText('The chain is intact');
  const table = page.getByRole('table', { name: /Audit events of Audit Walk/ });
  await expect(table.getByRole('cell', { name: /Suspended the tenant/ })).toBeVisible();
  await expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible();

  // The target by name: the configuration's, and the tenant's own; the id on hover and on the clipboard.
  const created = rowOf(table, 'Created a configuration');
  // By its title: the hidden details list holds the name too (the event's label detail).
  const name = created.getByTitle(`Configuration id: ${configId}`);
  await expect(name).toBeVisible();
  await expect(name).toHaveText(CONFIG);
  await created.getByRole('button', { name: `Copy the id of ${CONFIG}` }).click();
  await expect(created.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(configId);
  await expect(rowOf(table, 'Suspended the tenant').getByText('Audit Walk', { exact: true }).filter({ visible: true })).toHaveAttribute('title', `Tenant id: ${TENANT}`);

  // Every detail behind a disclosure, by mouse and by keyboard.
  const api = (await (await page.request.get(`/api/v1/tenants/${TENANT}/audit?action=config.create`)).json()) as { events: { tenantSeq: number; details: Record<string, unknown> }[] };
  const event = api.events[0]!;
  const details = Object.entries(event.details);
  expect(details.length).toBeGreaterThan(4);
  const disclosure = created.getByRole('button', { name: `${details.length} details of event #${event.tenantSeq}` });
  await expect(disclosure).toHaveAttribute('aria-expanded', 'false');
  const list = page.locator(`[id="${await disclosure.getAttribute('aria-controls')}"]`);
  await expect(list).toBeHidden();
  await disclosure.click();
  await expect(disclosure).toHaveAttribute('aria-expanded', 'true');
  for (const [key, value] of details) await expect(detailValue(list, key)).toHaveText(String(value));
  await disclosure.press('Enter');
  await expect(disclosure).toHaveAttribute('aria-expanded', 'false');
  await expect(list).toBeHidden();

  // The action picker: search, a whole group, one more by keyboard, a chip removed.
  const picker = page.getByRole('group', { name: 'Actions', exact: true });
  const choose = picker.getByRole('button', { name: 'Choose actions' });
  await choose.click();
  await expect(choose).toHaveAttribute('aria-expanded', 'true');
  const search = picker.getByRole('searchbox', { name: 'Search actions' });
  await search.fill('resumed');
  await expect(picker.getByRole('checkbox', { name: /Resumed the tenant/ })).toBeVisible();
  await expect(picker.getByRole('checkbox', { name: /Created a configuration/ })).toHaveCount(0);
  await expect(picker.getByText('1 action in 1 group.')).toBeVisible();
  await search.fill('tenant');
  await search.press('Enter'); // searches only: nothing is applied yet
  await picker.getByRole('group', { name: 'Tenant', exact: true }).getByRole('checkbox', { name: /^Select all/ }).check();
  await search.fill('');
  await picker.getByRole('checkbox', { name: /Created a configuration/ }).press('Space');
  await expect(picker.getByRole('group', { name: 'Configurations' }).getByRole('checkbox', { name: /^Select all/ })).toHaveJSProperty('indeterminate', true);
  await search.press('Escape');
  await expect(choose).toBeFocused();
  await expect(choose).toHaveAttribute('aria-expanded', 'false');
  const chips = picker.getByRole('list', { name: 'Selected actions' });
  await chips.getByRole('button', { name: 'Remove Suspended the tenant' }).click();
  await expect(chips.getByRole('button', { name: 'Remove Resumed the tenant' })).toBeVisible();
  await expect(page).not.toHaveURL(/action=/);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const tenantGroup = auditActionGroups({ tenantOnly: true }).find((g) => g.id === 'tenant')!.actions as string[];
  const chosen = AUDIT_ACTION_NAMES.filter((a) => (tenantGroup.includes(a) || a === 'config.create') && a !== 'tenant.suspend');
  await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe(chosen.join(','));
  await expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible();
  await expect(table.getByRole('cell', { name: /Created a configuration/ })).toBeVisible();
  await expect(table.getByRole('cell', { name: /Suspended the tenant/ })).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'Selected actions' }).getByRole('listitem')).toHaveCount(chosen.length);

  // The download, and the JWKS the export note links to.
  const note = page.getByTestId('export-note');
  await expect(note.getByText(`curl -o jwks.json ${baseURL}/.well-known/jwks.json`)).toBeVisible();
  const jwksLink = note.getByRole('link', { name: 'jwks.json' });
  await expect(jwksLink).toHaveAttribute('href', '/.well-known/jwks.json');
  mkdirSync(OUT, { recursive: true });
  const [jwks] = await Promise.all([page.waitForEvent('download'), jwksLink.click()]);
  const jwksFile = path.join(OUT, 'jwks.json');
  await jwks.saveAs(jwksFile);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download JSON Lines' }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-${TENANT}-.+\\.jsonl$`));
  const file = path.join(OUT, 'tenant-export.jsonl');
  await download.saveAs(file);
  const verify = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/audit-verify.ts', '--file', file, '--jwks', jwksFile], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  expect(verify.stdout).toMatch(new RegExp(`^OK: \\d+ entr(y|ies) of tenant ${TENANT}'s chain`));
  expect(verify.status).toBe(0);
  writeFileSync(path.join(OUT, 'verify.txt'), verify.stdout);

  await expectNoSeriousViolations(page, () => expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible());
  // Axe again with the picker open and a disclosure expanded.
  await choose.click();
  await rowOf(table, 'Created a configuration').getByRole('button', { name: /details of event/ }).click();
  await expectNoSeriousAxe(page);

  // On a phone the admin's email wraps only at a dot, @ or hyphen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/t/${TENANT}/audit`);
  const email = table.getByText(ADMIN.email, { exact: true }).first();
  await expect(email).toBeVisible();
  const starts = await lineStarts(email);
  expect(starts.length, 'the email wraps in a phone-width cell').toBeGreaterThan(0);
  // Before a dot, @ or hyphen (our <wbr>s), or after a hyphen (the browser's own break point).
  const sensible = (i: number) => '.@-'.includes(ADMIN.email[i] ?? '') || ADMIN.email[i - 1] === '-';
  const midWord = starts.filter((i) => !sensible(i)).map((i) => `${ADMIN.email.slice(0, i)}|${ADMIN.email.slice(i)}`);
  expect(midWord, 'line breaks inside a word').toEqual([]);
});

test.describe('an operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('reads names and details, picks actions, and verifies the whole stored trail', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto('/operator');
    await page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Audit trail' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
    const table = page.getByRole('table', { name: /Audit events of the vendor chain/ });
    await expect(table).toBeVisible();

    // A tenant's events name the tenant and its configuration; their details stay the tenant's.
    await page.getByLabel('Tenant id').fill(TENANT);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(table.getByRole('cell', { name: new RegExp(`${TENANT} #\\d+`) }).first()).toBeVisible();
    await expect(rowOf(table, 'Suspended the tenant').getByText('Audit Walk', { exact: true }).filter({ visible: true })).toHaveAttribute('title', `Tenant id: ${TENANT}`);
    const created = rowOf(table, 'Created a configuration');
    await expect(created.getByTitle(/^Configuration id: /)).toHaveText(CONFIG);
    await expect(created).toContainText('Tenant’s data, not shown');

    // A vendor-only event, picked by search and group: its environment by name, every detail expandable.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    // The form is re-made from the URL once it changes; open the picker in that one.
    await expect(page).toHaveURL(/\/operator\/audit$/);
    await expect(page.getByLabel('Tenant id')).toHaveValue('');
    const picker = page.getByRole('group', { name: 'Actions', exact: true });
    await picker.getByRole('button', { name: 'Choose actions' }).click();
    await picker.getByRole('searchbox', { name: 'Search actions' }).fill('environment');
    await picker.getByRole('group', { name: 'Vendor and broker' }).getByRole('checkbox', { name: 'Select all (1)' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]action=environment\.create(&|$)/);
    const environment = table.getByRole('row').filter({ has: page.getByText('Audit walk', { exact: true }) });
    await expect(environment.getByText('Audit walk', { exact: true })).toHaveAttribute('title', `Environment id: ${environmentId}`);
    await environment.getByRole('button', { name: /^2 details of event #\d+$/ }).click();
    await expect(environment.getByRole('definition')).toHaveCount(2);
    await expect(detailValue(environment, 'environmentId')).toHaveText(environmentId);
    await expect(detailValue(environment, 'slug')).toHaveText('audit-walk');
    await expect(page.getByTestId('export-note').getByRole('link', { name: 'jwks.json' })).toHaveAttribute('href', '/.well-known/jwks.json');

    await page.getByRole('button', { name: 'Verify now' }).click();
    await expect(page.getByTestId('trail-verification')).toContainText('OK: the trail verifies');
    await expectNoSeriousViolations(page, () => expect(table).toBeVisible());
  });
});
