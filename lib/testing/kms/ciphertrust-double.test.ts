// The CipherTrust Manager protocol double itself (no appliance is reachable
// here, so the driver's tests run against this double): plain HTTPS requests
// in CipherTrust's documented shapes prove its TLS, its tokens, its AES-GCM
// and its refusals are real, independently of the driver.
import { createDecipheriv } from 'node:crypto';
import https from 'node:https';

import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ZThalesCipherTrustSettings } from '@/lib/schemas/providers/thales-ciphertrust';

import { startCipherTrustDouble, type TCipherTrustDouble, type TCtmKey, type TCtmUser } from './ciphertrust-double';

let double: TCipherTrustDouble;
let user: TCtmUser;
let key: TCtmKey;
const plaintext = Buffer.alloc(32, 9).toString('base64');
const aad = Buffer.from('tenant-a').toString('base64');

beforeAll(async () => {
  double = await startCipherTrustDouble();
  user = double.addUser({ username: 'proxy', domains: ['root', 'acme'] });
  key = double.createKey({ name: 'cmk-a' });
});
afterAll(async () => {
  await double.stop();
});

type TReply = { status: number; body: Record<string, unknown> };

function post(path: string, body: unknown, bearer?: string, ca: string | null = double.caPem): Promise<TReply> {
  const url = new URL(path, double.url);
  return new Promise((resolve, reject) => {
    const request = https.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', ca: ca ?? undefined, agent: false, headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const signIn = async (extra: Record<string, unknown> = {}) =>
  (await post('/api/v1/auth/tokens', { grant_type: 'password', username: user.username, password: user.password, ...extra })).body;

describe('CipherTrust Manager double', () => {
  it('serves TLS from the test CA only', async () => {
    await expect(post('/api/v1/auth/tokens', {}, undefined, null)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
  });

  it('issues a JWT with its duration and a refresh token for the right password, in the asked domain only if allowed', async () => {
    const answer = await signIn();
    expect(answer).toMatchObject({ jwt: expect.stringMatching(/^ey/), duration: 300, token_type: 'Bearer', refresh_token: expect.any(String) });
    const refreshed = await post('/api/v1/auth/tokens', { grant_type: 'refresh_token', refresh_token: answer.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect((await post('/api/v1/auth/tokens', { grant_type: 'password', username: user.username, password: 'wrong' })).body).toEqual({
      code: 401,
      codeDesc: 'NCERRUnauthorized: Unauthorized',
      message: 'Invalid user credentials',
    });
    expect((await post('/api/v1/auth/tokens', { grant_type: 'password', username: user.username, password: user.password, domain: 'globex' })).status).toBe(401);
    expect((await post('/api/v1/auth/tokens', { grant_type: 'password', username: user.username, password: user.password, connection: 'ldap' })).status).toBe(401);
  });

  it('does real AES-256-GCM with the AAD, and decrypts only with the same AAD', async () => {
    const { jwt } = await signIn();
    const sealed = await post('/api/v1/crypto/encrypt', { id: key.name, plaintext, mode: 'gcm', aad }, jwt as string);
    expect(sealed.status).toBe(200);
    expect(sealed.body).toMatchObject({ id: key.id, version: 0, mode: 'gcm' });
    const decipher = createDecipheriv('aes-256-gcm', key.versions[0] as Buffer, Buffer.from(sealed.body.iv as string, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.body.tag as string, 'base64'));
    expect(Buffer.concat([decipher.update(Buffer.from(sealed.body.ciphertext as string, 'base64')), decipher.final()]).toString('base64')).toBe(plaintext);

    const { ciphertext, tag, iv } = sealed.body;
    expect((await post('/api/v1/crypto/decrypt', { id: key.id, ciphertext, tag, iv, mode: 'gcm', aad, version: 0 }, jwt as string)).body.plaintext).toBe(plaintext);
    const other = await post('/api/v1/crypto/decrypt', { id: key.id, ciphertext, tag, iv, mode: 'gcm', aad: Buffer.from('tenant-b').toString('base64') }, jwt as string);
    expect(other).toMatchObject({ status: 400, body: { codeDesc: expect.stringMatching(/^NCERRCryptoError/) } });
    expect((await post('/api/v1/crypto/encrypt', { id: key.name, plaintext, mode: 'cbc' }, jwt as string)).status).toBe(400);
  });

  it('rotates through the keys2 versions API and keeps every version decrypting', async () => {
    const { jwt } = await signIn();
    const old = (await post('/api/v1/crypto/encrypt', { id: key.name, plaintext, mode: 'gcm' }, jwt as string)).body;
    const rotated = await post(`/api/v1/vault/keys2/${key.id}/versions`, {}, jwt as string);
    expect(rotated).toMatchObject({ status: 201, body: { version: old.version as number + 1 } });
    const fresh = (await post('/api/v1/crypto/encrypt', { id: key.name, plaintext, mode: 'gcm' }, jwt as string)).body;
    expect(fresh.version).toBe(rotated.body.version);
    const open = (sealed: Record<string, unknown>) => post('/api/v1/crypto/decrypt', { ...sealed, id: key.name }, jwt as string);
    expect((await open(old)).body.plaintext).toBe(plaintext);
    expect((await open(fresh)).body.plaintext).toBe(plaintext);
    expect((await open({ ...old, version: 99 })).status).toBe(404);
  });

  it('refuses a missing, forged, expired or revoked token, another domain’s key, and an unknown key', async () => {
    const body = { id: key.name, plaintext, mode: 'gcm' };
    expect((await post('/api/v1/crypto/encrypt', body)).status).toBe(401);
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('kylo').setJti('x').setExpirationTime('5m').sign(new Uint8Array(32));
    expect((await post('/api/v1/crypto/encrypt', body, forged)).status).toBe(401);
    const { jwt } = await signIn();
    const { jwt: acmeJwt } = await signIn({ domain: 'acme' });
    expect((await post('/api/v1/crypto/encrypt', body, acmeJwt as string)).status).toBe(404);
    expect((await post('/api/v1/crypto/encrypt', { ...body, id: 'nope' }, jwt as string)).status).toBe(404);
    double.expireTokens();
    expect((await post('/api/v1/crypto/encrypt', body, jwt as string)).status).toBe(401);
    const again = await signIn();
    double.revokeTokens();
    expect((await post('/api/v1/crypto/encrypt', body, again.jwt as string)).status).toBe(401);
    expect((await post('/api/v1/auth/tokens', { grant_type: 'refresh_token', refresh_token: again.refresh_token })).status).toBe(401);
  });

  it('makes settings that pass the browser schema', () => {
    expect(ZThalesCipherTrustSettings.safeParse(double.settings(key, user)).success).toBe(true);
  });
});
