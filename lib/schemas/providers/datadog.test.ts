// The Datadog schema: its example passes, each kind of bad input gets one
// clear message on the right field, and the API key is flagged secret.
import { describe, expect, it } from 'vitest';
import { DATADOG_SITES, datadog, ZDatadogSettings } from './datadog';

const valid = datadog.example;
const problems = (value: unknown) =>
  ZDatadogSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const SITE = 'Choose the Datadog site your organisation uses, like datadoghq.eu (it is in your Datadog URL).';
const KEY_FORMAT = 'The API key must be 32 lower-case hex characters, like 0123456789abcdef0123456789abcdef.';

describe('datadog provider', () => {
  it('accepts its example and every site of the fixed list', () => {
    expect(ZDatadogSettings.parse(valid)).toEqual(valid);
    for (const { value } of DATADOG_SITES) expect(problems({ ...valid, site: value })).toEqual([]);
  });

  it('trims a pasted API key', () => {
    expect(ZDatadogSettings.parse({ ...valid, apiKey: ` ${valid.apiKey}\n` }).apiKey).toBe(valid.apiKey);
  });

  it.each([
    ['a site outside the list', 'datadoghq.org'],
    ['a full host name instead of the site', 'app.datadoghq.eu'],
    ['a site in capitals', 'DATADOGHQ.COM'],
    ['no site', undefined],
  ])('refuses %s', (_kind, site) => {
    expect(problems({ ...valid, site })).toEqual([{ path: ['site'], message: SITE }]);
  });

  it.each([
    ['an empty API key', '', 'Enter the Datadog API key, like 0123456789abcdef0123456789abcdef.'],
    ['a key that is not a string', 12345, 'Enter the Datadog API key, like 0123456789abcdef0123456789abcdef.'],
    ['a key one character short', valid.apiKey.slice(1), KEY_FORMAT],
    ['a key with a non-hex character', `${valid.apiKey.slice(1)}g`, KEY_FORMAT],
    ['a key in upper case', valid.apiKey.toUpperCase(), KEY_FORMAT],
    ['a key with a line break inside', `${valid.apiKey.slice(0, 16)}\n${valid.apiKey.slice(16)}`, 'Remove the line breaks, tabs and other control characters.'],
    [
      'an application key',
      `deadbeef${valid.apiKey}`,
      'This looks like an application key (40 characters); use an API key of 32 hex characters, like 0123456789abcdef0123456789abcdef.',
    ],
  ])('refuses %s', (_kind, apiKey, message) => {
    expect(problems({ ...valid, apiKey })).toEqual([{ path: ['apiKey'], message }]);
  });

  it('refuses an unknown setting and a non-object', () => {
    expect(problems({ ...valid, appKey: 'x' })).toEqual([{ path: [], message: 'Remove "appKey": Datadog has no such setting.' }]);
    expect(problems('datadoghq.com')).toEqual([{ path: [], message: 'The Datadog settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with the API key secret and valid examples', () => {
    expect(datadog).toMatchObject({ id: 'datadog', kind: 'siem' });
    expect(datadog.fields.map((f) => f.name)).toEqual(Object.keys(ZDatadogSettings.shape));
    expect(datadog.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['apiKey']);
    expect(datadog.fields.find((f) => f.name === 'site')?.options?.map((o) => o.value)).toEqual(ZDatadogSettings.shape.site.options);
    expect(problems(Object.fromEntries(datadog.fields.map((f) => [f.name, f.example])))).toEqual([]);
  });
});
