// The Google Cloud Logging schema: its example passes, a real service
// account key (a fresh RSA key from WebCrypto) passes pasted or uploaded, and
// each kind of bad project id, log name and key file gets one clear message.
import { beforeAll, describe, expect, it } from 'vitest';
import { googleCloudLogging, ZGoogleCloudLoggingSettings } from './google-cloud-logging';

const valid = googleCloudLogging.example;
const problems = (value: unknown) =>
  ZGoogleCloudLoggingSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

let keyFile: Record<string, string>;

beforeAll(async () => {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const body = btoa(String.fromCharCode(...der)).match(/.{1,64}/g)?.join('\n');
  keyFile = {
    type: 'service_account',
    project_id: 'acme-logging-sa',
    private_key_id: 'a'.repeat(40),
    private_key: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
    client_email: 'cmk-writer@acme-logging-sa.iam.gserviceaccount.com',
    client_id: '123456789012345678901',
    token_uri: 'https://oauth2.googleapis.com/token',
  };
});

const PROJECT_FORMAT = 'The project id must be 6–30 lower-case letters, digits and hyphens, starting with a letter, like acme-security-logs.';
const LOG_CHARACTERS = 'Use only letters, digits and / _ - . in the log name, like cmk-proxy/audit.';

describe('google-cloud-logging provider', () => {
  it('accepts its example', () => {
    expect(ZGoogleCloudLoggingSettings.parse(valid)).toEqual(valid);
  });

  it('accepts a real key file, pasted as JSON or uploaded as an object, from another project than the log’s', () => {
    const settings = { projectId: 'acme-security-logs', logName: 'cmk/audit.v1' };
    expect(ZGoogleCloudLoggingSettings.parse({ ...settings, serviceAccountKey: JSON.stringify(keyFile, null, 2) }).serviceAccountKey).toEqual(keyFile);
    expect(ZGoogleCloudLoggingSettings.parse({ ...settings, serviceAccountKey: keyFile }).serviceAccountKey).toEqual(keyFile);
  });

  it.each([
    ['an empty id', '', 'Enter the project id, like acme-security-logs.'],
    ['the project number', '123456789012', 'This is the project number; enter the project id instead, like acme-security-logs.'],
    ['the display name', 'Acme Security Logs', PROJECT_FORMAT],
    ['five characters', 'acme1', PROJECT_FORMAT],
    ['31 characters', `a${'b'.repeat(30)}`, PROJECT_FORMAT],
    ['a leading digit', '1acme-logs', PROJECT_FORMAT],
    ['a trailing hyphen', 'acme-logs-', PROJECT_FORMAT],
    ['an underscore', 'acme_logs', PROJECT_FORMAT],
  ])('refuses %s as project', (_kind, projectId, message) => {
    expect(problems({ ...valid, projectId })).toEqual([{ path: ['projectId'], message }]);
  });

  it.each([
    ['an empty name', '', 'Enter the log name, like cmk-proxy/audit.'],
    ['the full log name', 'projects/acme-security-logs/logs/cmk', 'Enter only the log id, not the full projects/…/logs/… name, like cmk-proxy/audit.'],
    ['a URL-encoded name', 'cmk-proxy%2Faudit', 'Write the log name without URL encoding (/ rather than %2F), like cmk-proxy/audit.'],
    ['a space', 'cmk audit', LOG_CHARACTERS],
    ['a colon', 'cmk:audit', LOG_CHARACTERS],
    ['512 characters', 'l'.repeat(512), 'This is too long; use at most 511 characters.'],
  ])('refuses %s as log', (_kind, logName, message) => {
    expect(problems({ ...valid, logName })).toEqual([{ path: ['logName'], message }]);
  });

  it.each([
    ['an empty key', () => '', "Paste the service account's JSON key file, or upload it."],
    ['text that is not JSON', () => 'type: service_account', 'The key file is not valid JSON; paste the whole file, from { to }.'],
    [
      'an OAuth client file',
      () => ({ ...keyFile, type: 'authorized_user' }),
      `The key file's type is "authorized_user", not "service_account"; download a JSON key for a service account instead.`,
    ],
    ['a truncated private key', () => ({ ...keyFile, private_key: keyFile.private_key?.replace(/\n[^\n]+\n-----END/, '\n-----END') }), "The key file's private_key is damaged or incomplete; paste the whole key again, unchanged."],
    [
      'a user address',
      () => ({ ...keyFile, client_email: 'admin@acme.example' }),
      "The key file's client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com.",
    ],
  ])('refuses %s as service account key', (_kind, serviceAccountKey, message) => {
    expect(problems({ ...valid, serviceAccountKey: serviceAccountKey() })).toEqual([{ path: ['serviceAccountKey'], message }]);
  });

  it('refuses a key file whose token_uri is not Google’s token endpoint (the proxy posts signed assertions there)', () => {
    const message = "The key file's token_uri must be Google's token endpoint, like https://oauth2.googleapis.com/token.";
    expect(problems({ ...valid, serviceAccountKey: { ...keyFile, token_uri: 'https://tokens.example.com/token' } })).toEqual([{ path: ['serviceAccountKey'], message }]);
  });

  it('refuses an unknown setting and a non-object', () => {
    expect(problems({ ...valid, location: 'global' })).toEqual([{ path: [], message: 'Remove "location": Google Cloud Logging has no such setting.' }]);
    expect(problems('acme')).toEqual([{ path: [], message: 'The Google Cloud Logging settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with the key file secret', () => {
    expect(googleCloudLogging).toMatchObject({ id: 'google-cloud-logging', kind: 'siem' });
    expect(googleCloudLogging.fields.map((f) => f.name)).toEqual(Object.keys(ZGoogleCloudLoggingSettings.shape));
    expect(googleCloudLogging.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['serviceAccountKey']);
    // The key file's form example is abbreviated (…); the other examples are complete values.
    const examples = Object.fromEntries(googleCloudLogging.fields.map((f) => [f.name, f.example]));
    expect(problems({ ...examples, serviceAccountKey: keyFile })).toEqual([]);
  });
});
