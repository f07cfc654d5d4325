// Passphrase fields: a Show/Hide button (aria-pressed) that changes only the
// input's type — the typed text, the focus and the caret stay — hides the text
// again when the form is sent, and is the same on every passphrase field. The
// sign-in form links to what to do after losing a passphrase.
import { expect, test } from '../fixtures/test';
import { OPERATOR_STATE } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';

test('sign-in: Show passphrase reveals the text, keeps focus, text and caret, and hides it again on submit', async ({ page }) => {
  await page.goto('/sign-in');
  // The form's buttons are enabled once the page is interactive.
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  const input = page.getByLabel('Passphrase');
  await input.fill('correct horse');
  await expect(input).toHaveAttribute('type', 'password');
  const show = page.getByRole('button', { name: 'Show passphrase' });
  await expect(show).toHaveAttribute('aria-pressed', 'false');

  await show.click();
  const hide = page.getByRole('button', { name: 'Hide passphrase' });
  await expect(hide).toHaveAttribute('aria-pressed', 'true');
  await expect(input).toHaveAttribute('type', 'text');
  await expect(input).toHaveValue('correct horse');
  await expect(input).toBeFocused();
  await page.keyboard.type(' battery');
  await expect(input).toHaveValue('correct horse battery');

  // By keyboard: Tab reaches the button, Space toggles it, focus stays on it, with a visible ring.
  await page.keyboard.press('Tab');
  await expect(hide).toBeFocused();
  expect(await hide.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await page.keyboard.press('Space');
  await expect(show).toBeFocused();
  await expect(show).toHaveAttribute('aria-pressed', 'false');
  await expect(input).toHaveAttribute('type', 'password');
  await expect(input).toHaveValue('correct horse battery');

  // Sending the form hides a shown passphrase first.
  await show.click();
  await expect(input).toHaveAttribute('type', 'text');
  await page.getByLabel('Email').fill('nobody@vendor.example');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(input).toHaveAttribute('type', 'password');
  await expect(show).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByText('The email or passphrase is not correct.')).toBeVisible();
  await expect(input).toHaveValue('correct horse battery');
});

test('sign-in links to the way back after a lost passphrase: the recovery kit', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Lost your passphrase? Use your recovery kit' }).click();
  await expect(page).toHaveURL('/sign-in/lost-passphrase');
  await expect(page).toHaveTitle('Lost passphrase · CMK configuration broker');
  await expect(page.getByRole('heading', { level: 1, name: 'Lost your passphrase?' })).toBeVisible();
  const admins = page.getByRole('region', { name: 'Tenant administrators: use your recovery kit' });
  await expect(admins).toContainText('Recover with a recovery code');
  await expect(admins).toContainText('an email address that has no account here');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectNoSeriousAxe(page);
  }
  await page.getByRole('link', { name: 'Back to sign-in' }).click();
  await expect(page).toHaveURL('/sign-in');
});

test.describe('on the account page', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('every passphrase field has its own Show button, and it shows only that field', async ({ page }) => {
    await page.goto('/account');
    const section = page.getByRole('region', { name: 'Passphrase', exact: true });
    await expect(section.getByRole('button', { name: 'Change passphrase' })).toBeEnabled();
    const fields = [
      { label: 'Current passphrase', button: 'current passphrase' },
      { label: 'New passphrase', button: 'new passphrase' },
      { label: 'Repeat the new passphrase', button: 'repeated new passphrase' },
    ];
    for (const field of fields) await section.getByLabel(field.label, { exact: true }).fill(`typed into ${field.label}`);
    for (const field of fields) {
      await section.getByRole('button', { name: `Show ${field.button}`, exact: true }).click();
      for (const other of fields) {
        await expect(section.getByLabel(other.label, { exact: true })).toHaveAttribute('type', other === field ? 'text' : 'password');
      }
      await expect(section.getByLabel(field.label, { exact: true })).toHaveValue(`typed into ${field.label}`);
      await section.getByRole('button', { name: `Hide ${field.button}`, exact: true }).click();
      await expect(section.getByLabel(field.label, { exact: true })).toHaveAttribute('type', 'password');
    }
  });
});
