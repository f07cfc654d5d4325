// The Google Cloud KMS protocol double itself (no cloud is reachable here, so
// the driver's tests run against this double): proves its checks are real by
// sending it, over HTTPS trusting only the test CA, requests it must refuse —
// forged or stale assertions, tokens it never issued, checksums that do not
// match — and that its answers have Google's shapes.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import https from 'node:https';

import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crc32cField } from '@/lib/kms/google-cloud-kms-crc32c';
import { ZGoogleCloudKmsSettings } from '@/lib/schemas/providers/google-cloud-kms';

import { startGoogleKmsDouble, type TDoubleCryptoKey, type TDoubleServiceAccount, type TGoogleKmsDouble } from './google-kms-double';

let double: TGoogleKmsDouble;
let account: TDoubleServiceAccount;
let key: TDoubleCryptoKey;
const SCOPE = 'https://www.googleapis.com/auth/cloudkms';

beforeAll(async () => {
  double = await startGoogleKmsDouble();
  account = double.createServiceAccount();
  key = double.createKey({ members: [account.email] });
});
afterAll(async () => {
  await double.stop();
});

function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = https.request(`${double.url}${path}`, { method: 'POST', ca: [double.caPem], headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

type TClaims = { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };

async function assertion(claims: TClaims = {}, privateKeyPem = account.keyFile.private_key as string, kid = account.keyFile.private_key_id as string) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(claims.iss ?? account.email)
    .setAudience(claims.aud ?? double.tokenUrl)
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 3600)
    .sign(createPrivateKey(privateKeyPem));
}

const tokenRequest = async (jwt: string, grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer') =>
  post('/token', new URLSearchParams({ grant_type: grantType, assertion: jwt }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });

function encryptRequest(token: string, fields: Record<string, unknown>, name = key.name) {
  return post(`/v1/${name}:encrypt`, JSON.stringify(fields), { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
}

describe('the Google double’s token endpoint', () => {
  it('hands out bearer tokens for a good assertion', async () => {
    const answer = await tokenRequest(await assertion());
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(answer.json.access_token).toMatch(/^ya29\./);
  });

  it.each<[string, () => Promise<string>, string, string]>([
    ['another key', async () => assertion({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), 'invalid_grant', 'Invalid JWT Signature.'],
    ['another audience', () => assertion({ aud: 'https://oauth2.googleapis.com/token' }), 'invalid_grant', 'Invalid JWT: Failed audience check.'],
    ['an expired assertion', () => assertion({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }), 'invalid_grant', expect.stringMatching(/short-lived/) as unknown as string],
    ['a lifetime over an hour', () => assertion({ exp: Math.floor(Date.now() / 1000) + 7200 }), 'invalid_grant', expect.stringMatching(/short-lived/) as unknown as string],
    ['no Cloud KMS scope', () => assertion({ scope: 'https://www.googleapis.com/auth/devstorage.read_only' }), 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.'],
    ['an unknown account', () => assertion({ iss: `nobody@${double.projectId}.iam.gserviceaccount.com` }), 'invalid_grant', 'Invalid grant: account not found'],
  ])('refuses %s', async (_name, make, error, description) => {
    const answer = await tokenRequest(await make());
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error, error_description: description });
  });

  it('refuses an unsigned (alg none) assertion and another grant type', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ iss: account.email, aud: double.tokenUrl, scope: SCOPE, iat: now, exp: now + 60 })).toString('base64url');
    expect((await tokenRequest(`${header}.${payload}.`)).json.error).toBe('invalid_grant');
    expect((await tokenRequest(await assertion(), 'client_credentials')).json.error).toBe('unsupported_grant_type');
  });
});

describe('the Google double’s Cloud KMS endpoint', () => {
  let token: string;
  beforeAll(async () => {
    token = (await tokenRequest(await assertion())).json.access_token as string;
  });

  it('answers encrypt as Cloud KMS does, naming the key version and verifying the checksums it was sent', async () => {
    const plaintext = Buffer.alloc(32, 7);
    const answer = await encryptRequest(token, { plaintext: plaintext.toString('base64'), plaintextCrc32c: crc32cField(plaintext) });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ name: `${key.name}/cryptoKeyVersions/1`, verifiedPlaintextCrc32c: true, verifiedAdditionalAuthenticatedDataCrc32c: false, protectionLevel: 'SOFTWARE' });
    expect(answer.json.ciphertextCrc32c).toBe(crc32cField(Buffer.from(answer.json.ciphertext as string, 'base64')));
  });

  it('refuses a token it never issued, a wrong checksum and an unknown key with Google’s error JSON', async () => {
    const forged = await encryptRequest('ya29.forged', { plaintext: 'AAAA' });
    expect(forged.status).toBe(401);
    expect(forged.json.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    const damaged = await encryptRequest(token, { plaintext: 'AAAA', plaintextCrc32c: '1' });
    expect(damaged.json.error).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: 'The checksum in field plaintext_crc32c did not match the data in field plaintext.', details: [] });
    const missing = await encryptRequest(token, { plaintext: 'AAAA' }, key.name.replace(/[^/]+$/, 'nope'));
    expect(missing.json.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
  });

  it('makes settings the provider schema accepts', () => {
    expect(ZGoogleCloudKmsSettings.safeParse(double.settings(key, account)).success).toBe(true);
  });
});
