// The one-format rule holds because lint refuses a second one (npm test runs
// lint before anything else): a page module that formats a date itself is an
// error; the date module is the one place allowed to.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });
const SECOND_FORMATS = [
  'export const a = (d: Date) => d.toLocaleString();',
  'export const a = (d: Date) => d.toLocaleDateString();',
  'export const a = (d: Date) => d.toLocaleTimeString(undefined, { hour: "2-digit" });',
  'export const a = (d: Date) => d.toUTCString();',
  'export const a = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });',
  'export const a = Intl.DateTimeFormat().format(new Date());',
];

async function restricted(code: string, filePath: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result?.messages.filter((m) => m.ruleId === 'no-restricted-properties').length ?? 0;
}

describe('one date format (eslint.config.mjs)', () => {
  it.each(['components/tenant/example.tsx', 'app/(vendor)/operator/example/page.tsx', 'lib/client/example.ts', 'lib/example.ts'])('refuses a second format in %s', async (file) => {
    for (const code of SECOND_FORMATS) expect(await restricted(code, file), code).toBe(1);
  }, 60_000);

  it('lets the date module and server mails format', async () => {
    for (const code of SECOND_FORMATS) {
      expect(await restricted(code, 'lib/client/dates.ts'), code).toBe(0);
      expect(await restricted(code, 'lib/server/notifications/example.ts'), code).toBe(0);
    }
  }, 60_000);
});
