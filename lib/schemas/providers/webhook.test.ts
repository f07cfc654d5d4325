// The webhook schema: its example passes, headers come as an object or as
// name/value rows and are stored as an object, and each kind of bad URL,
// secret and header gets one clear message at its exact path.
import { describe, expect, it } from 'vitest';
import { webhook, ZWebhookSettings } from './webhook';

const valid = webhook.example;
const problems = (value: unknown) =>
  ZWebhookSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const URL_EXAMPLE = 'https://hooks.example.com/cmk/audit';
const SECRET_EXAMPLE = 'the output of openssl rand -hex 32';
const NAME_FORMAT = 'Use a header name of at most 100 letters, digits and hyphens, without spaces or a colon, like X-Acme-Tenant.';
const DUPLICATE = 'This header is already set (names are case-insensitive); keep one, like X-Acme-Tenant.';
const reserved = (name: string) => `The key proxies set ${name} themselves; use a header of your own, like X-Acme-Tenant.`;

describe('webhook provider', () => {
  it('accepts its example', () => {
    expect(ZWebhookSettings.parse(valid)).toEqual(valid);
  });

  it('accepts a URL with a query, and no headers at all', () => {
    expect(ZWebhookSettings.parse({ url: `${URL_EXAMPLE}?token=abc`, hmacSecret: valid.hmacSecret })).toEqual({
      url: `${URL_EXAMPLE}?token=abc`,
      hmacSecret: valid.hmacSecret,
      headers: {},
      onQueueFull: 'drop',
    });
  });

  it('turns name/value rows into the stored object, trimming names and values', () => {
    const headers = [
      { name: ' Authorization ', value: ' Bearer abc ' },
      { name: 'X-Acme-Tenant', value: 'acme' },
    ];
    expect(ZWebhookSettings.parse({ ...valid, headers }).headers).toEqual({ Authorization: 'Bearer abc', 'X-Acme-Tenant': 'acme' });
    expect(ZWebhookSettings.parse({ ...valid, headers: [] }).headers).toEqual({});
  });

  it.each([
    ['an empty URL', '', `Enter the webhook URL, like ${URL_EXAMPLE}.`],
    ['plain http', 'http://hooks.example.com/cmk', `The webhook URL must start with https://, like ${URL_EXAMPLE}.`],
    ['a fragment', `${URL_EXAMPLE}#x`, 'Remove the #… part from the webhook URL.'],
    ['credentials in the URL', 'https://user:pass@hooks.example.com/', 'Remove the user name and password from the webhook URL; credentials go in their own fields.'],
    [
      'the cloud metadata service',
      'https://169.254.169.254/latest/meta-data/',
      `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`,
    ],
    [
      'an IPv4 loopback written as a number',
      'https://2130706433/hook',
      `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`,
    ],
  ])('refuses %s', (_kind, url, message) => {
    expect(problems({ ...valid, url })).toEqual([{ path: ['url'], message }]);
  });

  it.each([
    ['an empty secret', '', `Enter an HMAC secret of at least 32 characters, like ${SECRET_EXAMPLE}.`],
    ['31 characters', 'f'.repeat(15) + '0123456789abcdef', `Use an HMAC secret of at least 32 characters, like ${SECRET_EXAMPLE}.`],
    ['a space inside', `${valid.hmacSecret.slice(0, 20)} ${valid.hmacSecret.slice(20)}`, `Use only printable ASCII characters without spaces in the HMAC secret, like ${SECRET_EXAMPLE}.`],
    ['a placeholder', 'x'.repeat(40), `This secret repeats too few characters; use a random one, like ${SECRET_EXAMPLE}.`],
    ['more than 512 characters', valid.hmacSecret.repeat(9), 'This is too long; use at most 512 characters.'],
  ])('refuses %s as HMAC secret', (_kind, hmacSecret, message) => {
    expect(problems({ ...valid, hmacSecret })).toEqual([{ path: ['hmacSecret'], message }]);
  });

  it.each([
    ['a name with a space', { 'X Tenant': 'acme' }, ['headers', 'X Tenant'], NAME_FORMAT],
    ['a name with a colon', { 'X-Tenant:': 'acme' }, ['headers', 'X-Tenant:'], NAME_FORMAT],
    ['Host', { Host: 'evil.example' }, ['headers', 'Host'], reserved('Host')],
    ['Content-Length', { 'content-length': '0' }, ['headers', 'content-length'], reserved('content-length')],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }, ['headers', 'Transfer-Encoding'], reserved('Transfer-Encoding')],
    ['Connection', { Connection: 'close' }, ['headers', 'Connection'], reserved('Connection')],
    ['Content-Type', { 'Content-Type': 'text/plain' }, ['headers', 'Content-Type'], reserved('Content-Type')],
    ['the proxies’ signature header', { 'X-CMK-Signature': 'forged' }, ['headers', 'X-CMK-Signature'], reserved('X-CMK-Signature')],
    ['a Proxy- header', { 'Proxy-Authorization': 'Basic x' }, ['headers', 'Proxy-Authorization'], reserved('Proxy-Authorization')],
    ['a value with CR LF', { 'X-Tenant': 'acme\r\nX-Injected: 1' }, ['headers', 'X-Tenant'], 'Remove the line breaks, tabs and other control characters.'],
    ['a value outside Latin-1', { 'X-Tenant': 'acme ✓' }, ['headers', 'X-Tenant'], 'Use only printable characters in the header value, like Bearer 3f9a1c2d.'],
    ['an empty value', { 'X-Tenant': ' ' }, ['headers', 'X-Tenant'], 'Enter a value for this header, like Bearer 3f9a1c2d.'],
    ['a value that is not text', { 'X-Tenant': 7 }, ['headers', 'X-Tenant'], 'Enter a value for this header, like Bearer 3f9a1c2d.'],
    ['the same name twice', { 'X-Tenant': 'a', 'x-tenant': 'b' }, ['headers', 'x-tenant'], DUPLICATE],
    ['a string of headers', 'X-Tenant: acme', ['headers'], 'Enter the extra headers as names and values, like {"X-Acme-Tenant": "acme"}.'],
    ['null', null, ['headers'], 'Enter the extra headers as names and values, like {"X-Acme-Tenant": "acme"}.'],
  ])('refuses %s in headers (object form)', (_kind, headers, path, message) => {
    expect(problems({ ...valid, headers })).toEqual([{ path, message }]);
  });

  it.each([
    ['a row without value', [{ name: 'X-Tenant' }], ['headers', 0, 'value'], 'Enter a value for this header, like Bearer 3f9a1c2d.'],
    ['a row with an extra member', [{ name: 'X-Tenant', value: 'a', secret: true }], ['headers', 0], 'Give each header a name and a value.'],
    ['a row that is not an object', ['X-Tenant: acme'], ['headers', 0], 'Give each header a name and a value.'],
    ['a reserved name', [{ name: 'X-A', value: '1' }, { name: 'host', value: 'x' }], ['headers', 1, 'name'], reserved('host')],
    ['a repeated name', [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }], ['headers', 1, 'name'], DUPLICATE],
  ])('refuses %s in headers (row form)', (_kind, headers, path, message) => {
    expect(problems({ ...valid, headers })).toEqual([{ path, message }]);
  });

  it('allows an Authorization header, and at most 20 headers in either form', () => {
    expect(problems({ ...valid, headers: { Authorization: 'Bearer x' } })).toEqual([]);
    const twenty = Array.from({ length: 20 }, (_, i) => ({ name: `X-H${i}`, value: 'v' }));
    expect(problems({ ...valid, headers: twenty })).toEqual([]);
    const tooMany = [...twenty, { name: 'X-H20', value: 'v' }];
    expect(problems({ ...valid, headers: tooMany })).toEqual([{ path: ['headers'], message: 'Add at most 20 extra headers.' }]);
    expect(problems({ ...valid, headers: Object.fromEntries(tooMany.map((h) => [h.name, h.value])) })).toEqual([
      { path: ['headers'], message: 'Add at most 20 extra headers.' },
    ]);
  });

  it('reports every bad header at once, one message per header', () => {
    expect(problems({ ...valid, headers: { 'X-Ok': 'fine', 'Bad Name': 'x\ny', Host: 'h', 'X-Line': 'a\nb' } })).toEqual([
      { path: ['headers', 'X-Line'], message: 'Remove the line breaks, tabs and other control characters.' },
      { path: ['headers', 'Bad Name'], message: NAME_FORMAT },
      { path: ['headers', 'Host'], message: reserved('Host') },
    ]);
  });

  it('refuses an unknown setting and a non-object', () => {
    expect(problems({ ...valid, method: 'PUT' })).toEqual([{ path: [], message: 'Remove "method": HTTPS webhook has no such setting.' }]);
    expect(problems(42)).toEqual([{ path: [], message: 'The HTTPS webhook settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with URL, secret and headers masked', () => {
    expect(webhook).toMatchObject({ id: 'webhook', kind: 'siem' });
    expect(webhook.fields.map((f) => f.name)).toEqual(Object.keys(ZWebhookSettings.shape));
    expect(webhook.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['url', 'hmacSecret', 'headers']);
    expect(webhook.fields.find((f) => f.name === 'headers')).toMatchObject({ input: 'headers', required: false });
    const examples = Object.fromEntries(webhook.fields.map((f) => [f.name, f.input === 'headers' ? JSON.parse(f.example) : f.example]));
    expect(problems(examples)).toEqual([]);
  });
});
