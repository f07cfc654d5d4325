// The AWS KMS/STS protocol double itself (no cloud is reachable here, so the
// driver's tests run against this double): proves its checks are real by
// sending it, through the unmodified SDK, requests it must refuse.
import { createHash } from 'node:crypto';

import { DecryptCommand, type DecryptCommandInput, EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ZAwsKmsSettings } from '@/lib/schemas/providers/aws-kms';

import { startAwsKmsDouble, type TAwsKmsDouble, type TDoubleKey, type TDoubleUser } from './aws-kms-double';

let double: TAwsKmsDouble;
let key: TDoubleKey;
let user: TDoubleUser;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  double = await startAwsKmsDouble();
  key = double.createKey();
  user = double.addUser();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await double.stop();
});

function kmsClient(credentials: KMSClientConfig['credentials'] = user, extra: Partial<KMSClientConfig> = {}) {
  const client = new KMSClient({ region: double.region, endpoint: double.kmsEndpoint, credentials, maxAttempts: 1, ...extra });
  clients.push(client);
  return client;
}

const plaintext = new Uint8Array(32).fill(7);
const context = { tenantId: 'tenant-a' };

async function awsError(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const error = (await promise.then(
    () => {
      throw new Error('expected AWS to refuse');
    },
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } };
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

describe('AWS KMS double', () => {
  it('round-trips with real AES-GCM and makes ARNs and keys that pass the browser schema', async () => {
    const kms = kmsClient();
    const wrapped = await kms.send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext, EncryptionContext: context }));
    expect(Buffer.from(wrapped.CiphertextBlob ?? []).includes(Buffer.from(plaintext))).toBe(false);
    const opened = await kms.send(new DecryptCommand({ KeyId: key.keyArn, CiphertextBlob: wrapped.CiphertextBlob, EncryptionContext: context }));
    expect(opened.Plaintext).toEqual(plaintext);
    expect(opened.KeyId).toBe(key.keyArn);
    expect(ZAwsKmsSettings.safeParse(double.accessKeySettings(key, user)).success).toBe(true);
  });

  it('refuses a wrong secret, an unknown access key and a stale date', async () => {
    expect(await awsError(kmsClient({ ...user, secretAccessKey: `x${user.secretAccessKey.slice(1)}` }).send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext })))).toEqual({
      name: 'InvalidSignatureException',
      status: 400,
    });
    expect(await awsError(kmsClient({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: user.secretAccessKey }).send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext })))).toEqual({
      name: 'UnrecognizedClientException',
      status: 400,
    });
    const stale = kmsClient(user, { systemClockOffset: -10 * 60_000 });
    expect(await awsError(stale.send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext })))).toEqual({ name: 'InvalidSignatureException', status: 400 });
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    let captured: { headers: Record<string, string>; body: string } | undefined;
    const kms = kmsClient();
    // The deserialize step sees the request exactly as signed and sent.
    kms.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
        const body = request.body;
        // The SDK's JSON body is a Uint8Array subclass that warns when read as text; copy its bytes instead.
        captured = { headers: { ...request.headers }, body: typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') };
        return next(args);
      },
      { step: 'deserialize' },
    );
    await kms.send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext, EncryptionContext: { tenantId: 'tenant-1' } }));
    if (!captured) throw new Error('no request captured');
    const { host: _host, 'content-length': _length, ...headers } = captured.headers;
    const replay = (body: string, extra: Record<string, string> = {}) => fetch(double.kmsEndpoint, { method: 'POST', headers: { ...headers, ...extra }, body });
    const refusal = async (response: Response) => [response.status, ((await response.json()) as { __type: string }).__type];
    expect((await replay(captured.body)).status).toBe(200);
    const changed = captured.body.replace('tenant-1', 'tenant-2');
    expect(await refusal(await replay(changed))).toEqual([400, 'InvalidSignatureException']);
    // With a matching content hash header, only the signature itself can catch the change.
    const rehashed = { 'x-amz-content-sha256': createHash('sha256').update(changed).digest('hex') };
    expect(headers['x-amz-content-sha256']).toBeDefined();
    expect(await refusal(await replay(changed, rehashed))).toEqual([400, 'InvalidSignatureException']);
  });

  it('refuses an unknown key, a tampered ciphertext, another context, another key and a plaintext over 4096 bytes', async () => {
    const kms = kmsClient();
    const unknown = key.keyArn.replace(/key\/.*/, 'key/00000000-0000-4000-8000-000000000000');
    expect(await awsError(kms.send(new EncryptCommand({ KeyId: unknown, Plaintext: plaintext })))).toEqual({ name: 'NotFoundException', status: 400 });

    const blob = (await kms.send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext, EncryptionContext: context }))).CiphertextBlob as Uint8Array;
    const tampered = Uint8Array.from(blob);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 1;
    const decrypt = (input: DecryptCommandInput) => awsError(kms.send(new DecryptCommand(input)));
    expect(await decrypt({ KeyId: key.keyArn, CiphertextBlob: tampered, EncryptionContext: context })).toEqual({ name: 'InvalidCiphertextException', status: 400 });
    expect(await decrypt({ KeyId: key.keyArn, CiphertextBlob: blob, EncryptionContext: { tenantId: 'tenant-b' } })).toEqual({ name: 'InvalidCiphertextException', status: 400 });
    const other = double.createKey();
    expect(await decrypt({ KeyId: other.keyArn, CiphertextBlob: blob, EncryptionContext: context })).toEqual({ name: 'IncorrectKeyException', status: 400 });
    expect(await awsError(kms.send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: new Uint8Array(4097) })))).toEqual({ name: 'ValidationException', status: 400 });
  });

  it('enforces the key policy and the deny list', async () => {
    const owner = double.addUser();
    const restricted = double.createKey({ allow: [owner.accessKeyId] });
    expect(await awsError(kmsClient().send(new EncryptCommand({ KeyId: restricted.keyArn, Plaintext: plaintext })))).toEqual({ name: 'AccessDeniedException', status: 400 });
    await kmsClient(owner).send(new EncryptCommand({ KeyId: restricted.keyArn, Plaintext: plaintext }));
    double.deny(owner.accessKeyId);
    expect(await awsError(kmsClient(owner).send(new EncryptCommand({ KeyId: restricted.keyArn, Plaintext: plaintext })))).toMatchObject({ name: 'AccessDeniedException' });
    double.allow(owner.accessKeyId);
  });

  it('issues temporary credentials only for a trusted caller with the right external id, and they expire', async () => {
    const vendor = double.addUser({ name: 'vendor' });
    const role = double.addRole({ trusted: [vendor.accessKeyId] });
    const sts = new STSClient({ region: double.region, endpoint: double.stsEndpoint, credentials: vendor, maxAttempts: 1 });
    clients.push(sts);
    const assume = (externalId: string, client = sts) =>
      client.send(new AssumeRoleCommand({ RoleArn: role.roleArn, ExternalId: externalId, RoleSessionName: 'cmk-tsp-test' }));

    expect(await awsError(assume('wrong-external-id'))).toEqual({ name: 'AccessDenied', status: 403 });
    const untrusted = new STSClient({ region: double.region, endpoint: double.stsEndpoint, credentials: user, maxAttempts: 1 });
    clients.push(untrusted);
    expect(await awsError(assume(role.externalId, untrusted))).toEqual({ name: 'AccessDenied', status: 403 });

    const { Credentials } = await assume(role.externalId);
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    const temporary = { accessKeyId: Credentials?.AccessKeyId ?? '', secretAccessKey: Credentials?.SecretAccessKey ?? '', sessionToken: Credentials?.SessionToken ?? '' };
    await kmsClient(temporary).send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext }));
    expect(double.calls.at(-1)).toMatchObject({ service: 'kms', target: 'Encrypt', principal: role.roleArn, status: 200 });

    const { sessionToken: _token, ...withoutToken } = temporary;
    expect(await awsError(kmsClient(withoutToken).send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext })))).toMatchObject({ name: 'UnrecognizedClientException' });
    double.expireSessions();
    expect(await awsError(kmsClient(temporary).send(new EncryptCommand({ KeyId: key.keyArn, Plaintext: plaintext })))).toMatchObject({ name: 'ExpiredTokenException' });
  });
});
