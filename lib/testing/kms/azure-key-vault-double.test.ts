// The Azure Key Vault double speaks the documented wire protocol (a stand-in
// for Entra ID and Key Vault, which cannot be reached here): checked with
// plain HTTPS requests, independent of the SDKs the driver tests use. Its
// crypto is real RSA-OAEP-256: a key wrapped locally with the public key it
// serves unwraps on the double.
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { request } from 'node:https';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAzureKeyVaultDouble, type TAzureApp, type TAzureKeyVaultDouble, type TVault, type TVaultKey } from './azure-key-vault-double';

let double: TAzureKeyVaultDouble;
let app: TAzureApp;
let vault: TVault;
let key: TVaultKey;
let port: number;

type TAnswer = { status: number; headers: Record<string, string | string[] | undefined>; json: Record<string, unknown> };

function call(host: string, method: string, path: string, options: { body?: string; form?: boolean; token?: string } = {}): Promise<TAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: host,
        ca: double.caPem,
        method,
        path,
        headers: {
          host,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body ? { 'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString() || 'null') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function token(secret = app.clientSecret ?? ''): Promise<TAnswer> {
  const body = form({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret, scope: 'https://vault.azure.net/.default' });
  return call('localhost', 'POST', `/${app.directoryId}/oauth2/v2.0/token`, { body, form: true });
}

beforeAll(async () => {
  double = await startAzureKeyVaultDouble();
  port = Number(double.connectTo.split(':')[1]);
  app = double.createApp();
  vault = double.createVault('wire-cmk');
  key = double.createKey(vault, 'wire-key', [app.clientId]);
});
afterAll(async () => {
  await double.stop();
});

describe('the Entra half', () => {
  it('serves OpenID metadata naming its token endpoint', async () => {
    const answer = await call('localhost', 'GET', `/${app.directoryId}/v2.0/.well-known/openid-configuration`);
    expect(answer.json).toMatchObject({ issuer: `${double.authorityHost}/${app.directoryId}/v2.0`, token_endpoint: `${double.authorityHost}/${app.directoryId}/oauth2/v2.0/token` });
  });

  it('issues a bearer token for the client secret, and refuses a wrong one with AADSTS7000215', async () => {
    expect((await token()).json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) as string });
    const refused = await token('Wrong~secret');
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ error: 'invalid_client', error_codes: [7000215], error_description: expect.stringMatching(/^AADSTS7000215: /) as string });
  });

  it('refuses an unknown directory with AADSTS90002', async () => {
    const answer = await call('localhost', 'GET', '/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/v2.0/.well-known/openid-configuration');
    expect(answer).toMatchObject({ status: 400, json: { error: 'invalid_tenant', error_codes: [90002] } });
  });
});

describe('the Key Vault half', () => {
  it("challenges a request without a token with the vault's directory and resource", async () => {
    const answer = await call(vault.host, 'GET', '/keys/wire-key?api-version=2025-07-01');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer authorization="${double.authorityHost}/${vault.directoryId}", resource="https://vault.azure.net"`);
    expect(answer.json).toEqual({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
  });

  it('unwraps with real RSA-OAEP-256 what was wrapped locally with the public key it serves', async () => {
    const bearer = String((await token()).json.access_token);
    const bundle = await call(vault.host, 'GET', '/keys/wire-key?api-version=2025-07-01', { token: bearer });
    const jwk = (bundle.json as { key: { kid: string; n: string; e: string } }).key;
    expect(jwk.kid).toBe(`https://${vault.host}/keys/wire-key/${key.versions[0]?.version}`);
    const secret = randomBytes(32);
    const wrapped = publicEncrypt({ key: createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, secret);
    const body = JSON.stringify({ alg: 'RSA-OAEP-256', value: wrapped.toString('base64url') });
    const answer = await call(vault.host, 'POST', `/keys/wire-key/${key.versions[0]?.version}/unwrapkey?api-version=2025-07-01`, { token: bearer, body });
    expect(answer.json).toEqual({ kid: jwk.kid, value: secret.toString('base64url') });
  });

  it("answers Key Vault's error shapes: KeyNotFound, ForbiddenByRbac, KeyDisabled, Throttled with Retry-After", async () => {
    const bearer = String((await token()).json.access_token);
    const body = JSON.stringify({ alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64url') });
    const wrap = (name: string) => call(vault.host, 'POST', `/keys/${name}/${key.versions[0]?.version}/wrapkey?api-version=2025-07-01`, { token: bearer, body });
    expect(await wrap('missing')).toMatchObject({ status: 404, json: { error: { code: 'KeyNotFound' } } });
    double.deny(app.clientId);
    expect(await wrap('wire-key')).toMatchObject({ status: 403, json: { error: { code: 'Forbidden', innererror: { code: 'ForbiddenByRbac' } } } });
    double.allow(app.clientId);
    double.disableKey(key);
    expect(await wrap('wire-key')).toMatchObject({ status: 403, json: { error: { code: 'Forbidden', message: 'Operation wrapKey is not allowed on a disabled key.', innererror: { code: 'KeyDisabled' } } } });
    double.enableKey(key);
    double.throttle(1, 3);
    const throttled = await wrap('wire-key');
    expect(throttled).toMatchObject({ status: 429, json: { error: { code: 'Throttled' } } });
    expect(throttled.headers['retry-after']).toBe('3');
    expect((await wrap('wire-key')).status).toBe(200);
  });

  it('drops connections and delays answers when told to', async () => {
    double.dropConnections(true);
    await expect(call(vault.host, 'GET', '/keys/wire-key?api-version=2025-07-01')).rejects.toThrow(/socket hang up|ECONNRESET/);
    double.dropConnections(false);
    double.delay(150);
    const started = Date.now();
    await call(vault.host, 'GET', '/keys/wire-key?api-version=2025-07-01');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    double.delay(0);
  });
});
