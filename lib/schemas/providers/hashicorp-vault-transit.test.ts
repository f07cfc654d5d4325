// HashiCorp Vault Transit settings: the example, AppRole and token sign-in
// pass; bad addresses, paths and names, and mixed-up sign-in choices fail
// with one message at the field to fix.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeTestTls } from '@/lib/testing/tls';

import { hashicorpVaultTransit, ZHashicorpVaultTransitSettings } from './hashicorp-vault-transit';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

const withAppRole = {
  address: 'https://vault.acme.example:8200',
  namespace: 'admin/security',
  mountPath: 'kms/transit',
  keyName: 'tenant-acme',
  authMethod: 'approle',
  roleId: 'db02de05-fa39-4855-059b-67221c5c2f63',
  secretId: '6a174c20-f6de-a53c-74d2-6018fcceff64',
};
const withToken = {
  address: 'https://vault.acme.example:8200',
  keyName: 'tenant-acme',
  authMethod: 'token',
  token: 'hvs.CAESIJ3bXk9qVJcG7cX8bH2R4pWlZtNnYy1wQkFhc2VfZXhhbXBsZQ',
};
const ADDRESS_EXAMPLE = 'https://vault.example.com:8200';

describe('hashicorpVaultTransit provider', () => {
  it('accepts its own example', () => {
    expect(hashicorpVaultTransit.schema.parse(hashicorpVaultTransit.example)).toEqual(hashicorpVaultTransit.example);
    expect(hashicorpVaultTransit).toMatchObject({ id: 'hashicorp-vault-transit', kind: 'kms', label: 'HashiCorp Vault Transit' });
  });

  it('has exactly one field spec per setting, in form order', () => {
    expect(hashicorpVaultTransit.fields.map((field) => field.name)).toEqual(Object.keys(ZHashicorpVaultTransitSettings.shape));
    for (const field of hashicorpVaultTransit.fields) {
      expect(field.label).not.toBe('');
      expect(field.help).toMatch(/\.$/);
      const schema = ZHashicorpVaultTransitSettings.shape[field.name as keyof typeof ZHashicorpVaultTransitSettings.shape];
      // The CA field's example is abbreviated (MIIB…) for display; its own tests below use a real certificate.
      if (field.name !== 'caCertificate') expect(schema.safeParse(field.example).success, field.name).toBe(true);
    }
  });

  it('flags the secrets and ties each credential field to its sign-in method', () => {
    expect(hashicorpVaultTransit.fields.filter((field) => field.secret).map((field) => field.name)).toEqual(['secretId', 'token']);
    const shownWhen = Object.fromEntries(hashicorpVaultTransit.fields.filter((field) => field.showWhen).map((field) => [field.name, field.showWhen]));
    expect(shownWhen).toEqual({
      roleId: { field: 'authMethod', equals: 'approle' },
      secretId: { field: 'authMethod', equals: 'approle' },
      token: { field: 'authMethod', equals: 'token' },
    });
  });
});

describe('ZHashicorpVaultTransitSettings accepts', () => {
  it('AppRole in a namespace, as entered', () => {
    expect(ZHashicorpVaultTransitSettings.parse(withAppRole)).toEqual(withAppRole);
  });

  it('a token, with the transit mount path filled in and no namespace', () => {
    expect(ZHashicorpVaultTransitSettings.parse({ ...withToken, namespace: '', mountPath: '' })).toEqual({
      ...withToken,
      namespace: undefined,
      mountPath: 'transit',
    });
  });

  it.each([
    ['a batch token', { ...withToken, token: 'hvb.AAAAAQJx5example0example0example0example0example' }],
    ['a token from Vault before 1.10', { ...withToken, token: 's.Hj8ex4mpleT0kenV4lue1234' }],
    ['a namespaced token from Vault before 1.10', { ...withToken, token: 's.Hj8ex4mpleT0kenV4lue1234.AbCdE' }],
    ["AppRole with the token field sent blank, as a form does", { ...withAppRole, token: '' }],
    ['a key name with dots and @', { ...withToken, keyName: 'acme@eu.v2' }],
  ])('%s', (_name, settings) => {
    expect(ZHashicorpVaultTransitSettings.safeParse(settings).success).toBe(true);
  });
});

describe('ZHashicorpVaultTransitSettings caCertificate', () => {
  // A certificate of the tests' throw-away CA (made with openssl, see lib/testing/tls.ts).
  const TEST_CA = makeTestTls().caPem.trim();

  it('is optional, so configurations saved before it existed still parse (public CA)', () => {
    expect(ZHashicorpVaultTransitSettings.parse(withAppRole)).not.toHaveProperty('caCertificate', expect.anything());
    expect(hashicorpVaultTransit.fields.find((field) => field.name === 'caCertificate')).toMatchObject({ input: 'pem', required: false });
  });

  it('keeps a pasted CA certificate', () => {
    expect(ZHashicorpVaultTransitSettings.parse({ ...withToken, caCertificate: `${TEST_CA}\n` }).caCertificate).toBe(TEST_CA);
  });

  it('refuses a damaged certificate or a private key, on the field', () => {
    expect(issues(ZHashicorpVaultTransitSettings, { ...withToken, caCertificate: TEST_CA.replace(/\n[A-Za-z0-9+/]{64}\n/, '\n') })).toEqual([
      { path: ['caCertificate'], message: expect.stringMatching(/^The certificate is damaged or incomplete/) },
    ]);
    expect(issues(ZHashicorpVaultTransitSettings, { ...withToken, caCertificate: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' })).toEqual([
      { path: ['caCertificate'], message: expect.stringMatching(/^This is a private key/) },
    ]);
  });
});

describe('ZHashicorpVaultTransitSettings refuses', () => {
  it.each<[string, Record<string, unknown>, Issue[]]>([
    ['a missing address', { ...withToken, address: undefined }, [{ path: ['address'], message: `Enter the Vault address, like ${ADDRESS_EXAMPLE}.` }]],
    ['an http address', { ...withToken, address: 'http://127.0.0.1:8200' }, [{ path: ['address'], message: `The Vault address must start with https://, like ${ADDRESS_EXAMPLE}.` }]],
    ['host and port without a scheme', { ...withToken, address: 'vault.acme.example:8200' }, [{ path: ['address'], message: `The Vault address must start with https://, like ${ADDRESS_EXAMPLE}.` }]],
    ['a query string', { ...withToken, address: 'https://vault.acme.example/?namespace=admin' }, [{ path: ['address'], message: 'Remove the ?… part from the Vault address.' }]],
    ['a namespace with a trailing slash', { ...withToken, namespace: 'admin/' }, [{ path: ['namespace'], message: 'Remove the slash at the start or end of the namespace, like admin/team-a.' }]],
    [
      'a namespace with dots',
      { ...withToken, namespace: 'admin.team' },
      [{ path: ['namespace'], message: 'The namespace may contain letters, digits, hyphens and underscores, with / between levels, like admin/team-a.' }],
    ],
    ['a mount path with a leading slash', { ...withToken, mountPath: '/transit' }, [{ path: ['mountPath'], message: 'Remove the slash at the start or end of the mount path, like transit.' }]],
    [
      'a mount path with an empty level',
      { ...withToken, mountPath: 'kms//transit' },
      [{ path: ['mountPath'], message: 'The mount path may contain letters, digits, dots, hyphens and underscores, with / between levels, like transit.' }],
    ],
    ['no key name', { ...withToken, keyName: '' }, [{ path: ['keyName'], message: 'Enter the transit key name.' }]],
    [
      'a key name with a slash',
      { ...withToken, keyName: 'keys/tenant-acme' },
      [{ path: ['keyName'], message: 'The key name may contain letters, digits and _ - . @, and must start and end with a letter, digit or underscore.' }],
    ],
    ['no sign-in method', { ...withToken, authMethod: '' }, [{ path: ['authMethod'], message: 'Choose how the key proxies sign in to Vault: AppRole or a token.' }]],
    [
      'AppRole without its ids',
      { ...withAppRole, roleId: undefined, secretId: '' },
      [
        { path: ['roleId'], message: "Enter the AppRole's role id, like db02de05-fa39-4855-059b-67221c5c2f63." },
        { path: ['secretId'], message: 'Enter a secret id generated for the AppRole.' },
      ],
    ],
    ['AppRole with a token as well', { ...withAppRole, token: withToken.token }, [{ path: ['token'], message: 'Leave the token empty when the proxies sign in with AppRole.' }]],
    ['a role name instead of its id', { ...withAppRole, roleId: 'cmk-proxy' }, [{ path: ['roleId'], message: 'The role id must be a UUID, like db02de05-fa39-4855-059b-67221c5c2f63.' }]],
    [
      'a secret id accessor without dashes',
      { ...withAppRole, secretId: '6a174c20f6dea53c74d26018fcceff64' },
      [{ path: ['secretId'], message: 'The secret id must be a UUID, like db02de05-fa39-4855-059b-67221c5c2f63.' }],
    ],
    ['a token choice without a token', { ...withToken, token: ' ' }, [{ path: ['token'], message: 'Enter the Vault token, starting with hvs.' }]],
    [
      'a token beside AppRole ids, even malformed ones',
      { ...withToken, roleId: 'x', secretId: withAppRole.secretId },
      [
        { path: ['roleId'], message: 'Leave the role id empty when the proxies sign in with a token.' },
        { path: ['secretId'], message: 'Leave the secret id empty when the proxies sign in with a token.' },
      ],
    ],
    [
      'something that is not a Vault token',
      { ...withToken, token: 'ghp_0123456789abcdefghijklmnopqrstuvwxyz' },
      [{ path: ['token'], message: 'Enter a Vault token: hvs. or hvb. and the rest of the token (s. or b. on Vault before 1.10).' }],
    ],
    [
      'a recovery token',
      { ...withToken, token: 'hvr.AAAAAQJx5example0example0example0example' },
      [{ path: ['token'], message: 'Enter a Vault token: hvs. or hvb. and the rest of the token (s. or b. on Vault before 1.10).' }],
    ],
    ['an unknown setting', { ...withToken, tlsSkipVerify: true }, [{ path: [], message: 'Remove "tlsSkipVerify": HashiCorp Vault has no such setting.' }]],
  ])('%s', (_name, settings, expected) => {
    expect(issues(ZHashicorpVaultTransitSettings, settings)).toEqual(expected);
  });

  it('reports every problem at once, including the method fields when other fields are missing', () => {
    expect(issues(ZHashicorpVaultTransitSettings, { authMethod: 'approle', token: 'hvs.x' })).toEqual([
      { path: ['address'], message: `Enter the Vault address, like ${ADDRESS_EXAMPLE}.` },
      { path: ['keyName'], message: 'Enter the transit key name.' },
      { path: ['roleId'], message: "Enter the AppRole's role id, like db02de05-fa39-4855-059b-67221c5c2f63." },
      { path: ['secretId'], message: 'Enter a secret id generated for the AppRole.' },
      { path: ['token'], message: 'Leave the token empty when the proxies sign in with AppRole.' },
    ]);
  });
});
