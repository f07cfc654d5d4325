// The shared validators: URLs, UUIDs, secrets, regions, PEM private keys (real
// keys made by Node's crypto pass; damaged, altered, public and other PEM
// blocks fail with one clear message) and Google service-account key files.
// eslint-disable-next-line no-restricted-imports -- test-only: Node's crypto makes the real keys the PEM reader must accept.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineField,
  httpsUrlProblem,
  inspectPemPrivateKey,
  ZAwsRegion,
  ZGoogleServiceAccountJson,
  ZHttpsUrl,
  ZHttpsUrlFor,
  ZNonEmptySecret,
  ZOptionalText,
  ZPemPrivateKey,
  ZRequiredText,
  ZSettingsObject,
  ZTextWithDefault,
  ZUuid,
  ZUuidShapeFor,
} from './common';
import { KMS_PROVIDERS } from './kms';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];
const messages = (schema: z.ZodType, value: unknown) => issues(schema, value).map((issue) => issue.message);

const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = pkcs8(rsa.privateKey);
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p256Pem = pkcs8(p256.privateKey);

/** Swaps the base64 character at `index` of the PEM body for another valid one. */
function alterBody(pem: string, index: number): string {
  const lines = pem.trim().split('\n');
  const body = lines.slice(1, -1).join('');
  const replacement = body[index] === 'A' ? 'B' : 'A';
  const altered = body.slice(0, index) + replacement + body.slice(index + 1);
  return [lines[0], ...(altered.match(/.{1,64}/g) ?? []), lines.at(-1)].join('\n');
}

const CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBoTCCAUegAwIBAgIUamyOk4wwy2OAEXucFvVqScEBMEwwCgYIKoZIzj0EAwIw
JjEkMCIGA1UEAwwbY21rLWJyb2tlciB0ZXN0IGNlcnRpZmljYXRlMB4XDTI2MTEy
ODE5NDgxNloXDTM2MTEyNTE5NDgxNlowJjEkMCIGA1UEAwwbY21rLWJyb2tlciB0
ZXN0IGNlcnRpZmljYXRlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3Vhfl9oy
6rQHvVK75RWQ7gs5sMVUzwf9MiFlyHPRNr6R/jsR6d6Bn+7OXvYof1VlqARVYe6c
GmvG7WwdGXRfjqNTMFEwHQYDVR0OBBYEFCs5DuC5RJyIF5Ar20vPfzqPqQJ/MB8G
A1UdIwQYMBaAFCs5DuC5RJyIF5Ar20vPfzqPqQJ/MA8GA1UdEwEB/wQFMAMBAf8w
CgYIKoZIzj0EAwIDSAAwRQIhAII+Vj1vRLzMsxaVfOhal2wz8D8kJOHQpv60waXZ
MnRxAiB3JADuPqiQINmaBFzYl/yhbxpuvc4lOsVwbNTRoJYkSQ==
-----END CERTIFICATE-----
`;

describe('ZHttpsUrl', () => {
  it.each([
    'https://example.com',
    'https://kms.example.com:8443/api/v1/',
    'https://hooks.example.com/ingest?tenant=acme',
    'https://[2001:db8::1]:8443/',
    'https://10.0.0.12',
    '  https://example.com/  ',
  ])('accepts %s', (url) => {
    expect(ZHttpsUrl.safeParse(url).success).toBe(true);
  });

  it('trims the value it returns', () => {
    expect(ZHttpsUrl.parse('  https://example.com/path \n')).toBe('https://example.com/path');
  });

  it.each([
    ['', 'Enter the URL, like https://example.com.'],
    ['http://example.com', 'The URL must start with https://, like https://example.com.'],
    ['javascript:alert(1)', 'The URL must start with https://, like https://example.com.'],
    ['data:text/html,<script>alert(1)</script>', 'The URL must start with https://, like https://example.com.'],
    ['ftp://example.com', 'The URL must start with https://, like https://example.com.'],
    ['HTTP://EXAMPLE.COM', 'The URL must start with https://, like https://example.com.'],
    ['example.com/path', 'Enter the URL as a full address starting with https://, like https://example.com.'],
    ['https:example.com', 'Enter the URL as a full address starting with https://, like https://example.com.'],
    ['https:\\\\example.com', 'Enter the URL as a full address starting with https://, like https://example.com.'],
    ['https://', 'Enter the URL as a full address starting with https://, like https://example.com.'],
    ['https://exa mple.com', 'Remove the spaces and line breaks from the URL.'],
    ['https://example.com/a\tb', 'Remove the line breaks, tabs and other control characters.'],
    ['https://user:secret@example.com', 'Remove the user name and password from the URL; credentials go in their own fields.'],
    ['https://token@example.com', 'Remove the user name and password from the URL; credentials go in their own fields.'],
    ['https://example.com/#section', 'Remove the #… part from the URL.'],
    ['https://exam<ple.com', 'The URL is not a valid address; enter it like https://example.com.'],
    [`https://example.com/${'a'.repeat(2048)}`, 'This is too long; use at most 2048 characters.'],
  ])('refuses %j with one message', (url, message) => {
    expect(issues(ZHttpsUrl, url)).toEqual([{ path: [], message }]);
  });

  it('refuses a non-string with the "enter" message', () => {
    expect(messages(ZHttpsUrl, 42)).toEqual(['Enter the URL, like https://example.com.']);
  });

  it('names the field and refuses a query when asked to', () => {
    const ZVaultAddress = ZHttpsUrlFor('Vault address', 'https://vault.example.com:8200', { query: false });
    expect(messages(ZVaultAddress, 'http://vault.example.com')).toEqual(['The Vault address must start with https://, like https://vault.example.com:8200.']);
    expect(messages(ZVaultAddress, 'https://vault.example.com/?x=1')).toEqual(['Remove the ?… part from the Vault address.']);
    expect(httpsUrlProblem('https://vault.example.com', 'Vault address', 'https://vault.example.com:8200')).toBeUndefined();
  });

  it('stops a refinement chained after it once the URL itself has a problem', () => {
    const ZExampleHost = ZHttpsUrl.refine((url) => new URL(url).hostname.endsWith('.example.com'), { error: 'Use a host under example.com.' });
    expect(messages(ZExampleHost, 'http://x')).toEqual(['The URL must start with https://, like https://example.com.']);
    expect(messages(ZExampleHost, 'https://example.org')).toEqual(['Use a host under example.com.']);
    expect(ZExampleHost.safeParse('https://kms.example.com').success).toBe(true);
  });
});

describe('ZUuid', () => {
  it.each([
    '123e4567-e89b-12d3-a456-426614174000', // v1
    'F47AC10B-58CC-4372-A567-0E02B2C3D479', // v4, upper case
    '0190c2a5-6b1e-7c3d-8f00-123456789abc', // v7
    ' f47ac10b-58cc-4372-a567-0e02b2c3d479 ',
  ])('accepts %s', (uuid) => {
    expect(ZUuid.safeParse(uuid).success).toBe(true);
  });

  it.each([
    ['', 'Enter the UUID.'],
    ['00000000-0000-0000-0000-000000000000', 'The UUID must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.'],
    ['f47ac10b-58cc-4372-c567-0e02b2c3d479', 'The UUID must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.'],
    ['f47ac10b58cc4372a5670e02b2c3d479', 'The UUID must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.'],
    ['{f47ac10b-58cc-4372-a567-0e02b2c3d479}', 'The UUID must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.'],
    ['f47ac10b-58cc-4372-a567-0e02b2c3d47g', 'The UUID must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.'],
  ])('refuses %j', (uuid, message) => {
    expect(issues(ZUuid, uuid)).toEqual([{ path: [], message }]);
  });

  it('has a layout-only variant for ids made of random bytes', () => {
    const ZRoleId = ZUuidShapeFor('role id');
    expect(ZRoleId.safeParse('db02de05-fa39-4855-059b-67221c5c2f63').success).toBe(true);
    expect(messages(ZRoleId, 'db02de05fa394855059b67221c5c2f63')).toEqual(['The role id must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.']);
  });
});

describe('ZNonEmptySecret', () => {
  const ZClientSecret = ZNonEmptySecret('client secret');

  it('keeps a secret exactly as entered, spaces included', () => {
    expect(ZClientSecret.parse(' pass phrase ')).toBe(' pass phrase ');
    expect(ZClientSecret.parse('x'.repeat(4096))).toHaveLength(4096);
  });

  it.each([
    ['', 'Enter the client secret.'],
    ['   ', 'Enter the client secret.'],
    [undefined, 'Enter the client secret.'],
    ['x'.repeat(4097), 'The client secret is too long; use at most 4096 characters.'],
    ['secret\n', 'The client secret contains a line break or another control character; paste it again on one line.'],
    ['sec\u0000ret', 'The client secret contains a line break or another control character; paste it again on one line.'],
  ])('refuses %j', (value, message) => {
    expect(issues(ZClientSecret, value)).toEqual([{ path: [], message }]);
  });
});

describe('ZAwsRegion', () => {
  it.each(['eu-west-1', 'us-east-1', 'ap-southeast-7', 'cn-northwest-1', 'us-gov-west-1', 'us-isob-east-1', 'eusc-de-east-1', 'il-central-1'])(
    'accepts %s',
    (region) => {
      expect(ZAwsRegion.safeParse(region).success).toBe(true);
    },
  );

  it.each([
    ['', 'Enter the AWS region, like eu-west-1.'],
    ['EU-WEST-1', 'Enter an AWS region code, like eu-west-1.'],
    ['eu-west', 'Enter an AWS region code, like eu-west-1.'],
    ['Europe (Ireland)', 'Enter an AWS region code, like eu-west-1.'],
    ['euw1', 'Enter an AWS region code, like eu-west-1.'],
  ])('refuses %j', (region, message) => {
    expect(issues(ZAwsRegion, region)).toEqual([{ path: [], message }]);
  });
});

describe('optional text, defaults and settings objects', () => {
  const ZName = ZRequiredText('Enter a name.', (value) => (/^[a-z]+$/.test(value) ? undefined : 'Use lower-case letters.'));

  it('treats absent and blank optional fields as not set', () => {
    const ZOptionalName = ZOptionalText(ZName);
    expect(ZOptionalName.parse(undefined)).toBeUndefined();
    expect(ZOptionalName.parse('  ')).toBeUndefined();
    expect(ZOptionalName.parse(' abc ')).toBe('abc');
    expect(messages(ZOptionalName, 'ABC')).toEqual(['Use lower-case letters.']);
  });

  it('uses the default for absent and blank fields', () => {
    const ZDefaulted = ZTextWithDefault(ZName, 'root');
    expect(ZDefaulted.parse(undefined)).toBe('root');
    expect(ZDefaulted.parse('')).toBe('root');
    expect(ZDefaulted.parse('team')).toBe('team');
    expect(messages(ZDefaulted, 'Team A')).toEqual(['Use lower-case letters.']);
  });

  it('refuses unknown members by name', () => {
    const ZSettings = ZSettingsObject('Example KMS', { name: ZName });
    expect(issues(ZSettings, { name: 'abc', token: 'x', extra: 1 })).toEqual([
      { path: [], message: 'Remove "token", "extra": Example KMS has no such setting.' },
    ]);
    expect(issues(ZSettings, 'abc')).toEqual([{ path: [], message: 'The Example KMS settings must be an object of fields.' }]);
  });

  it('fills in field spec defaults', () => {
    expect(defineField({ name: 'a', label: 'A', help: 'Help.', example: 'x' })).toEqual({
      name: 'a',
      label: 'A',
      help: 'Help.',
      example: 'x',
      input: 'text',
      secret: false,
      required: true,
    });
  });
});

describe('ZPemPrivateKey', () => {
  it.each([
    ['RSA, PKCS#8', rsaPem, { format: 'PRIVATE KEY', algorithm: 'rsa' }],
    ['RSA, PKCS#1', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, { format: 'RSA PRIVATE KEY', algorithm: 'rsa' }],
    ['RSA-PSS', pkcs8(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey), { format: 'PRIVATE KEY', algorithm: 'rsa-pss' }],
    ['P-256, PKCS#8', p256Pem, { format: 'PRIVATE KEY', algorithm: 'ec', curve: 'P-256' }],
    ['P-256, SEC 1', p256.privateKey.export({ type: 'sec1', format: 'pem' }) as string, { format: 'EC PRIVATE KEY', algorithm: 'ec', curve: 'P-256' }],
    ['P-384', pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), { format: 'PRIVATE KEY', algorithm: 'ec', curve: 'P-384' }],
    ['P-521', pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey), { format: 'PRIVATE KEY', algorithm: 'ec', curve: 'P-521' }],
    [
      'secp256k1',
      pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey),
      { format: 'PRIVATE KEY', algorithm: 'ec', curve: 'secp256k1' },
    ],
    ['Ed25519', pkcs8(generateKeyPairSync('ed25519').privateKey), { format: 'PRIVATE KEY', algorithm: 'ed25519' }],
    ['Ed448', pkcs8(generateKeyPairSync('ed448').privateKey), { format: 'PRIVATE KEY', algorithm: 'ed448' }],
    ['X25519', pkcs8(generateKeyPairSync('x25519').privateKey), { format: 'PRIVATE KEY', algorithm: 'x25519' }],
  ])('accepts a real %s key made by node:crypto', (_name, pem, info) => {
    expect(ZPemPrivateKey.safeParse(pem).success).toBe(true);
    expect(inspectPemPrivateKey(pem)).toEqual({ ok: true, ...info });
  });

  it('accepts Windows line breaks and surrounding blank lines, and returns the key trimmed', () => {
    const crlf = rsaPem.replace(/\n/g, '\r\n');
    expect(ZPemPrivateKey.parse(`\n\n${crlf}\n`)).toBe(crlf.trim());
  });

  const damaged = 'The key is damaged or incomplete; paste the whole key again, unchanged.';
  const lines = rsaPem.trim().split('\n');

  it.each([
    ['truncated by one line', [...lines.slice(0, -2), lines.at(-1)].join('\n'), damaged],
    ['cut off before the END line', lines.slice(0, -1).join('\n'), 'The key is incomplete: the -----END PRIVATE KEY----- line is missing.'],
    ['with one base64 character changed in the modulus', alterBody(rsaPem, 100), damaged],
    ['with one base64 character changed in the private exponent', alterBody(rsaPem, 700), damaged],
    ['with an invalid character in the body', rsaPem.replace(lines[3] ?? '', `${(lines[3] ?? '').slice(0, 10)}!${(lines[3] ?? '').slice(11)}`), 'The key is damaged (its body is not valid base64); paste the whole key again, unchanged.'],
    ['with a base64 character missing', rsaPem.replace(lines[3] ?? '', (lines[3] ?? '').slice(1)), 'The key is damaged (its body is not valid base64); paste the whole key again, unchanged.'],
    ['with the END label of another kind', rsaPem.replace('-----END PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----'), 'The key is incomplete: the -----END PRIVATE KEY----- line is missing.'],
  ])('refuses an RSA key %s', (_name, pem, message) => {
    expect(issues(ZPemPrivateKey, pem)).toEqual([{ path: [], message }]);
  });

  it('refuses an EC key whose public point was altered', () => {
    const body = p256Pem.trim().split('\n').slice(1, -1).join('');
    // The uncompressed public point fills the last 65 bytes; change a character inside it.
    expect(messages(ZPemPrivateKey, alterBody(p256Pem, body.length - 20))).toEqual([damaged]);
  });

  it('refuses an EC key truncated to a whole number of base64 groups', () => {
    const body = p256Pem.trim().split('\n').slice(1, -1).join('');
    const truncated = `-----BEGIN PRIVATE KEY-----\n${body.slice(0, body.length - 8)}\n-----END PRIVATE KEY-----`;
    expect(messages(ZPemPrivateKey, truncated)).toEqual([damaged]);
  });

  it('refuses other PEM blocks and other key formats, saying what they are', () => {
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const pkcs1Public = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const encrypted = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string;
    const encryptedPkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string;
    const cases: [string, string][] = [
      [publicPem, 'The key is a public key; paste the private key instead.'],
      [pkcs1Public, 'The key is a public key; paste the private key instead.'],
      [CERTIFICATE_PEM, 'The key is a certificate; paste the private key instead.'],
      [encrypted, 'The key is encrypted; export it without a passphrase (the configuration is sealed end to end anyway).'],
      [encryptedPkcs1, 'The key is encrypted; export it without a passphrase (the configuration is sealed end to end anyway).'],
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----',
        'The key is in OpenSSH format; convert it to PKCS#8 with ssh-keygen -p -m PKCS8 -f <file>.',
      ],
      ['-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----', 'The key is a PEM "DSA PRIVATE KEY" block, not a private key in PKCS#8, RSA or EC form.'],
      [`${rsaPem}${CERTIFICATE_PEM}`, 'The key holds several PEM blocks; paste only the private key.'],
    ];
    for (const [pem, message] of cases) expect(issues(ZPemPrivateKey, pem)).toEqual([{ path: [], message }]);
  });

  it('refuses a public key or a certificate relabelled as a private key', () => {
    const publicBody = (rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string).replace(/PUBLIC KEY/g, 'PRIVATE KEY');
    const certificateBody = CERTIFICATE_PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY');
    expect(messages(ZPemPrivateKey, publicBody)).toEqual([damaged]);
    expect(messages(ZPemPrivateKey, certificateBody)).toEqual([damaged]);
    expect(messages(ZPemPrivateKey, CERTIFICATE_PEM.replace(/CERTIFICATE/g, 'EC PRIVATE KEY'))).toEqual([damaged]);
  });

  it('refuses a PKCS#8 key with an unknown version', () => {
    // Byte 6 of a 2048-bit RSA PKCS#8 is its version (0); make it 2.
    const der = Uint8Array.from(atob(rsaPem.trim().split('\n').slice(1, -1).join('')), (c) => c.charCodeAt(0));
    der[6] = 2;
    const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----`;
    expect(messages(ZPemPrivateKey, pem)).toEqual([damaged]);
  });

  it.each([
    ['nothing', '', 'Paste the private key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['garbage', 'hunter2 is my password', 'The key is not a PEM private key; paste everything from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['a JWK', JSON.stringify(p256.privateKey.export({ format: 'jwk' })), 'The key is not a PEM private key; paste everything from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['the body without its PEM lines', lines.slice(1, -1).join('\n'), 'The key is missing its PEM lines; paste everything from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['text before the block', `Bag Attributes\n${rsaPem}`, 'The key has text before the PEM block; paste only the lines from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['text after the block', `${rsaPem}\nthanks!`, 'The key has text after the PEM block; paste only the lines from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
    ['escaped line breaks, copied from a JSON string', rsaPem.trim().replace(/\n/g, '\\n'), 'The key contains \\n sequences instead of line breaks; paste it with real line breaks.'],
    ['far too much text', `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(20_000)}\n-----END PRIVATE KEY-----`, 'The key is too long to be a private key.'],
    ['a number', 42, 'Paste the private key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.'],
  ])('refuses %s', (_name, value, message) => {
    expect(issues(ZPemPrivateKey, value)).toEqual([{ path: [], message }]);
  });
});

describe('ZGoogleServiceAccountJson', () => {
  const keyFile = {
    type: 'service_account',
    project_id: 'cmk-test-project',
    private_key_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    private_key: rsaPem,
    client_email: 'cmk-proxy@cmk-test-project.iam.gserviceaccount.com',
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/cmk-proxy%40cmk-test-project.iam.gserviceaccount.com',
    universe_domain: 'googleapis.com',
  };

  it('accepts a key file pasted as JSON or uploaded as an object, and returns the object', () => {
    expect(ZGoogleServiceAccountJson.parse(JSON.stringify(keyFile, null, 2))).toEqual(keyFile);
    expect(ZGoogleServiceAccountJson.parse(keyFile)).toEqual(keyFile);
  });

  it('accepts legacy default service accounts and addresses outside the default universe', () => {
    expect(ZGoogleServiceAccountJson.safeParse({ ...keyFile, client_email: 'cmk-test-project@appspot.gserviceaccount.com' }).success).toBe(true);
    expect(ZGoogleServiceAccountJson.safeParse({ ...keyFile, universe_domain: 'sovereign.example', client_email: 'proxy@cmk.sovereign.example' }).success).toBe(true);
  });

  it.each([
    ['an empty paste', '', "Paste the service account's JSON key file, or upload it."],
    ['a number', 42, "Paste the service account's JSON key file, or upload it."],
    ['text that is not JSON', '{ "type": "service_account", ', 'The key file is not valid JSON; paste the whole file, from { to }.'],
    ['a JSON array', '[1, 2]', 'The key file must be a JSON object, from { to }.'],
    ['a user credential file', { ...keyFile, type: 'authorized_user' }, 'The key file\'s type is "authorized_user", not "service_account"; download a JSON key for a service account instead.'],
    ['no type', { ...keyFile, type: undefined }, 'The key file has no "type"; download a JSON key for a service account (IAM → Service accounts → Keys).'],
    ['a bad project_id', { ...keyFile, project_id: 'My Project' }, "The key file's project_id is missing or not a Google Cloud project id."],
    ['a bad private_key_id', { ...keyFile, private_key_id: 'abc' }, "The key file's private_key_id must be 40 hexadecimal characters."],
    ['no private_key', { ...keyFile, private_key: '' }, 'The key file has no private_key; download a new JSON key for the service account.'],
    ['a truncated private_key', { ...keyFile, private_key: rsaPem.slice(0, 200) }, "The key file's private_key is incomplete: the -----END PRIVATE KEY----- line is missing."],
    ['an altered private_key', { ...keyFile, private_key: alterBody(rsaPem, 100) }, "The key file's private_key is damaged or incomplete; paste the whole key again, unchanged."],
    ['an EC private_key', { ...keyFile, private_key: p256Pem }, "The key file's private_key must be an RSA key, as Google issues for service accounts."],
    ['a personal client_email', { ...keyFile, client_email: 'someone@gmail.com' }, "The key file's client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com."],
    ['a client_email that is no address', { ...keyFile, client_email: 'cmk-proxy' }, "The key file's client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com."],
    ['an http token_uri', { ...keyFile, token_uri: 'http://oauth2.googleapis.com/token' }, "The key file's token_uri must be an https URL, like https://oauth2.googleapis.com/token."],
    ['no token_uri', { ...keyFile, token_uri: undefined }, "The key file's token_uri must be an https URL, like https://oauth2.googleapis.com/token."],
  ])('refuses %s, naming the member', (_name, value, message) => {
    const input = typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
    expect(issues(ZGoogleServiceAccountJson, input)).toEqual([{ path: [], message }]);
  });

  it('reports every broken member at once, on the field itself', () => {
    const ZSettings = z.object({ serviceAccountKey: ZGoogleServiceAccountJson });
    expect(issues(ZSettings, { serviceAccountKey: { ...keyFile, private_key_id: 1, client_email: 'x@y.z' } })).toEqual([
      { path: ['serviceAccountKey'], message: "The key file's private_key_id must be 40 hexadecimal characters." },
      {
        path: ['serviceAccountKey'],
        message: "The key file's client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com.",
      },
    ]);
  });
});

// The registry itself is a list; its contract is checked here, beside the validators every provider shares.
describe('KMS_PROVIDERS', () => {
  it('lists the five KMS providers once each, in form order', () => {
    expect(KMS_PROVIDERS.map((provider) => provider.id)).toEqual([
      'aws-kms',
      'google-cloud-kms',
      'azure-key-vault',
      'thales-ciphertrust',
      'hashicorp-vault-transit',
    ]);
    for (const provider of KMS_PROVIDERS) {
      expect(provider.kind).toBe('kms');
      expect(provider.schema.safeParse(provider.example).success).toBe(true);
    }
  });
});
