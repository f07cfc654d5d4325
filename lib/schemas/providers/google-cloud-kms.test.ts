// Google Cloud KMS settings: the example and a real service-account key file
// (with a key made by Node's crypto) pass; malformed resource names and key
// files fail with one message per problem, on the field to fix.
// eslint-disable-next-line no-restricted-imports -- test-only: Node's crypto makes a real RSA key for the key file.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { googleCloudKms, ZGoogleCloudKmsSettings } from './google-cloud-kms';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const keyFile = {
  type: 'service_account',
  project_id: 'acme-security',
  private_key_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  private_key: privateKey,
  client_email: 'cmk-proxy@acme-security.iam.gserviceaccount.com',
  client_id: '109876543210987654321',
  auth_uri: 'https://accounts.google.com/o/oauth2/auth',
  token_uri: 'https://oauth2.googleapis.com/token',
  universe_domain: 'googleapis.com',
};
const KEY_NAME = 'projects/acme-security/locations/europe-west1/keyRings/cmk/cryptoKeys/tenant-acme';
const valid = { cryptoKeyName: KEY_NAME, serviceAccountKey: JSON.stringify(keyFile, null, 2) };
const FULL_NAME_MESSAGE =
  "Enter the key's full resource name, like projects/my-project/locations/europe-west1/keyRings/my-ring/cryptoKeys/my-key.";

describe('googleCloudKms provider', () => {
  it('accepts its own example', () => {
    expect(googleCloudKms.schema.parse(googleCloudKms.example)).toEqual(googleCloudKms.example);
    expect(googleCloudKms).toMatchObject({ id: 'google-cloud-kms', kind: 'kms', label: 'Google Cloud KMS' });
  });

  it('has exactly one field spec per setting, in form order, with the key file flagged secret', () => {
    expect(googleCloudKms.fields.map((field) => field.name)).toEqual(Object.keys(ZGoogleCloudKmsSettings.shape));
    expect(googleCloudKms.fields.filter((field) => field.secret).map((field) => field.name)).toEqual(['serviceAccountKey']);
    expect(googleCloudKms.fields.find((field) => field.name === 'serviceAccountKey')?.input).toBe('json');
    for (const field of googleCloudKms.fields) {
      expect(field.label).not.toBe('');
      expect(field.help).toMatch(/\.$/);
      expect(field.example).not.toBe('');
    }
    expect(ZGoogleCloudKmsSettings.shape.cryptoKeyName.safeParse(googleCloudKms.fields[0]?.example).success).toBe(true);
  });
});

describe('ZGoogleCloudKmsSettings accepts', () => {
  it('a real key file, pasted, and returns it parsed', () => {
    expect(ZGoogleCloudKmsSettings.parse(valid)).toEqual({ cryptoKeyName: KEY_NAME, serviceAccountKey: keyFile });
  });

  it.each([
    ['an uploaded (already parsed) key file', { ...valid, serviceAccountKey: keyFile }],
    ['a project number', { ...valid, cryptoKeyName: 'projects/123456789012/locations/global/keyRings/cmk/cryptoKeys/k1' }],
    ['a domain-scoped project', { ...valid, cryptoKeyName: 'projects/example.com:cmk-prod/locations/eu/keyRings/Ring_1/cryptoKeys/KEY-1' }],
    ['an older key file naming accounts.google.com', { ...valid, serviceAccountKey: { ...keyFile, token_uri: 'https://accounts.google.com/o/oauth2/token' } }],
    ['a multi-region location', { ...valid, cryptoKeyName: 'projects/acme-security/locations/nam-eur-asia1/keyRings/cmk/cryptoKeys/k' }],
  ])('%s', (_name, settings) => {
    expect(ZGoogleCloudKmsSettings.safeParse(settings).success).toBe(true);
  });
});

describe('ZGoogleCloudKmsSettings refuses', () => {
  const withName = (cryptoKeyName: string) => ({ ...valid, cryptoKeyName });
  const withFile = (changes: Record<string, unknown>) => ({ ...valid, serviceAccountKey: JSON.stringify({ ...keyFile, ...changes }) });

  it.each<[string, unknown, Issue[]]>([
    [
      'a missing resource name',
      withName(''),
      [{ path: ['cryptoKeyName'], message: "Enter the key's resource name, like projects/my-project/locations/europe-west1/keyRings/my-ring/cryptoKeys/my-key." }],
    ],
    ['just the key name', withName('tenant-acme'), [{ path: ['cryptoKeyName'], message: FULL_NAME_MESSAGE }]],
    ['a key ring, not a key', withName('projects/acme-security/locations/europe-west1/keyRings/cmk'), [{ path: ['cryptoKeyName'], message: FULL_NAME_MESSAGE }]],
    [
      'a key version',
      withName(`${KEY_NAME}/cryptoKeyVersions/3`),
      [{ path: ['cryptoKeyName'], message: 'Remove /cryptoKeyVersions/… from the end: enter the key itself, not one of its versions.' }],
    ],
    [
      'the full service name prefix',
      withName(`//cloudkms.googleapis.com/${KEY_NAME}`),
      [{ path: ['cryptoKeyName'], message: 'Remove //cloudkms.googleapis.com/ from the start; the name begins with projects/.' }],
    ],
    [
      'a bad project id',
      withName('projects/Acme_Security/locations/europe-west1/keyRings/cmk/cryptoKeys/k'),
      [
        {
          path: ['cryptoKeyName'],
          message:
            'The project in the resource name must be a project id (6–30 lower-case letters, digits and hyphens, starting with a letter) or a project number.',
        },
      ],
    ],
    [
      'a bad location',
      withName('projects/acme-security/locations/Europe West/keyRings/cmk/cryptoKeys/k'),
      [{ path: ['cryptoKeyName'], message: 'The location in the resource name must be a location id, like europe-west1, eu or global.' }],
    ],
    [
      'a bad key ring name',
      withName('projects/acme-security/locations/europe-west1/keyRings/cmk.ring/cryptoKeys/k'),
      [{ path: ['cryptoKeyName'], message: 'The key ring name must be 1–63 letters, digits, hyphens and underscores.' }],
    ],
    [
      'a bad crypto key name',
      withName(`projects/acme-security/locations/europe-west1/keyRings/cmk/cryptoKeys/${'k'.repeat(64)}`),
      [{ path: ['cryptoKeyName'], message: 'The crypto key name must be 1–63 letters, digits, hyphens and underscores.' }],
    ],
    [
      'a missing key file',
      { cryptoKeyName: KEY_NAME },
      [{ path: ['serviceAccountKey'], message: "Paste the service account's JSON key file, or upload it." }],
    ],
    [
      'a key file cut short',
      { ...valid, serviceAccountKey: valid.serviceAccountKey.slice(0, 300) },
      [{ path: ['serviceAccountKey'], message: 'The key file is not valid JSON; paste the whole file, from { to }.' }],
    ],
    [
      'a user credential instead of a service account',
      withFile({ type: 'authorized_user' }),
      [
        {
          path: ['serviceAccountKey'],
          message: 'The key file\'s type is "authorized_user", not "service_account"; download a JSON key for a service account instead.',
        },
      ],
    ],
    [
      'a damaged private key',
      withFile({ private_key: privateKey.replace(/\n[A-Za-z0-9+/]{64}\n/, '\n') }),
      [{ path: ['serviceAccountKey'], message: "The key file's private_key is damaged or incomplete; paste the whole key again, unchanged." }],
    ],
    [
      'a personal address',
      withFile({ client_email: 'alice@example.com' }),
      [
        {
          path: ['serviceAccountKey'],
          message: "The key file's client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com.",
        },
      ],
    ],
    [
      'an http token_uri',
      withFile({ token_uri: 'http://oauth2.googleapis.com/token' }),
      [{ path: ['serviceAccountKey'], message: "The key file's token_uri must be an https URL, like https://oauth2.googleapis.com/token." }],
    ],
    [
      'a token_uri outside Google',
      withFile({ token_uri: 'https://tokens.example.com/token' }),
      [{ path: ['serviceAccountKey'], message: "The key file's token_uri must be Google's token endpoint, like https://oauth2.googleapis.com/token." }],
    ],
    [
      'a token_uri outside the key file’s universe',
      withFile({ universe_domain: 'example-sovereign.eu', client_email: 'p@q.example-sovereign.eu', token_uri: 'https://oauth2.googleapis.com/token' }),
      [{ path: ['serviceAccountKey'], message: "The key file's token_uri must be Google's token endpoint, like https://oauth2.example-sovereign.eu/token." }],
    ],
    ['an unknown setting', { ...valid, scopes: ['cloudkms'] }, [{ path: [], message: 'Remove "scopes": Google Cloud KMS has no such setting.' }]],
  ])('%s', (_name, settings, expected) => {
    expect(issues(ZGoogleCloudKmsSettings, settings)).toEqual(expected);
  });
});
