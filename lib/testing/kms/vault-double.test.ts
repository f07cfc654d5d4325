// The Vault protocol double on its own (it stands in for a Vault server that
// cannot be reached here): raw HTTPS requests in Vault's documented shapes,
// checked against Vault's documented answers, and its ciphertexts opened with
// plain node:crypto to prove the cryptography is real.
import { createDecipheriv, createHmac } from 'node:crypto';
import { request } from 'node:https';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startVaultDouble, type TVaultDouble } from './vault-double';

let vault: TVaultDouble;
type TBody = {
  errors?: string[];
  warnings?: string[] | null;
  auth?: { client_token: string; lease_duration: number; renewable: boolean };
  data?: { ciphertext?: string; plaintext?: string; key_version?: number; ttl?: number; renewable?: boolean };
};
type TAnswer = { status: number; body: TBody };
const ciphertextOf = (answer: TAnswer) => answer.body.data?.ciphertext ?? '';

function call(method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: unknown, on: TVaultDouble = vault): Promise<TAnswer> {
  const url = new URL(`/v1/${path}`, on.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json', ...headers }, ca: on.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as TBody }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
const b64 = (text: string) => Buffer.from(text).toString('base64');

function open(ciphertext: string, key: Buffer, aad: string): string {
  const sealed = Buffer.from(ciphertext.replace(/^vault:v\d+:/, ''), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(-16));
  return Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()]).toString('utf8');
}

beforeAll(async () => {
  vault = await startVaultDouble();
});
afterAll(async () => {
  await vault.stop();
});

describe('Vault double', () => {
  it('refuses a missing or unknown token with Vault’s 403 and errors list', async () => {
    vault.createKey({ name: 'k' });
    const invalid = { status: 403, body: { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] } };
    expect(await call('POST', 'transit/encrypt/k', {}, { plaintext: b64('x') })).toEqual(invalid);
    expect(await call('POST', 'transit/encrypt/k', { 'x-vault-token': 'hvs.nope' }, { plaintext: b64('x') })).toEqual(invalid);
  });

  it('logs in with AppRole in its namespace only, and issues a token that works there', async () => {
    const role = vault.addAppRole({ namespace: 'admin', tokenTtlSeconds: 60 });
    expect(await call('POST', 'auth/approle/login', {}, { role_id: role.roleId, secret_id: role.secretId })).toEqual({ status: 400, body: { errors: ['invalid role or secret ID'] } });
    const login = await call('POST', 'auth/approle/login', { 'x-vault-namespace': 'admin' }, { role_id: role.roleId, secret_id: role.secretId });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({ client_token: expect.stringMatching(/^hvs\./), lease_duration: 60, renewable: true });
    const token = login.body.auth?.client_token ?? '';
    expect((await call('GET', 'auth/token/lookup-self', { 'x-vault-token': token, 'x-vault-namespace': 'admin' })).body.data).toMatchObject({ ttl: 60, renewable: true });
    expect((await call('GET', 'auth/token/lookup-self', { 'x-vault-token': token })).status).toBe(403);
  });

  it('renews a token up to its max TTL, and refuses it once revoked or expired', async () => {
    const token = vault.createToken({ ttlSeconds: 60, maxTtlSeconds: 30 });
    const renewed = await call('POST', 'auth/token/renew-self', { 'x-vault-token': token.token }, {});
    expect(renewed.body.auth?.lease_duration).toBeLessThanOrEqual(30);
    vault.revokeToken(token.token);
    expect((await call('POST', 'auth/token/renew-self', { 'x-vault-token': token.token }, {})).status).toBe(403);
    const short = vault.createToken({ ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await call('GET', 'auth/token/lookup-self', { 'x-vault-token': short.token })).status).toBe(403);
  });

  it('encrypts with real AES-256-GCM under the latest key version, the associated data as AAD', async () => {
    const key = vault.createKey({ name: 'real' });
    const headers = { 'x-vault-token': vault.createToken().token };
    const v1 = await call('POST', 'transit/encrypt/real', headers, { plaintext: b64('hello'), associated_data: b64('tenant-a') });
    expect(v1.body.data).toMatchObject({ ciphertext: expect.stringMatching(/^vault:v1:/), key_version: 1 });
    expect(open(ciphertextOf(v1), key.versions[0]!, 'tenant-a')).toBe('hello');
    vault.rotateKey('real');
    const v2 = await call('POST', 'transit/encrypt/real', headers, { plaintext: b64('hello'), associated_data: b64('tenant-a') });
    expect(open(ciphertextOf(v2), key.versions[1]!, 'tenant-a')).toBe('hello');
    const decrypt = (ciphertext: string, aad: string) => call('POST', 'transit/decrypt/real', headers, { ciphertext, associated_data: b64(aad) });
    expect((await decrypt(ciphertextOf(v1), 'tenant-a')).body.data?.plaintext).toBe(b64('hello'));
    expect(await decrypt(ciphertextOf(v1), 'tenant-b')).toEqual({ status: 400, body: { errors: ['cipher: message authentication failed'] } });
    vault.setMinDecryptionVersion('real', 2);
    expect((await decrypt(ciphertextOf(v1), 'tenant-a')).body.errors).toEqual(['ciphertext or signature version is disallowed by policy (too old)']);
  });

  it('derives a derived key’s AES key from the context as Vault does (SP 800-108 counter mode, HMAC-SHA256)', async () => {
    const key = vault.createKey({ name: 'derived', derived: true });
    const headers = { 'x-vault-token': vault.createToken().token };
    expect((await call('POST', 'transit/encrypt/derived', headers, { plaintext: b64('x') })).body.errors?.[0]).toMatch(/missing 'context'/);
    const answer = await call('POST', 'transit/encrypt/derived', headers, { plaintext: b64('hi'), context: b64('tenant-a'), associated_data: b64('tenant-a') });
    const derived = createHmac('sha256', key.versions[0]!).update(Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('tenant-a'), Buffer.from([0, 0, 1, 0])])).digest();
    expect(open(ciphertextOf(answer), derived, 'tenant-a')).toBe('hi');
  });

  it('starts with given keys, tokens and AppRoles (as the demo needs, to survive a restart)', async () => {
    const material = Buffer.alloc(32, 7);
    const given = await startVaultDouble({
      keys: [{ name: 'demo', namespace: 'admin', versions: [material] }],
      tokens: [{ token: 'hvs.demo-token-0123456789abcdef01234', namespace: 'admin' }],
      appRoles: [{ roleId: '11111111-2222-3333-4444-555555555555', secretId: '66666666-7777-8888-9999-000000000000', namespace: 'admin' }],
    });
    try {
      const headers = { 'x-vault-token': 'hvs.demo-token-0123456789abcdef01234', 'x-vault-namespace': 'admin' };
      const answer = await call('POST', 'transit/encrypt/demo', headers, { plaintext: b64('kept'), associated_data: b64('t') }, given);
      expect(open(ciphertextOf(answer), material, 't')).toBe('kept');
      expect(given.settings(given.createKey({ name: 'x', namespace: 'admin' }), { roleId: '11111111-2222-3333-4444-555555555555', secretId: 's', namespace: 'admin', tokenTtlSeconds: 0, tokenMaxTtlSeconds: 0, renewable: true })).toMatchObject({ namespace: 'admin', authMethod: 'approle' });
    } finally {
      await given.stop();
    }
  });

  it('answers denial, missing keys and mounts, throttling, sealing and a locked namespace with Vault’s statuses', async () => {
    vault.createKey({ name: 'faulty' });
    const headers = { 'x-vault-token': vault.createToken().token };
    const encrypt = (name = 'faulty', mount = 'transit') => call('POST', `${mount}/encrypt/${name}`, headers, { plaintext: b64('x') });
    vault.deny('faulty');
    expect(await encrypt()).toEqual({ status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } });
    vault.allow('faulty');
    expect((await encrypt('missing')).status).toBe(403);
    expect(await call('POST', 'transit/decrypt/missing', headers, { ciphertext: 'vault:v1:AAAA' })).toEqual({ status: 400, body: { errors: ['encryption key not found'] } });
    expect((await encrypt('faulty', 'nowhere')).status).toBe(404);
    vault.throttle(1);
    expect((await encrypt()).status).toBe(429);
    expect((await encrypt()).status).toBe(200);
    vault.seal(true);
    expect(await encrypt()).toEqual({ status: 503, body: { errors: ['Vault is sealed'] } });
    vault.seal(false);
    vault.preAssociatedData(true);
    expect((await call('POST', 'transit/encrypt/faulty', headers, { plaintext: b64('x'), associated_data: b64('t') })).body.warnings).toEqual([
      'Endpoint ignored these unrecognized parameters: [associated_data]',
    ]);
    vault.preAssociatedData(false);
  });
});
