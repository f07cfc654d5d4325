// People of the end-to-end walk, and the UI steps every test shares.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { invitationLink, waitForMail } from './mail';

export const OPERATOR = { email: 'ops@vendor.example', passphrase: 'quartz-lantern orbit meadow 42' };
export const AUTH_DIR = path.resolve('.cache/e2e/auth');
export const OPERATOR_STATE = path.join(AUTH_DIR, 'operator.json');
/** Ids made by e2e/setup/matrix-fixtures.setup.ts for the authorization matrix. */
export const MATRIX_FILE = path.join(AUTH_DIR, 'matrix.json');
export const matrixState = (who: 'admin-a' | 'operator' | 'pending-b') => path.join(AUTH_DIR, `matrix-${who}.json`);

export function setupTokenFromServerLog(): string {
  const log = readFileSync(path.resolve('.cache/e2e/server.log'), 'utf8');
  const token = /one-time setup token:\s+(\S+)/.exec(log)?.[1];
  if (!token) throw new Error('no setup token in the server log');
  return token;
}

export async function signIn(page: Page, email: string, passphrase: string, otp?: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (otp !== undefined) {
    await page.getByLabel('Authentication code').fill(otp);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect(page.getByTestId('signed-in-user')).toHaveText(email);
}

export async function choosePassphrase(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Repeat the passphrase').fill(passphrase);
  await page.getByRole('checkbox', { name: /I understand/ }).check();
}

/**
 * The first admin of a new tenant accepts the mailed invitation in `page`, stores the recovery code, lands on the
 * configurations, and ends on the Admins & keys tab with the tenant keys unlocked.
 */
export async function enrollFirstAdmin(page: Page, email: string, passphrase: string): Promise<void> {
  await page.goto(invitationLink(await waitForMail(email)));
  await choosePassphrase(page, passphrase);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.getByRole('checkbox', { name: 'I have stored the recovery code' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/t\/[^/]+\/configs$/);
  await tenantTab(page, 'Admins & keys').click();
  await expect(page.getByTestId('tenant-keys-unlocked')).toBeVisible();
}

/** A tab of the tenant area's navigation (named after the tenant). */
export const tenantTab = (page: Page, name: 'Configurations' | 'Deployments' | 'Deterministic keys' | 'Audit' | 'Admins & keys') =>
  page.getByRole('navigation', { name: /^Tenant / }).getByRole('link', { name, exact: true });

export type RecordedRequest = { url: string; method: string; headers: Record<string, string>; body: string };

/** Records every request (URL, headers, body) the browser sends in this context. */
export function recordRequests(context: BrowserContext, into: RecordedRequest[]): void {
  context.on('request', (request) => {
    into.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postData() ?? '' });
  });
}
