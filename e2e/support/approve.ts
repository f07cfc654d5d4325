// A tenant admin approves a proxy deployment in the browser: the Deployments
// page, the Approve dialog with its fingerprint confirmation, and the answer
// naming how many configurations were re-sealed to the deployment's key.
import type { Locator, Page } from '@playwright/test';
import { expect } from '../fixtures/test';

/** Approves `deployment` on the tenant's Deployments page; returns its card. */
export async function approveDeployment(page: Page, tenant: string, deployment: string, resealed: number): Promise<Locator> {
  await page.goto(`/t/${tenant}/deployments`);
  const card = page.getByTestId(`tenant-deployment-${deployment}`);
  await card.getByRole('button', { name: `Approve ${deployment}` }).click();
  const dialog = page.getByRole('dialog', { name: `Approve ${deployment}?` });
  await dialog.getByRole('checkbox', { name: /I compared the fingerprint/ }).check();
  await dialog.getByRole('button', { name: 'Approve and re-seal' }).click();
  await expect(page.getByText(`${deployment} is approved; ${resealed} configurations re-sealed.`)).toBeVisible({ timeout: 30_000 });
  return card;
}
