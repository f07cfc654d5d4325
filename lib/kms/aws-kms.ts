// The AWS KMS driver: wraps and unwraps DEKs with Encrypt/Decrypt on the
// tenant's customer managed key, binding each ciphertext to the tenant through
// the encryption context { tenantId }, plus the binding's context pairs if
// any (binding.ts: { tenantId, secretPath, tenantSecretId } for a tenant
// secret). Signs in with the configuration's
// access keys, or assumes its role with the external id using the vendor's own
// credentials. One KMS client per driver, since it signs with that
// configuration's credentials and nothing else; what carries no configuration
// is kept once per proxy (keep-alive.ts): the http/https agents, and the STS
// client, which signs AssumeRole with the vendor's own credentials (each
// driver still caches its own role session), and the HTTP handler, which reads
// each answer whole before the SDK parses it (aws-http-handler.ts). Few retries, a per-call
// deadline, a concurrency limit per configuration; every failure leaves as a KmsError.
// The role session and the limit live in the configuration's memo (TKmsDriverMemo),
// so a driver the TSP closed for room and made again keeps both.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';

import { type TAwsKmsSettings, ZAwsKmsSettings } from '@/lib/schemas/providers/aws-kms';

import { BufferedBodyHttpHandler } from './aws-http-handler';
import { assumeRoleCredentials, sanitizeRoleSessionName, type TAwsCredentials } from './aws-kms-credentials';
import { mapAwsError } from './aws-kms-errors';
import { bindingRecord } from './binding';
import { createConcurrencyLimit } from './concurrency-limit';
import { DEFAULT_TIMEOUT_MS, withDeadline } from './deadline';
import { keepAliveOptions, sharedResource } from './keep-alive';
import { defineKmsDriver, KmsError, type TKmsBinding, type TKmsDriver, type TKmsDriverMemo, type TKmsDriverOptions } from './types';

/** Two attempts: one retry absorbs a dropped keep-alive socket or a brief throttle and still answers within the deadline. */
const MAX_ATTEMPTS = 2;
/** Calls in flight per configuration by default (64 at 20 ms a call is 3 200 calls/s); more wait their turn within their deadline. */
const MAX_IN_FLIGHT = 64;

type TOperation = 'wrap' | 'unwrap';

function signInWith(settings: TAwsKmsSettings, options: TKmsDriverOptions, sts: () => STSClient, timeoutMs: number): TAwsCredentials | (() => Promise<TAwsCredentials>) {
  if (settings.authMethod === 'access-keys') {
    if (!settings.accessKeyId || !settings.secretAccessKey) throw new KmsError('kms_config_invalid', 'The AWS KMS configuration has no access keys.');
    return { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey };
  }
  if (!settings.roleArn || !settings.externalId) throw new KmsError('kms_config_invalid', 'The AWS KMS configuration has no role ARN and external id.');
  const role = { roleArn: settings.roleArn, externalId: settings.externalId, roleSessionName: sanitizeRoleSessionName(options.aws?.roleSessionName) };
  return assumeRoleCredentials(sts(), role, timeoutMs);
}

type TAwsMemo = { awsLimit?: ReturnType<typeof createConcurrencyLimit>; awsCredentials?: ReturnType<typeof signInWith> };

function createAwsKmsDriver(settings: TAwsKmsSettings, options: TKmsDriverOptions, memo: TKmsDriverMemo = {}): TKmsDriver {
  const kept = memo as TAwsMemo;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const aws = options.aws ?? {};
  // The regional endpoint is shared by every tenant, so the limit is per configuration: one tenant's slow key or spent quota cannot hold up another's.
  const maxInFlight = aws.maxConcurrency ?? MAX_IN_FLIGHT;
  const limit = (kept.awsLimit ??= createConcurrencyLimit('AWS KMS', maxInFlight));
  // One pair of agents per proxy, without a socket cap of their own: the limit above is what bounds a
  // configuration's sockets, so a tenant at its limit never queues another tenant's call inside an agent.
  // With them, one HTTP handler per proxy and deadline (aws-http-handler.ts: each answer read into a Buffer, which
  // spares the collector most of a call's garbage). Each attempt is bounded too, so a retry still fits in the
  // call's deadline when the first attempt hangs.
  const requestHandler = sharedResource(
    options,
    `aws:handler:${timeoutMs}`,
    () => {
      const agents = sharedResource(
        options,
        'aws:agents',
        () => ({ httpAgent: new HttpAgent(keepAliveOptions()), httpsAgent: new HttpsAgent(keepAliveOptions()) }),
        (made) => {
          made.httpAgent.destroy();
          made.httpsAgent.destroy();
        },
      );
      return new BufferedBodyHttpHandler({ ...agents, connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true });
    },
    // Its sockets are the agents', which their own entry destroys.
    () => undefined,
  );
  const common = { region: settings.region, maxAttempts: MAX_ATTEMPTS, requestHandler };

  // The vendor's credentials sign every AssumeRole, so one STS client per region serves every configuration.
  const stsClient = () =>
    sharedResource(
      options,
      `aws:sts:${settings.region}`,
      () =>
        new STSClient({
          ...common,
          ...(aws.endpoints?.sts ? { endpoint: aws.endpoints.sts } : {}),
          // Absent vendor credentials, the SDK's default chain (environment, profile, instance or task role) signs AssumeRole.
          ...(aws.vendorCredentials ? { credentials: { ...aws.vendorCredentials } } : {}),
        }),
      (sts) => sts.destroy(),
    );
  const kms = new KMSClient({
    ...common,
    ...(aws.endpoints?.kms ? { endpoint: aws.endpoints.kms } : {}),
    credentials: (kept.awsCredentials ??= signInWith(settings, options, stsClient, timeoutMs)),
  });
  let closed = false;

  async function call<T>(
    operation: TOperation,
    binding: TKmsBinding,
    signal: AbortSignal | undefined,
    send: (abortSignal: AbortSignal, context: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    const failed = operation === 'wrap' ? 'kms_wrap_failed' : 'kms_unwrap_failed';
    if (closed) throw new KmsError('kms_unreachable', 'The AWS KMS driver is closed.');
    // KMS compares the whole map at Decrypt: a changed, missing or extra pair → InvalidCiphertextException.
    const context = bindingRecord(binding, failed);
    try {
      return await withDeadline('AWS KMS', timeoutMs, signal, (deadline) => limit.run(() => send(deadline, context), deadline));
    } catch (error) {
      throw mapAwsError(error, 'kms', failed);
    }
  }

  return {
    provider: 'aws-kms',
    async wrap(dek, binding, signal) {
      const answer = await call('wrap', binding, signal, (abortSignal, context) =>
        kms.send(new EncryptCommand({ KeyId: settings.keyArn, Plaintext: dek, EncryptionContext: context }), { abortSignal }),
      );
      if (!answer.CiphertextBlob?.length) throw new KmsError('kms_wrap_failed', 'AWS KMS answered Encrypt without a ciphertext.');
      return answer.CiphertextBlob;
    },
    async unwrap(encrypted, binding, signal) {
      // KeyId makes KMS refuse a ciphertext of any other key (IncorrectKeyException), even one this principal may use.
      const answer = await call('unwrap', binding, signal, (abortSignal, context) =>
        kms.send(new DecryptCommand({ KeyId: settings.keyArn, CiphertextBlob: encrypted, EncryptionContext: context }), { abortSignal }),
      );
      if (!answer.Plaintext?.length) throw new KmsError('kms_unwrap_failed', 'AWS KMS answered Decrypt without a plaintext.');
      return answer.Plaintext;
    },
    close() {
      // Not kms.destroy(): it would destroy the proxy's shared agents. The client holds nothing else;
      // its sockets are the agents', and idle ones close on their own.
      closed = true;
    },
  };
}

export const awsKmsDriver = defineKmsDriver({ provider: 'aws-kms', schema: ZAwsKmsSettings, create: createAwsKmsDriver });
