// UI steps and leak checks of the configuration walk: filling a provider
// form from a settings object, recording every byte the browser sends and
// receives, and searching that traffic and the server log for canaries.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import type { TProvider } from '@/lib/schemas/providers/types';
import { canaryNeedles, type Canary } from '@/lib/testing/secret-scan';

export const SERVER_LOG = path.resolve('.cache/e2e/server.log');

/** Fills the provider's fields in form order, so a choice (auth method) comes before the fields it shows. */
export async function fillSettings(form: Locator, provider: TProvider, settings: Record<string, unknown>): Promise<void> {
  for (const field of provider.fields) {
    const value = settings[field.name];
    if (value === undefined) continue;
    const control = form.locator(`[name="${field.name}"]`);
    if (field.input === 'select') {
      await control.selectOption(String(value));
    } else if (field.input === 'headers') {
      const rows = Object.entries(value as Record<string, string>);
      for (const [i, [name, headerValue]] of rows.entries()) {
        if (i > 0 && (await form.getByLabel(`${field.label} ${i + 1} name`, { exact: true }).count()) === 0) {
          await form.getByRole('button', { name: new RegExp(`^Add a row to ${field.label.toLowerCase()}`) }).click();
        }
        await form.getByLabel(`${field.label} ${i + 1} name`, { exact: true }).fill(name);
        await form.getByLabel(`${field.label} ${i + 1} value`, { exact: true }).fill(headerValue);
      }
    } else if (field.input === 'json') {
      await control.fill(JSON.stringify(value, null, 2));
    } else {
      await control.fill(String(value));
    }
  }
}

/** The new-configuration form of `kind`, opened from the overview. */
export async function openNewForm(page: Page, tenant: string, kind: 'kms' | 'siem'): Promise<Locator> {
  await page.goto(`/t/${tenant}/configs/new?kind=${kind}`);
  const form = page.getByRole('form', { name: `New ${kind.toUpperCase()} configuration` });
  await expect(form).toBeVisible();
  return form;
}

export type TTraffic = { url: string; direction: 'sent' | 'received'; text: string };

/** Every request the context sends (URL, headers, body) and every response body it receives. */
export function recordTraffic(context: BrowserContext): { items: TTraffic[]; settle: () => Promise<void> } {
  const items: TTraffic[] = [];
  const pending: Promise<void>[] = [];
  context.on('request', (request) => {
    items.push({ url: request.url(), direction: 'sent', text: `${request.url()}\n${JSON.stringify(request.headers())}\n${request.postData() ?? ''}` });
  });
  context.on('response', (response) => {
    pending.push(
      response.body().then(
        (body) => void items.push({ url: response.url(), direction: 'received', text: `${JSON.stringify(response.headers())}\n${body.toString('utf8')}` }),
        // Redirects and aborted navigations have no body.
        () => undefined,
      ),
    );
  });
  return {
    items,
    settle: async () => {
      await Promise.all(pending);
    },
  };
}

/** Where each canary (as text, or as base64/base64url/hex of its bytes) occurs in `texts`. */
export function findCanaries(canaries: readonly Canary[], texts: readonly { where: string; text: string }[]): string[] {
  const needles = canaryNeedles(canaries);
  const found: string[] = [];
  for (const { where, text } of texts) {
    const lower = text.toLowerCase();
    for (const needle of needles) {
      const hit = needle.foldCase ? lower.includes(needle.text.toLowerCase()) : text.includes(needle.text);
      if (hit) found.push(`${needle.label} in ${where}`);
    }
  }
  return found;
}

/** Canaries found in the broker's log of this run (.cache/e2e/server.log). */
export function canariesInServerLog(canaries: readonly Canary[]): string[] {
  const log = readFileSync(SERVER_LOG, 'utf8');
  expect(log.length, 'the server log of this run is not empty').toBeGreaterThan(0);
  return findCanaries(canaries, [{ where: 'server.log', text: log }]);
}
