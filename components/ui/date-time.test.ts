// The server render of a time (and the browser's first, hydrating render)
// is the one format in UTC, so both sides agree; the viewer's zone follows.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DateTime } from './date-time';

describe('DateTime', () => {
  it('is a <time> with the ISO datetime and the one format, zone named', () => {
    expect(renderToStaticMarkup(createElement(DateTime, { at: '2026-12-07T14:30:00Z' }))).toBe('<time dateTime="2026-12-07T14:30:00.000Z">7 Dec 2026, 14:30 UTC</time>');
  });

  it('a relative time carries the exact time in its title', () => {
    expect(renderToStaticMarkup(createElement(DateTime, { at: Date.UTC(2026, 11, 7, 14, 30), relative: true }))).toBe(
      '<time dateTime="2026-12-07T14:30:00.000Z" title="7 Dec 2026, 14:30 UTC">7 Dec 2026, 14:30 UTC</time>',
    );
  });
});
