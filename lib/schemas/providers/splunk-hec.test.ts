// The Splunk HEC schema: its example passes, each kind of bad URL, token,
// index and sourcetype gets one clear message on its field, and the token
// is the one secret.
import { describe, expect, it } from 'vitest';
import { splunkHec, ZSplunkHecSettings } from './splunk-hec';

const valid = splunkHec.example;
const problems = (value: unknown) =>
  ZSplunkHecSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const URL_EXAMPLE = 'https://http-inputs-acme.splunkcloud.com/services/collector/event';
const TOKEN_EXAMPLE = '3f2b8c1e-6d4a-4f7e-9b2c-1a5d8e7f0c3b';

describe('splunk-hec provider', () => {
  it('accepts its example', () => {
    expect(ZSplunkHecSettings.parse(valid)).toEqual(valid);
  });

  it.each([
    ['a Splunk Cloud base URL', 'https://http-inputs-acme.splunkcloud.com'],
    ['the collector path', 'https://splunk.example.com:8088/services/collector'],
    ['a private address on a VPN', 'https://10.1.2.3:8088/services/collector/event'],
  ])('accepts %s', (_kind, url) => {
    expect(problems({ ...valid, url })).toEqual([]);
  });

  it('accepts an upper-case token and trims pasted values', () => {
    const token = valid.token.toUpperCase();
    expect(ZSplunkHecSettings.parse({ ...valid, token: ` ${token}\n`, index: ' cmk_audit ' })).toMatchObject({ token, index: 'cmk_audit' });
  });

  it.each([
    ['an empty URL', '', `Enter the HEC URL, like ${URL_EXAMPLE}.`],
    ['plain http', 'http://splunk.example.com:8088/services/collector/event', `The HEC URL must start with https://, like ${URL_EXAMPLE}.`],
    [
      'the Splunk Web URL',
      'https://splunk.example.com:8000/en-US/app/search/search',
      `Use the HEC endpoint, with no path or ending in /services/collector/event, like ${URL_EXAMPLE}.`,
    ],
    [
      'the raw endpoint',
      'https://splunk.example.com:8088/services/collector/raw',
      `Use the HEC endpoint, with no path or ending in /services/collector/event, like ${URL_EXAMPLE}.`,
    ],
    ['a query string', `${valid.url}?channel=x`, 'Remove the ?… part from the HEC URL.'],
    [
      'a loopback address',
      'https://127.0.0.1:8088/services/collector/event',
      `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`,
    ],
    [
      'the cloud metadata address',
      'https://169.254.169.254/services/collector',
      `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`,
    ],
  ])('refuses %s as URL', (_kind, url, message) => {
    expect(problems({ ...valid, url })).toEqual([{ path: ['url'], message }]);
  });

  it.each([
    ['an empty token', '', `Enter the HEC token, like ${TOKEN_EXAMPLE}.`],
    ['the Authorization header value', `Splunk ${valid.token}`, `Enter the token alone, without the "Splunk " prefix, like ${TOKEN_EXAMPLE}.`],
    ['a token without hyphens', valid.token.replaceAll('-', ''), `The HEC token must be a UUID, like ${TOKEN_EXAMPLE}.`],
    ['a truncated token', valid.token.slice(0, -1), `The HEC token must be a UUID, like ${TOKEN_EXAMPLE}.`],
    ['a token that is not a string', 42, `Enter the HEC token, like ${TOKEN_EXAMPLE}.`],
  ])('refuses %s', (_kind, token, message) => {
    expect(problems({ ...valid, token })).toEqual([{ path: ['token'], message }]);
  });

  it.each([
    ['an empty index', '', 'Enter the Splunk index name, like cmk_audit.'],
    ['capitals', 'CMK_Audit', 'Splunk index names are lower case; write it like cmk_audit.'],
    ['an internal index', '_internal', 'Start the index name with a letter or digit (names starting with _ or - are internal), like cmk_audit.'],
    ['a leading hyphen', '-audit', 'Start the index name with a letter or digit (names starting with _ or - are internal), like cmk_audit.'],
    ['a dot', 'cmk.audit', 'Use only lower-case letters, digits, _ and - in the index name, like cmk_audit.'],
    ['a space', 'cmk audit', 'Use only lower-case letters, digits, _ and - in the index name, like cmk_audit.'],
    ['kvstore', 'my_kvstore_idx', 'Splunk reserves index names containing "kvstore"; choose another, like cmk_audit.'],
    ['a very long name', 'a'.repeat(256), 'This is too long; use at most 255 characters.'],
  ])('refuses %s as index', (_kind, index, message) => {
    expect(problems({ ...valid, index })).toEqual([{ path: ['index'], message }]);
  });

  it.each([
    ['an empty sourcetype', '', 'Enter a sourcetype, like cmk:proxy:audit.'],
    ['a space', 'cmk proxy', 'Use printable characters without spaces in the sourcetype, like cmk:proxy:audit.'],
    ['a non-ASCII character', 'cmk:prüfung', 'Use printable characters without spaces in the sourcetype, like cmk:proxy:audit.'],
    ['a tab', 'cmk\taudit', 'Remove the line breaks, tabs and other control characters.'],
    ['more than 256 characters', 'x'.repeat(257), 'This is too long; use at most 256 characters.'],
  ])('refuses %s as sourcetype', (_kind, sourcetype, message) => {
    expect(problems({ ...valid, sourcetype })).toEqual([{ path: ['sourcetype'], message }]);
  });

  it('reports every missing field at once, and refuses unknown settings', () => {
    expect(problems({})).toEqual([
      { path: ['url'], message: `Enter the HEC URL, like ${URL_EXAMPLE}.` },
      { path: ['token'], message: `Enter the HEC token, like ${TOKEN_EXAMPLE}.` },
      { path: ['index'], message: 'Enter the Splunk index name, like cmk_audit.' },
      { path: ['sourcetype'], message: 'Enter a sourcetype, like cmk:proxy:audit.' },
    ]);
    expect(problems({ ...valid, host: 'x' })).toEqual([{ path: [], message: 'Remove "host": Splunk HEC has no such setting.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with the token secret and valid examples', () => {
    expect(splunkHec).toMatchObject({ id: 'splunk-hec', kind: 'siem' });
    expect(splunkHec.fields.map((f) => f.name)).toEqual(Object.keys(ZSplunkHecSettings.shape));
    expect(splunkHec.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['token']);
    expect(problems(Object.fromEntries(splunkHec.fields.map((f) => [f.name, f.example])))).toEqual([]);
  });
});
