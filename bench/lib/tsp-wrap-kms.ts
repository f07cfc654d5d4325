// The KMS side of bench/tsp-wrap.ts, run in the TSP world's process: for each
// KMS benchmarked, its protocol double (lib/testing/kms), a tenant whose
// primary KMS configuration is on it, and the direct calls the TSP rows are
// set beside. "Direct" is the same key, the same credentials and the same
// client as the TSP's driver, with no TSP:
//   aws          @aws-sdk/client-kms Encrypt/Decrypt, the client built as lib/kms/aws-kms.ts builds it, one attempt
//   google       POST {key}:encrypt|:decrypt through the driver's own HTTP layer (createGoogleHttp: its
//                keep-alive agent, CA and socket cap) and token source, the same body (AAD, CRC32C fields)
//   azure        @azure/keyvault-keys CryptographyClient wrapKey/unwrapKey RSA-OAEP-256 of 64 bytes (the
//                driver's DEK ‖ tenant digest), the driver's vault agent, credential type and in-flight cap
//   vault        POST transit/encrypt|decrypt through the driver's createVaultHttp (agent, CA, socket cap,
//                retries) with the same context and associated_data
//   ciphertrust  POST /api/v1/crypto/encrypt|decrypt in GCM with the tenant as AAD, through the driver's
//                createCtmHttp, endpoint limiter and token session
// What the direct calls leave out is the driver's own work above its HTTP
// client: the deadline, the answer checks, the EDEK envelope, error mapping.
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ClientSecretCredential } from '@azure/identity';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';

import { vaultAgent } from '@/lib/kms/azure-key-vault';
import { createConcurrencyLimit } from '@/lib/kms/concurrency-limit';
import { tenantAad } from '@/lib/kms/google-cloud-kms';
import { crc32cField } from '@/lib/kms/google-cloud-kms-crc32c';
import { createGoogleHttp } from '@/lib/kms/google-cloud-kms-http';
import { createTokenSource } from '@/lib/kms/google-cloud-kms-token';
import { createVaultHttp } from '@/lib/kms/hashicorp-vault-transit-http';
import { DECRYPT_PATH, ENCRYPT_PATH } from '@/lib/kms/thales-ciphertrust';
import { createCtmSession } from '@/lib/kms/thales-ciphertrust-auth';
import { createCtmHttp, limiterFor, postWithRetries } from '@/lib/kms/thales-ciphertrust-http';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import { ZAzureKeyVaultSettings } from '@/lib/schemas/providers/azure-key-vault';
import { ZGoogleCloudKmsSettings } from '@/lib/schemas/providers/google-cloud-kms';
import { ZHashicorpVaultTransitSettings } from '@/lib/schemas/providers/hashicorp-vault-transit';
import { ZThalesCipherTrustSettings } from '@/lib/schemas/providers/thales-ciphertrust';
import { createTenant, publishState, sealTestConfig, type TTestDeployment, type TTestTenant } from '@/lib/testing/bundle-factory';
import { startAzureKeyVaultDouble } from '@/lib/testing/kms/azure-key-vault-double';
import { startCipherTrustDouble } from '@/lib/testing/kms/ciphertrust-double';
import { startGoogleKmsDouble } from '@/lib/testing/kms/google-kms-double';
import { startVaultDouble } from '@/lib/testing/kms/vault-double';
import type { TTspWorld } from '@/lib/testing/tsp-world';

import { POOL, type TBenchKms } from './tsp-wrap-options';

/** Per direct call, as long as the drivers would never wait (the world's drivers have 2 s): a stuck call is an error row, not a hang. */
const TIMEOUT_MS = 10_000;

export type TDirectCalls = { wrap(): Promise<unknown>; unwrap(i: number): Promise<unknown>; close(): void };

/** A KMS double started before the world: the driver options the TSP needs for it and the tenant it adds. */
export type TKmsSide = {
  kms: TBenchKms;
  tenantId: string;
  kmsOptions: Omit<TKmsDriverOptions, 'aws'>;
  addTenant(deployment: TTestDeployment): Promise<TTestTenant>;
  direct(): Promise<TDirectCalls>;
  stop(): Promise<void>;
};

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

/** Makes the pool with `wrap`, then direct calls whose unwrap takes the pool's i-th ciphertext. */
async function pooled<T>(wrap: () => Promise<T>, unwrap: (sealed: T) => Promise<unknown>, close: () => void): Promise<TDirectCalls> {
  const pool: T[] = [];
  for (let i = 0; i < POOL; i++) pool.push(await wrap());
  return { wrap, unwrap: (i) => unwrap(pool[i % POOL] as T), close };
}

function side(kms: TBenchKms, provider: string, settings: Record<string, unknown>, rest: Omit<TKmsSide, 'kms' | 'tenantId' | 'addTenant'>): TKmsSide {
  const tenantId = `bench-${kms}`;
  return {
    kms,
    tenantId,
    async addTenant(deployment) {
      const tenant = await createTenant(tenantId, [deployment]);
      await sealTestConfig(tenant, { provider, settings, primary: true });
      await publishState(tenant);
      return tenant;
    },
    ...rest,
  };
}

async function startGoogle(): Promise<TKmsSide> {
  const google = await startGoogleKmsDouble();
  const account = google.createServiceAccount('cmk-bench');
  const key = google.createKey({ ring: 'bench', id: 'documents', members: [account.email] });
  const raw = google.settings(key, account);
  const options = google.driverOptions().google ?? {};
  return side('google', 'google-cloud-kms', raw, {
    kmsOptions: { google: options },
    async direct() {
      const settings = ZGoogleCloudKmsSettings.parse(raw);
      // As the driver builds them (DEFAULT_MAX_CONCURRENCY sockets); the token is fetched once and cached.
      const http = createGoogleHttp({ ca: options.ca ?? [], maxSockets: 16 });
      const tokens = createTokenSource(settings.serviceAccountKey, new URL(options.tokenUrl ?? ''), http, TIMEOUT_MS);
      const aad = tenantAad('bench-google');
      const call = async (operation: 'encrypt' | 'decrypt', payload: Record<string, string>) => {
        const headers = { authorization: `Bearer ${await tokens.get()}`, 'content-type': 'application/json', accept: 'application/json' };
        const answer = await http.post(new URL(`/v1/${settings.cryptoKeyName}:${operation}`, options.endpoint), headers, JSON.stringify(payload), AbortSignal.timeout(TIMEOUT_MS));
        if (answer.status !== 200) throw new Error(`Cloud KMS ${operation}: HTTP ${answer.status}`);
        return JSON.parse(answer.body.toString('utf8')) as { ciphertext?: string; plaintext?: string };
      };
      const aadFields = { additionalAuthenticatedData: b64(aad), additionalAuthenticatedDataCrc32c: crc32cField(aad) };
      const wrap = async () => {
        const dek = randomBytes(32);
        return Buffer.from((await call('encrypt', { plaintext: b64(dek), plaintextCrc32c: crc32cField(dek), ...aadFields })).ciphertext ?? '', 'base64');
      };
      const unwrap = (ciphertext: Buffer) => call('decrypt', { ciphertext: b64(ciphertext), ciphertextCrc32c: crc32cField(ciphertext), ...aadFields });
      return pooled(wrap, unwrap, () => http.close());
    },
    stop: () => google.stop(),
  });
}

async function startAzure(): Promise<TKmsSide> {
  const azure = await startAzureKeyVaultDouble();
  const app = azure.createApp();
  const vault = azure.createVault('bench-cmk');
  const key = azure.createKey(vault, 'tsp-wrapping-key', [app.clientId]);
  const raw = azure.settings(vault, key, app);
  const options = azure.driverOptions().azure ?? {};
  return side('azure', 'azure-key-vault', raw, {
    kmsOptions: { azure: options },
    async direct() {
      const settings = ZAzureKeyVaultSettings.parse(raw);
      const agent = vaultAgent(settings.caCertificate, options.vaultConnectTo);
      const authorityAgent = new HttpsAgent({ keepAlive: true, ca: options.authorityCaCertificate });
      const noRetries = { maxRetries: 0 };
      const credential = new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret ?? '', {
        authorityHost: options.authorityHost ?? '',
        disableInstanceDiscovery: true,
        agent: authorityAgent,
        retryOptions: noRetries,
      });
      const pipeline = { agent, retryOptions: noRetries };
      const vaultUrl = new URL(settings.vaultUrl).origin;
      const client = new CryptographyClient(await new KeyClient(vaultUrl, credential, pipeline).getKey(settings.keyName), credential, pipeline);
      // The driver's cap on calls in flight (MAX_IN_FLIGHT): the SDK itself has none.
      const limit = createConcurrencyLimit('Azure Key Vault', 16);
      const wrap = async () => (await limit.run(() => client.wrapKey('RSA-OAEP-256', randomBytes(64), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) }))).result;
      const unwrap = (wrapped: Uint8Array) => limit.run(() => client.unwrapKey('RSA-OAEP-256', wrapped, { abortSignal: AbortSignal.timeout(TIMEOUT_MS) }));
      return pooled(wrap, unwrap, () => {
        agent.destroy();
        authorityAgent.destroy();
      });
    },
    stop: () => azure.stop(),
  });
}

async function startVault(): Promise<TKmsSide> {
  const vault = await startVaultDouble();
  const key = vault.createKey({ name: 'bench' });
  const raw = vault.settings(key, vault.createToken());
  return side('vault', 'hashicorp-vault-transit', raw, {
    kmsOptions: {},
    async direct() {
      const settings = ZHashicorpVaultTransitSettings.parse(raw);
      const http = createVaultHttp({ address: settings.address, ...(settings.namespace ? { namespace: settings.namespace } : {}), ...(settings.caCertificate ? { caPem: settings.caCertificate } : {}) });
      const bound = { context: b64('bench-vault'), associated_data: b64('bench-vault') };
      const call = async (operation: 'encrypt' | 'decrypt', body: Record<string, string>) => {
        const path = `${settings.mountPath}/${operation}/${encodeURIComponent(settings.keyName)}`;
        const answer = await http.call({ method: 'POST', path, token: settings.token ?? '', body: { ...body, ...bound } }, AbortSignal.timeout(TIMEOUT_MS));
        return (answer.data ?? {}) as { ciphertext?: string; plaintext?: string };
      };
      const wrap = async () => (await call('encrypt', { plaintext: b64(randomBytes(32)) })).ciphertext ?? '';
      const unwrap = (ciphertext: string) => call('decrypt', { ciphertext });
      return pooled(wrap, unwrap, () => http.close());
    },
    stop: () => vault.stop(),
  });
}

async function startCipherTrust(): Promise<TKmsSide> {
  const ctm = await startCipherTrustDouble();
  const user = ctm.addUser({ username: 'cmk-bench' });
  const key = ctm.createKey({ name: 'bench-cmk' });
  const raw = ctm.settings(key, user);
  return side('ciphertrust', 'thales-ciphertrust', raw, {
    kmsOptions: {},
    async direct() {
      const settings = ZThalesCipherTrustSettings.parse(raw);
      const http = createCtmHttp(settings.url, settings.caCertificate);
      // Its own limiter (MAX_IN_FLIGHT), as one TSP's drivers share theirs.
      const limiter = limiterFor({}, new URL(settings.url).origin);
      const session = createCtmSession(settings, http, limiter, TIMEOUT_MS);
      const aad = b64('bench-ciphertrust');
      const call = async (path: string, body: Record<string, unknown>) => {
        const answer = await postWithRetries(http, limiter, { path, body: { id: settings.keyId, mode: 'gcm', aad, ...body }, bearer: await session.token() }, AbortSignal.timeout(TIMEOUT_MS));
        if (answer.status !== 200) throw new Error(`CipherTrust ${path}: HTTP ${answer.status}`);
        return answer.body as Record<string, unknown>;
      };
      const wrap = async () => {
        const { ciphertext, tag, iv, version } = await call(ENCRYPT_PATH, { plaintext: b64(randomBytes(32)) });
        return { ciphertext, tag, iv, version };
      };
      return pooled(wrap, (sealed) => call(DECRYPT_PATH, sealed), () => http.close());
    },
    stop: () => ctm.stop(),
  });
}

/** The doubles of the KMSs other than AWS (whose double every TSP world has), started before the world. */
export function startKmsSides(list: readonly TBenchKms[]): Promise<TKmsSide[]> {
  const start = { google: startGoogle, azure: startAzure, vault: startVault, ciphertrust: startCipherTrust };
  return Promise.all(list.filter((kms) => kms !== 'aws').map((kms) => start[kms as Exclude<TBenchKms, 'aws'>]()));
}

/** Direct AWS KMS calls for a world tenant, with the SDK client built as the TSP's AWS driver builds it, but one attempt: a retry would hide an error. */
export async function awsDirect(world: TTspWorld, tenant: 'quiet' | 'acme'): Promise<TDirectCalls> {
  const settings = world.kmsConfig[tenant]?.settings as { keyArn: string; region: string; accessKeyId: string; secretAccessKey: string };
  const kms = new KMSClient({
    region: settings.region,
    endpoint: world.kms.url,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true }), requestTimeout: TIMEOUT_MS },
  });
  const context = { tenantId: tenant };
  const wrap = async () => (await kms.send(new EncryptCommand({ KeyId: settings.keyArn, Plaintext: randomBytes(32), EncryptionContext: context }))).CiphertextBlob as Uint8Array;
  const unwrap = (blob: Uint8Array) => kms.send(new DecryptCommand({ KeyId: settings.keyArn, CiphertextBlob: blob, EncryptionContext: context }));
  return pooled(wrap, unwrap, () => kms.destroy());
}
