// Azure Key Vault settings: the example, managed HSMs and sovereign clouds
// pass; wrong URLs, key names, versions, ids and the usual secret mix-up fail
// with one message at the field to fix.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeAppCertificate } from '@/lib/testing/kms/azure-key-vault-double-aad';
import { makeTestTls } from '@/lib/testing/tls';

import { azureKeyVault, ZAzureKeyVaultSettings } from './azure-key-vault';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

const valid = {
  vaultUrl: 'https://acme-cmk.vault.azure.net/',
  keyName: 'tenant-acme',
  keyVersion: '78deebed173b48e48f55abf87ed4cf71',
  tenantId: '9b2f6a4e-3c1d-4e8f-a7b6-5d4c3b2a1f0e',
  clientId: 'c4a1e2b3-d5f6-4a7b-8c9d-0e1f2a3b4c5d',
  clientSecret: 'Xy7Q~abc.DEF_ghi-JKL~mno.PQR_stu-VWX~yz01',
};
const URL_EXAMPLE = 'https://my-vault.vault.azure.net';
// A real certificate (the test CA of lib/testing/tls.ts), in the normalized layout the schema returns.
const TEST_CA = makeTestTls().caPem.trim();
const APP = makeAppCertificate();
const APP_CREDENTIAL = `${APP.certificatePem.trim()}\n${APP.keyPem.trim()}`;

const UUID_MESSAGE = (what: string) => `The ${what} must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.`;

describe('azureKeyVault provider', () => {
  it('accepts its own example', () => {
    expect(azureKeyVault.schema.parse(azureKeyVault.example)).toEqual(azureKeyVault.example);
    expect(azureKeyVault).toMatchObject({ id: 'azure-key-vault', kind: 'kms', label: 'Azure Key Vault' });
  });

  it('has exactly one field spec per setting, in form order, with the client secret flagged secret', () => {
    expect(azureKeyVault.fields.map((field) => field.name)).toEqual(Object.keys(ZAzureKeyVaultSettings.shape));
    expect(azureKeyVault.fields.filter((field) => field.secret).map((field) => field.name)).toEqual(['clientSecret', 'clientCertificate']);
    expect(azureKeyVault.fields.filter((field) => !field.required).map((field) => field.name)).toEqual(['keyVersion', 'caCertificate', 'leasedKeyLifetime']);
    expect(azureKeyVault.fields.filter((field) => field.showWhen).map((field) => [field.name, field.showWhen?.equals])).toEqual([
      ['clientSecret', 'client-secret'],
      ['clientCertificate', 'client-certificate'],
    ]);
    for (const field of azureKeyVault.fields) {
      expect(field.label).not.toBe('');
      expect(field.help).toMatch(/\.$/);
      const schema = ZAzureKeyVaultSettings.shape[field.name as keyof typeof ZAzureKeyVaultSettings.shape];
      // PEM fields' examples are shape hints (MIIB…), not certificates.
      if (field.input !== 'pem') expect(schema.safeParse(field.example).success, field.name).toBe(true);
    }
  });
});

describe('ZAzureKeyVaultSettings accepts', () => {
  it.each([
    ['a vault URL with a pinned version', valid],
    ['no key version (the current one is used)', { ...valid, keyVersion: '' }],
    ['a managed HSM', { ...valid, vaultUrl: 'https://acme-hsm.managedhsm.azure.net' }],
    ['Azure China', { ...valid, vaultUrl: 'https://acme-cmk.vault.azure.cn' }],
    ['Azure US Government', { ...valid, vaultUrl: 'https://acme-cmk.vault.usgovcloudapi.net' }],
    ['upper-case ids and host', { ...valid, vaultUrl: 'https://ACME-CMK.vault.azure.net', tenantId: valid.tenantId.toUpperCase() }],
  ])('%s', (_name, settings) => {
    expect(ZAzureKeyVaultSettings.safeParse(settings).success).toBe(true);
  });

  it('a CA certificate for a vault behind a private CA, and a blank one as not set', () => {
    expect(ZAzureKeyVaultSettings.parse({ ...valid, caCertificate: TEST_CA }).caCertificate).toBe(TEST_CA);
    expect(ZAzureKeyVaultSettings.parse({ ...valid, caCertificate: ' \n' }).caCertificate).toBeUndefined();
    // Configurations saved before the field existed have no caCertificate and stay valid.
    expect(ZAzureKeyVaultSettings.parse(valid)).not.toHaveProperty('caCertificate', expect.anything());
  });

  it('a configuration saved before the sign-in choice existed: a client secret', () => {
    const { authMethod: _authMethod, ...before } = { ...valid, authMethod: undefined };
    expect(ZAzureKeyVaultSettings.parse(before).authMethod).toBe('client-secret');
  });

  it('a certificate and its RSA private key instead of a client secret', () => {
    const parsed = ZAzureKeyVaultSettings.parse({ ...valid, clientSecret: '', authMethod: 'client-certificate', clientCertificate: APP_CREDENTIAL });
    expect(parsed).toMatchObject({ authMethod: 'client-certificate', clientCertificate: APP_CREDENTIAL });
    expect(parsed.clientSecret).toBeUndefined();
  });

  it('returns a blank key version as not set', () => {
    expect(ZAzureKeyVaultSettings.parse({ ...valid, keyVersion: ' ' }).keyVersion).toBeUndefined();
  });
});

describe('ZAzureKeyVaultSettings refuses', () => {
  it.each<[string, Record<string, unknown>, Issue[]]>([
    ['a missing vault URL', { ...valid, vaultUrl: undefined }, [{ path: ['vaultUrl'], message: `Enter the vault URL, like ${URL_EXAMPLE}.` }]],
    [
      'an http vault URL',
      { ...valid, vaultUrl: 'http://acme-cmk.vault.azure.net' },
      [{ path: ['vaultUrl'], message: `The vault URL must start with https://, like ${URL_EXAMPLE}.` }],
    ],
    ['a vault name alone', { ...valid, vaultUrl: 'acme-cmk' }, [{ path: ['vaultUrl'], message: `Enter the vault URL as a full address starting with https://, like ${URL_EXAMPLE}.` }]],
    [
      'the key identifier instead of the vault URL',
      { ...valid, vaultUrl: 'https://acme-cmk.vault.azure.net/keys/tenant-acme/78deebed173b48e48f55abf87ed4cf71' },
      [{ path: ['vaultUrl'], message: `Enter only the vault URL, like ${URL_EXAMPLE}; the key name and version have their own fields.` }],
    ],
    [
      'another host',
      { ...valid, vaultUrl: 'https://acme-cmk.example.com' },
      [{ path: ['vaultUrl'], message: 'Enter a Key Vault URL ending in .vault.azure.net, or a managed HSM URL ending in .managedhsm.azure.net.' }],
    ],
    [
      'a vault name that Azure does not allow',
      { ...valid, vaultUrl: 'https://1cmk.vault.azure.net' },
      [
        {
          path: ['vaultUrl'],
          message: 'The vault name must be 3–24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no "--".',
        },
      ],
    ],
    ['a port', { ...valid, vaultUrl: 'https://acme-cmk.vault.azure.net:8443/' }, [{ path: ['vaultUrl'], message: `Remove the port from the vault URL; enter it like ${URL_EXAMPLE}.` }]],
    ['a fragment', { ...valid, vaultUrl: 'https://acme-cmk.vault.azure.net/#keys' }, [{ path: ['vaultUrl'], message: 'Remove the #… part from the vault URL.' }]],
    [
      'a key name with underscores',
      { ...valid, keyName: 'tenant_acme' },
      [{ path: ['keyName'], message: 'The key name may contain only letters, digits and hyphens, up to 127 characters.' }],
    ],
    ['no key name', { ...valid, keyName: ' ' }, [{ path: ['keyName'], message: 'Enter the key name.' }]],
    [
      'a short key version',
      { ...valid, keyVersion: '78deebed' },
      [
        {
          path: ['keyVersion'],
          message: 'The key version must be 32 hexadecimal characters, like 0123456789abcdef0123456789abcdef; leave it empty to use the current version.',
        },
      ],
    ],
    ['a tenant domain instead of its id', { ...valid, tenantId: 'acme.onmicrosoft.com' }, [{ path: ['tenantId'], message: UUID_MESSAGE('directory (tenant) id') }]],
    ['no client id', { ...valid, clientId: '' }, [{ path: ['clientId'], message: 'Enter the application (client) id.' }]],
    ['a malformed client id', { ...valid, clientId: 'c4a1e2b3d5f64a7b8c9d0e1f2a3b4c5d' }, [{ path: ['clientId'], message: UUID_MESSAGE('application (client) id') }]],
    [
      "the secret's ID instead of its value",
      { ...valid, clientSecret: '2b7d9e1f-4c3a-4b8e-9f6d-1a2b3c4d5e6f' },
      [{ path: ['clientSecret'], message: "This is the secret's ID; copy the secret's Value instead (shown once, when the secret was created)." }],
    ],
    ['no client secret', { ...valid, clientSecret: '' }, [{ path: ['clientSecret'], message: 'Enter the client secret.' }]],
    [
      'a client secret with a line break',
      { ...valid, clientSecret: `${valid.clientSecret}\n` },
      [{ path: ['clientSecret'], message: 'The client secret contains a line break or another control character; paste it again on one line.' }],
    ],
    [
      'a private key pasted as the CA certificate',
      { ...valid, caCertificate: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----' },
      [{ path: ['caCertificate'], message: 'This is a private key; paste only the CA certificate, which starts with -----BEGIN CERTIFICATE-----.' }],
    ],
    [
      'a certificate without its private key',
      { ...valid, clientSecret: undefined, authMethod: 'client-certificate', clientCertificate: APP.certificatePem },
      [
        {
          path: ['clientCertificate'],
          message: 'Paste the certificate and its private key in PEM, both blocks one after the other; the private key (-----BEGIN PRIVATE KEY-----) is missing: the proxies sign in with it.',
        },
      ],
    ],
    [
      'a private key without its certificate',
      { ...valid, clientSecret: undefined, authMethod: 'client-certificate', clientCertificate: APP.keyPem },
      [{ path: ['clientCertificate'], message: 'Paste the certificate and its private key in PEM, both blocks one after the other; the -----BEGIN CERTIFICATE----- block is missing.' }],
    ],
    [
      'the certificate method with a client secret and no certificate',
      { ...valid, authMethod: 'client-certificate' },
      [
        { path: ['clientCertificate'], message: expect.stringMatching(/^Paste the app's certificate and its private key, like -----BEGIN CERTIFICATE-----/) as string },
        { path: ['clientSecret'], message: 'Leave the client secret empty when the proxies sign in with a certificate.' },
      ],
    ],
    [
      'the secret method with a certificate too',
      { ...valid, clientCertificate: APP_CREDENTIAL },
      [{ path: ['clientCertificate'], message: 'Leave the certificate empty when the proxies sign in with a client secret.' }],
    ],
    ['an unknown sign-in method', { ...valid, authMethod: 'managed-identity' }, [{ path: ['authMethod'], message: 'Choose how the key proxies sign in: a client secret or a certificate.' }]],
    ['an unknown setting', { ...valid, subscriptionId: 'x' }, [{ path: [], message: 'Remove "subscriptionId": Azure Key Vault has no such setting.' }]],
  ])('%s', (_name, settings, expected) => {
    expect(issues(ZAzureKeyVaultSettings, settings)).toEqual(expected);
  });

  it('reports every field at once', () => {
    expect(issues(ZAzureKeyVaultSettings, {}).map((issue) => issue.path)).toEqual([['vaultUrl'], ['keyName'], ['tenantId'], ['clientId'], ['clientSecret']]);
  });
});
