// The one-date-format check pages share: every date in <main> is a <time>
// whose text is exactly lib/client/dates.ts's format of its datetime in the
// viewer's locale and zone, ends with the zone's name, and no date is written
// any other way (a month-name date outside a <time>, 12/7/2026, 2026-12-07).
import { expect, type Page } from '@playwright/test';
import { formatDateTime, timeZoneLabel } from '@/lib/client/dates';

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)';
const MONTH_DATES = new RegExp(`\\b(?:${MONTH} \\d{1,2}, \\d{4}|\\d{1,2} ${MONTH} \\d{4})\\b`, 'g');
const OTHER_DATES = /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b/g;
// ICU puts a narrow no-break space before AM/PM in some versions.
const plain = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Returns how many dates the page showed (so a caller can insist there were some). */
export async function expectOneDateFormat(page: Page, viewer: { locale: string; timeZone: string }): Promise<number> {
  const main = page.getByRole('main');
  const stamps = await main.locator('time').evaluateAll((els) => els.map((el) => ({ iso: el.getAttribute('datetime') ?? '', text: (el as HTMLElement).innerText })));
  for (const { iso, text } of stamps) {
    expect(Number.isNaN(Date.parse(iso)), `datetime="${iso}"`).toBe(false);
    const zone = timeZoneLabel(iso, viewer);
    expect(plain(text), `the <time> of ${iso}`).toBe(plain(formatDateTime(iso, viewer)));
    expect(plain(text).endsWith(` ${zone}`), `${text} names the zone ${zone}`).toBe(true);
  }
  const words = plain(await main.innerText());
  expect(words.match(MONTH_DATES) ?? [], 'every date on the page is one of its <time> elements').toHaveLength(stamps.length);
  expect(words.match(OTHER_DATES) ?? [], 'no date in another format').toEqual([]);
  return stamps.length;
}
