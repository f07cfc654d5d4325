// The Elastic schema: its example passes, each kind of bad URL, API key and
// index or data stream name gets one clear message on its field, and exactly
// one way to sign in (API key, or user name and password) is accepted.
import { describe, expect, it } from 'vitest';
import { elastic, ZElasticSettings } from './elastic';

const valid = elastic.example;
const problems = (value: unknown) =>
  ZElasticSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const URL_EXAMPLE = 'https://acme.es.us-east-1.aws.elastic.cloud:443';
const KEY_EXAMPLE = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const INDEX_EXAMPLE = 'logs-cmk.audit-default';
const DATA_STREAM = `Name a data stream type-dataset-namespace, with dots rather than hyphens inside the dataset and namespace, like ${INDEX_EXAMPLE}.`;
const RESERVED_START = `Start the name with a letter or digit (names starting with - _ + or . are reserved), like ${INDEX_EXAMPLE}.`;
const CHARACTERS = `Leave out spaces and the characters \\ / * ? " < > | , # : from the name, like ${INDEX_EXAMPLE}.`;

describe('elastic provider', () => {
  it('accepts its example', () => {
    expect(ZElasticSettings.parse(valid)).toEqual(valid);
  });

  it.each([
    ['a plain index', 'cmk-audit'],
    ['a dated index', 'cmk-audit-2026.11'],
    ['a metrics data stream', 'metrics-cmk.proxy-prod'],
    ['a non-ASCII lower-case name', 'prüfung'],
    ['a name of exactly 255 bytes', 'a'.repeat(255)],
  ])('accepts %s as index', (_kind, index) => {
    expect(problems({ ...valid, index })).toEqual([]);
  });

  it('accepts a cluster behind a reverse proxy path, and a self-managed port', () => {
    expect(problems({ ...valid, url: 'https://siem.example.com/elasticsearch' })).toEqual([]);
    expect(problems({ ...valid, url: 'https://es.example.com:9200' })).toEqual([]);
  });

  it.each([
    ['an empty URL', '', `Enter the Elasticsearch URL, like ${URL_EXAMPLE}.`],
    ['plain http', 'http://es.example.com:9200', `The Elasticsearch URL must start with https://, like ${URL_EXAMPLE}.`],
    ['a host without scheme', 'es.example.com', `Enter the Elasticsearch URL as a full address starting with https://, like ${URL_EXAMPLE}.`],
    ['credentials in the URL', 'https://elastic:changeme@es.example.com', 'Remove the user name and password from the Elasticsearch URL; credentials go in their own fields.'],
    ['localhost', 'https://localhost:9200', `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`],
    ['an IPv6 loopback', 'https://[::1]:9200', `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`],
  ])('refuses %s', (_kind, url, message) => {
    expect(problems({ ...valid, url })).toEqual([{ path: ['url'], message }]);
  });

  it.each([
    ['an empty key (and no user name and password)', '', 'Enter an API key, or a user name and password.'],
    ['the Authorization header value', `ApiKey ${valid.apiKey}`, `Enter the key alone, without the "ApiKey " prefix, like ${KEY_EXAMPLE}.`],
    ['a short key', 'ZmFrZTprZXk=', `Enter the whole encoded API key (at least 20 characters), like ${KEY_EXAMPLE}.`],
    ['id:key in clear', 'fakeKeyId123:fakeApiKeySecret456', `The encoded API key must be base64, like ${KEY_EXAMPLE}.`],
    ['broken padding', `${valid.apiKey}=`, `The encoded API key must be base64, like ${KEY_EXAMPLE}.`],
    [
      'the key id alone',
      btoa('VuaCfGcBCdbkQm-e5aOx-and-more'),
      `Use the "encoded" value Elastic shows (base64 of id:key), not the id or the key alone, like ${KEY_EXAMPLE}.`,
    ],
  ])('refuses %s as API key', (_kind, apiKey, message) => {
    expect(problems({ ...valid, apiKey })).toEqual([{ path: ['apiKey'], message }]);
  });

  it.each([
    ['an empty name', '', `Enter an index or data stream name, like ${INDEX_EXAMPLE}.`],
    ['capitals', 'CMK-Audit', `Index names are lower case; write it like ${INDEX_EXAMPLE}.`],
    ['a space', 'cmk audit', CHARACTERS],
    ['a wildcard', 'cmk-*', CHARACTERS],
    ['a colon', 'cluster:cmk', CHARACTERS],
    ['a comma (two indices)', 'a,b', CHARACTERS],
    ['a leading underscore', '_cmk', RESERVED_START],
    ['a leading plus', '+cmk', RESERVED_START],
    ['.', '.', RESERVED_START],
    ['..', '..', RESERVED_START],
    ['a hidden index', '.security', RESERVED_START],
    ['more than 255 bytes', 'ü'.repeat(128), `Use a name of at most 255 bytes, like ${INDEX_EXAMPLE}.`],
    ['a data stream without namespace', 'logs-cmk', DATA_STREAM],
    ['a hyphen inside the namespace', 'logs-cmk-audit-prod', DATA_STREAM],
    ['an empty dataset', 'logs--default', DATA_STREAM],
    ['a dataset over 100 bytes', `logs-${'d'.repeat(101)}-default`, DATA_STREAM],
  ])('refuses %s as index', (_kind, index, message) => {
    expect(problems({ ...valid, index })).toEqual([{ path: ['index'], message }]);
  });

  describe('credentials', () => {
    const { apiKey: _apiKey, ...withoutKey } = valid;
    const basic = { ...withoutKey, username: 'cmk_writer', password: ' pass word ' };

    it('keeps settings stored before basic auth (url, apiKey, index) valid', () => {
      expect(ZElasticSettings.parse({ url: valid.url, apiKey: valid.apiKey, index: valid.index })).toEqual({ ...valid, onQueueFull: 'drop' });
    });

    it('accepts a user name and password instead of an API key, keeping the password exactly', () => {
      expect(ZElasticSettings.parse(basic)).toMatchObject({ username: 'cmk_writer', password: ' pass word ' });
      expect(ZElasticSettings.parse({ ...basic, apiKey: '' }).apiKey).toBeUndefined();
    });

    it.each([
      ['no credentials at all', withoutKey, [{ path: ['apiKey'], message: 'Enter an API key, or a user name and password.' }]],
      ['blank credentials', { ...withoutKey, apiKey: ' ', username: '', password: '' }, [{ path: ['apiKey'], message: 'Enter an API key, or a user name and password.' }]],
      ['a user name without password', { ...withoutKey, username: 'cmk_writer' }, [{ path: ['password'], message: 'Enter the password of this user.' }]],
      ['a password without user name', { ...withoutKey, password: 'secret' }, [{ path: ['username'], message: 'Enter the user name that goes with the password.' }]],
      [
        'both an API key and a user name and password',
        { ...basic, apiKey: valid.apiKey },
        [
          { path: ['username'], message: 'Leave the user name empty when the key proxies sign in with an API key.' },
          { path: ['password'], message: 'Leave the password empty when the key proxies sign in with an API key.' },
        ],
      ],
      ['a colon in the user name', { ...basic, username: 'a:b' }, [{ path: ['username'], message: 'A user name cannot contain a colon (:).' }]],
      [
        'a password with a line break',
        { ...basic, password: 'pass\nword' },
        [{ path: ['password'], message: 'The password contains a line break or another control character; paste it again on one line.' }],
      ],
    ])('refuses %s', (_kind, settings, expected) => {
      expect(problems(settings)).toEqual(expected);
    });
  });

  it('refuses an unknown setting and a non-object', () => {
    expect(problems({ ...valid, user: 'elastic' })).toEqual([{ path: [], message: 'Remove "user": Elastic has no such setting.' }]);
    expect(problems(undefined)).toEqual([{ path: [], message: 'The Elastic settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with the API key secret and valid examples', () => {
    expect(elastic).toMatchObject({ id: 'elastic', kind: 'siem' });
    expect(elastic.fields.map((f) => f.name)).toEqual(Object.keys(ZElasticSettings.shape));
    expect(elastic.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['apiKey', 'password']);
    expect(elastic.fields.filter((f) => !f.required).map((f) => f.name)).toEqual(['apiKey', 'username', 'password', 'onQueueFull']);
    const examples = Object.fromEntries(elastic.fields.map((f) => [f.name, f.example]));
    const { username, password, ...withKey } = examples;
    expect(problems(withKey)).toEqual([]);
    expect(problems({ ...withKey, apiKey: undefined, username, password })).toEqual([]);
  });
});
