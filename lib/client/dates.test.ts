import { describe, expect, it } from 'vitest';
import { formatAge, formatClock, formatDateTime, SERVER_RENDER, timeZoneLabel, toIsoString } from './dates';

const AT = '2026-12-07T14:30:00.000Z';
// ICU may put a narrow no-break space before AM/PM; the words are what is compared.
const plain = (s: string) => s.replace(/\s/g, ' ');

describe('formatDateTime', () => {
  it('gives the exact text in a fixed locale and zone', () => {
    expect(formatDateTime(AT, { locale: 'en-GB', timeZone: 'UTC' })).toBe('7 Dec 2026, 14:30 UTC');
    expect(formatDateTime(AT, { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('7 Dec 2026, 15:30 CET');
    expect(plain(formatDateTime(AT, { locale: 'en-US', timeZone: 'America/New_York' }))).toBe('Dec 7, 2026, 9:30 AM EST');
  });

  it('always names the zone, whichever zone and locale the viewer has', () => {
    for (const [locale, timeZone, zone] of [
      ['en-GB', 'UTC', 'UTC'],
      ['en-US', 'America/Los_Angeles', 'PST'],
      ['en-GB', 'Asia/Tokyo', 'GMT+9'],
      ['de-DE', 'Europe/Berlin', 'MEZ'],
      ['en-AU', 'Australia/Sydney', 'AEDT'],
    ] as const) {
      expect(formatDateTime(AT, { locale, timeZone }), `${locale} ${timeZone}`).toMatch(new RegExp(`${zone.replace('+', '\\+')}$`));
    }
    // The viewer's own zone (the test process's) is named too.
    expect(formatDateTime(AT)).toMatch(new RegExp(`${timeZoneLabel(AT).replace('+', '\\+')}$`));
  });

  it('takes ISO strings, epoch milliseconds and Dates alike', () => {
    const options = { locale: 'en-GB', timeZone: 'UTC' };
    expect(formatDateTime(Date.parse(AT), options)).toBe('7 Dec 2026, 14:30 UTC');
    expect(formatDateTime(new Date(AT), options)).toBe('7 Dec 2026, 14:30 UTC');
  });

  it('says so for a value that is no time, rather than throwing in the middle of a table', () => {
    expect(formatDateTime('not a date')).toBe('unknown time');
    expect(toIsoString('not a date')).toBe('');
  });

  it('renders on the server in UTC, in the same shape', () => {
    expect(formatDateTime(AT, SERVER_RENDER)).toBe('7 Dec 2026, 14:30 UTC');
  });
});

describe('timeZoneLabel and formatClock', () => {
  it('name the zone once for a chart whose ticks are bare clocks', () => {
    expect(timeZoneLabel(AT, { locale: 'en-GB', timeZone: 'UTC' })).toBe('UTC');
    expect(timeZoneLabel('2026-07-07T12:00:00Z', { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('CEST');
    expect(formatClock(AT, { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('15:30');
  });
});

describe('formatAge', () => {
  const now = Date.parse(AT);
  it('counts back from now in the largest whole unit', () => {
    expect(formatAge(now - 5_000, now)).toBe('5 s ago');
    expect(formatAge(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(formatAge(now - 2 * 3_600_000, now)).toBe('2 h ago');
    expect(formatAge(now - 3 * 86_400_000, now)).toBe('3 d ago');
    expect(formatAge(now + 60_000, now)).toBe('0 s ago');
  });
});
