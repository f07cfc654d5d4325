// Thales CipherTrust Manager settings: the example passes, the auth domain and
// connection fall back to root and local_account, and bad URLs, key ids,
// users and passwords fail with one message at the field to fix.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeTestTls } from '@/lib/testing/tls';
import { thalesCipherTrust, ZThalesCipherTrustSettings } from './thales-ciphertrust';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

const valid = {
  url: 'https://ctm.acme.example:8443',
  keyId: 'tenant-acme-cmk',
  username: 'cmk-proxy',
  password: ' correct horse battery staple ',
};
const URL_EXAMPLE = 'https://ciphertrust.example.com';

describe('thalesCipherTrust provider', () => {
  it('accepts its own example', () => {
    expect(thalesCipherTrust.schema.parse(thalesCipherTrust.example)).toEqual(thalesCipherTrust.example);
    expect(thalesCipherTrust).toMatchObject({ id: 'thales-ciphertrust', kind: 'kms', label: 'Thales CipherTrust Manager' });
  });

  it('has exactly one field spec per setting, in form order, with the password flagged secret', () => {
    expect(thalesCipherTrust.fields.map((field) => field.name)).toEqual(Object.keys(ZThalesCipherTrustSettings.shape));
    expect(thalesCipherTrust.fields.filter((field) => field.secret).map((field) => field.name)).toEqual(['password']);
    expect(thalesCipherTrust.fields.filter((field) => !field.required).map((field) => field.name)).toEqual(['authDomain', 'keyDomain', 'connection', 'caCertificate', 'leasedKeyLifetime']);
    for (const field of thalesCipherTrust.fields) {
      expect(field.label).not.toBe('');
      expect(field.help).toMatch(/\.$/);
      const schema = ZThalesCipherTrustSettings.shape[field.name as keyof typeof ZThalesCipherTrustSettings.shape];
      // The CA field's example is an elided PEM, shown as a shape, not a value to accept.
      if (field.name !== 'caCertificate') expect(schema.safeParse(field.example).success, field.name).toBe(true);
    }
  });
});

describe('ZThalesCipherTrustSettings accepts', () => {
  it('fills in the root domain and the local_account connection when they are left out or blank', () => {
    const expected = { ...valid, authDomain: 'root', connection: 'local_account' };
    expect(ZThalesCipherTrustSettings.parse(valid)).toEqual(expected);
    expect(ZThalesCipherTrustSettings.parse({ ...valid, authDomain: '', connection: ' ' })).toEqual(expected);
  });

  it('keeps configurations saved before the key domain and CA fields existed working unchanged', () => {
    const parsed = ZThalesCipherTrustSettings.parse({ ...valid, authDomain: 'root', connection: 'local_account' });
    expect(parsed).not.toHaveProperty('keyDomain', expect.anything());
    expect(parsed).not.toHaveProperty('caCertificate', expect.anything());
  });

  it('takes a key domain and a CA certificate in PEM, and drops a blank one', () => {
    const { caPem } = makeTestTls(['ctm.test']);
    const parsed = ZThalesCipherTrustSettings.parse({ ...valid, keyDomain: 'tenant acme', caCertificate: `\n${caPem}\n` });
    expect(parsed.keyDomain).toBe('tenant acme');
    expect(parsed.caCertificate).toBe(caPem.trim());
    expect(ZThalesCipherTrustSettings.parse({ ...valid, keyDomain: ' ', caCertificate: '  \n' })).not.toHaveProperty('caCertificate', expect.anything());
  });

  it('keeps the password exactly as entered', () => {
    expect(ZThalesCipherTrustSettings.parse(valid).password).toBe(' correct horse battery staple ');
  });

  it.each([
    ['a key UUID', { ...valid, keyId: '6f0a5c2e-3b1d-4e7a-9c8b-2d1e0f3a4b5c' }],
    ['a 64-hex key id', { ...valid, keyId: 'a'.repeat(32) + '0123456789abcdef0123456789abcdef' }],
    ['a key name with spaces and dots', { ...valid, keyId: 'Tenant Acme v2.1' }],
    ['another domain and an LDAP connection', { ...valid, authDomain: 'acme', connection: 'corp-ldap' }],
    ['a URL with a path prefix', { ...valid, url: 'https://gateway.acme.example/ciphertrust/' }],
  ])('%s', (_name, settings) => {
    expect(ZThalesCipherTrustSettings.safeParse(settings).success).toBe(true);
  });
});

describe('ZThalesCipherTrustSettings refuses', () => {
  it.each<[string, Record<string, unknown>, Issue[]]>([
    ['a missing URL', { ...valid, url: '' }, [{ path: ['url'], message: `Enter the CipherTrust Manager URL, like ${URL_EXAMPLE}.` }]],
    ['an http URL', { ...valid, url: 'http://ctm.acme.example' }, [{ path: ['url'], message: `The CipherTrust Manager URL must start with https://, like ${URL_EXAMPLE}.` }]],
    ['a host without a scheme', { ...valid, url: 'ctm.acme.example' }, [{ path: ['url'], message: `Enter the CipherTrust Manager URL as a full address starting with https://, like ${URL_EXAMPLE}.` }]],
    [
      'credentials in the URL',
      { ...valid, url: 'https://admin:admin@ctm.acme.example' },
      [{ path: ['url'], message: 'Remove the user name and password from the CipherTrust Manager URL; credentials go in their own fields.' }],
    ],
    ['a query string', { ...valid, url: 'https://ctm.acme.example/?domain=root' }, [{ path: ['url'], message: 'Remove the ?… part from the CipherTrust Manager URL.' }]],
    ['no key', { ...valid, keyId: '  ' }, [{ path: ['keyId'], message: "Enter the key's name, UUID or 64-character id." }]],
    [
      'a key name with a slash',
      { ...valid, keyId: 'keys/tenant-acme' },
      [{ path: ['keyId'], message: "The key name cannot contain / ? # % or \\; enter the key's name, UUID or 64-character id." }],
    ],
    ['a key name that is too long', { ...valid, keyId: 'k'.repeat(257) }, [{ path: ['keyId'], message: 'The key name is too long; use at most 256 characters.' }]],
    ['no user name', { ...valid, username: undefined }, [{ path: ['username'], message: 'Enter the user name.' }]],
    ['a user name with a tab', { ...valid, username: 'cmk\tproxy' }, [{ path: ['username'], message: 'Remove the line breaks, tabs and other control characters.' }]],
    ['no password', { ...valid, password: '' }, [{ path: ['password'], message: 'Enter the password.' }]],
    [
      'a password with a line break',
      { ...valid, password: 'secret\n' },
      [{ path: ['password'], message: 'The password contains a line break or another control character; paste it again on one line.' }],
    ],
    [
      'an auth domain with a slash',
      { ...valid, authDomain: 'root/acme' },
      [{ path: ['authDomain'], message: 'The auth domain may contain letters, digits, spaces, dots, hyphens and underscores; leave it empty for root.' }],
    ],
    [
      'a connection with a colon',
      { ...valid, connection: 'ldap:corp' },
      [{ path: ['connection'], message: 'The connection may contain letters, digits, spaces, dots, hyphens and underscores; leave it empty for local_account.' }],
    ],
    [
      'a key domain with a slash',
      { ...valid, keyDomain: 'root/acme' },
      [{ path: ['keyDomain'], message: "The key domain may contain letters, digits, spaces, dots, hyphens and underscores; leave it empty for the user's auth domain." }],
    ],
    [
      'a private key as the CA certificate',
      { ...valid, caCertificate: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----' },
      [{ path: ['caCertificate'], message: 'This is a private key; paste only the CA certificate, which starts with -----BEGIN CERTIFICATE-----.' }],
    ],
    ['a number as the auth domain', { ...valid, authDomain: 7 }, [{ path: ['authDomain'], message: 'Enter this as text.' }]],
    ['an unknown setting', { ...valid, apiKey: 'x' }, [{ path: [], message: 'Remove "apiKey": CipherTrust Manager has no such setting.' }]],
  ])('%s', (_name, settings, expected) => {
    expect(issues(ZThalesCipherTrustSettings, settings)).toEqual(expected);
  });
});
