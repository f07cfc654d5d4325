// The Azure Key Vault driver: wraps and unwraps DEKs with RSA-OAEP-256 on the
// tenant's RSA key (vault or managed HSM) through @azure/keyvault-keys,
// signed in as the configuration's Entra app with @azure/identity. The EDEK
// records the key version that wrapped it, so EDEKs keep unwrapping after the
// tenant rotates its key, and the wrapped plaintext carries a digest of the
// tenant id (and of the binding's context pairs, if any), since Key Vault's
// wrap has no AAD (azure-key-vault-envelope.ts).
// One keep-alive agent for the vault (trusting the configuration's CA, if
// any, for it alone) and one for Entra; the SDKs' retries are off and this
// driver retries throttling itself, within each call's deadline. The app signs
// in with its client secret or its certificate, as the configuration says.
import { type ConnectionOptions, connect } from 'node:tls';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';

import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { CryptographyClient, KeyClient, type KeyVaultKey } from '@azure/keyvault-keys';

import { type TAzureKeyVaultSettings, ZAzureKeyVaultSettings } from '@/lib/schemas/providers/azure-key-vault';

import { withRetries } from './azure-key-vault-calls';
import { endpointLimit } from './concurrency-limit';
import { bindKey, decodeEnvelope, encodeEnvelope, openKeyBinding } from './azure-key-vault-envelope';
import { checkBinding } from './binding';
import { mapAzureError } from './azure-key-vault-errors';
import { DEFAULT_TIMEOUT_MS, withDeadline } from './deadline';
import { keepAliveOptions } from './keep-alive';
import { defineKmsDriver, KmsError, type TKmsBinding, type TKmsDriver, type TKmsDriverOptions } from './types';

/** RSA-OAEP with SHA-256 (JWA "RSA-OAEP-256"): the only algorithm this driver wraps or unwraps with. */
const ALGORITHM = 'RSA-OAEP-256';
/** How long wrap keeps using the key version it last looked up; a rotation is picked up within this time. */
const CURRENT_VERSION_TTL_MS = 30_000;
const MAX_IN_FLIGHT = 16;
const RETRY = { attempts: 3, baseMs: 50, capMs: 1000 };
const MAX_CLIENTS = 32;

/** The Entra authority of the vault's cloud (learn.microsoft.com/entra/identity-platform/authentication-national-cloud). */
function defaultAuthorityHost(vaultHost: string): string {
  if (/\.(vault|managedhsm)\.azure\.cn$/.test(vaultHost)) return 'https://login.chinacloudapi.cn';
  if (/\.(vault|managedhsm)\.usgovcloudapi\.net$/.test(vaultHost)) return 'https://login.microsoftonline.us';
  return 'https://login.microsoftonline.com';
}

/**
 * A keep-alive agent; with `connectTo`, every connection goes to that host:port while TLS still verifies the request's host name.
 * Exported for bench/tsp-wrap.ts, whose direct Key Vault calls use the same agent as the driver.
 */
export function vaultAgent(ca: string | undefined, connectTo: string | undefined): HttpsAgent {
  const options: AgentOptions = { ...keepAliveOptions(), ...(ca ? { ca } : {}) };
  if (!connectTo) return new HttpsAgent(options);
  const at = connectTo.lastIndexOf(':');
  const host = connectTo.slice(0, at);
  const port = Number(connectTo.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new KmsError('kms_config_invalid', 'The Azure vault connect-to address must be host:port.');
  class ConnectToAgent extends HttpsAgent {
    // Node's Agent uses the returned socket; the callback form is not needed.
    override createConnection(connection: ConnectionOptions): Duplex {
      const servername = connection.servername ?? connection.host ?? undefined;
      return connect({ ...connection, host, port, ...(servername ? { servername } : {}) });
    }
  }
  return new ConnectToAgent(options);
}

/** A keep-alive agent for Entra that remembers its last connection failure for a few seconds (MSAL hides it). */
function authorityAgentRecordingFailures(ca: string | undefined): { agent: HttpsAgent; recentFailure(): string | undefined } {
  let failure: { code: string; at: number } | undefined;
  class RecordingAgent extends HttpsAgent {
    override createConnection(connection: ConnectionOptions): Duplex {
      const socket = connect(connection);
      socket.once('error', (error: NodeJS.ErrnoException) => void (failure = { code: /^[A-Z_]{2,40}$/.test(error.code ?? '') ? (error.code ?? '') : 'network error', at: Date.now() }));
      socket.once('secureConnect', () => void (failure = undefined));
      return socket;
    }
  }
  const agent = new RecordingAgent({ ...keepAliveOptions(), ...(ca ? { ca } : {}) });
  return { agent, recentFailure: () => (failure && Date.now() - failure.at < 10_000 ? failure.code : undefined) };
}

function createAzureKeyVaultDriver(settings: TAzureKeyVaultSettings, options: TKmsDriverOptions): TKmsDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const azure = options.azure ?? {};
  const vaultUrl = new URL(settings.vaultUrl).origin;
  const vaultAgentInstance = vaultAgent(settings.caCertificate, azure.vaultConnectTo);
  const authority = authorityAgentRecordingFailures(azure.authorityCaCertificate);
  const authorityAgent = authority.agent;
  // maxRetries 0: this driver retries (withRetries), with full jitter and within the deadline.
  const noRetries = { maxRetries: 0 };
  const credentialOptions = {
    authorityHost: azure.authorityHost ?? defaultAuthorityHost(new URL(vaultUrl).hostname),
    // Instance discovery asks login.microsoftonline.com about the authority; a private authority is not listed there.
    ...(azure.authorityHost ? { disableInstanceDiscovery: true } : {}),
    agent: authorityAgent,
    retryOptions: noRetries,
  };
  let credential: TokenCredential;
  if (settings.authMethod === 'client-certificate') {
    if (!settings.clientCertificate) throw new KmsError('kms_config_invalid', 'The Azure Key Vault configuration has no certificate to sign in with.');
    // MSAL signs a client assertion (a JWT naming the certificate's thumbprint) with the private key; Entra checks it against the uploaded certificate.
    credential = new ClientCertificateCredential(settings.tenantId, settings.clientId, { certificate: settings.clientCertificate }, credentialOptions);
  } else {
    if (!settings.clientSecret) throw new KmsError('kms_config_invalid', 'The Azure Key Vault configuration has no client secret.');
    credential = new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, credentialOptions);
  }
  const pipeline = { agent: vaultAgentInstance, retryOptions: noRetries };
  const keys = new KeyClient(vaultUrl, credential, pipeline);
  const clients = new Map<string, CryptographyClient>();
  // Per vault, shared by every configuration of this proxy that names it.
  const limit = endpointLimit(options, new URL(vaultUrl).origin, 'Azure Key Vault', MAX_IN_FLIGHT);
  let current: { key: KeyVaultKey; until: number } | undefined;
  let closed = false;

  /** One CryptographyClient per key version (each keeps its fetched key bundle and its bearer challenge). */
  function clientFor(version: string, key?: KeyVaultKey): CryptographyClient {
    let client = clients.get(version);
    if (!client) {
      if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value ?? '');
      client = new CryptographyClient(key ?? `${vaultUrl}/keys/${settings.keyName}/${version}`, credential, pipeline);
      clients.set(version, client);
    }
    return client;
  }

  /** The version wrap uses: the pinned one, or the key's current version, looked up at most every CURRENT_VERSION_TTL_MS. */
  async function wrapKeyVersion(abortSignal: AbortSignal): Promise<{ version: string; client: CryptographyClient }> {
    if (!current || Date.now() >= current.until) {
      const key = await keys.getKey(settings.keyName, { abortSignal, ...(settings.keyVersion ? { version: settings.keyVersion } : {}) });
      current = { key, until: Date.now() + CURRENT_VERSION_TTL_MS };
    }
    const { key } = current;
    // Key Vault may accept a wrap with a disabled key (a public-key operation) that it would then refuse to unwrap.
    if (key.properties.enabled === false) throw new KmsError('kms_unauthorized', 'Azure Key Vault refused: the key version is disabled (KeyDisabled).');
    const version = key.properties.version;
    if (!version) throw new KmsError('kms_wrap_failed', 'Azure Key Vault answered without a key version.');
    return { version, client: clientFor(version, key) };
  }

  async function call<T>(operation: 'wrap' | 'unwrap', binding: TKmsBinding, signal: AbortSignal | undefined, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const failed = operation === 'wrap' ? 'kms_wrap_failed' : 'kms_unwrap_failed';
    if (closed) throw new KmsError('kms_unreachable', 'The Azure Key Vault driver is closed.');
    checkBinding(binding, failed);
    const deadlineAt = Date.now() + timeoutMs;
    try {
      return await withDeadline('Azure Key Vault', timeoutMs, signal, (abortSignal) =>
        limit.run(() => withRetries(RETRY, deadlineAt, abortSignal, () => run(abortSignal), (error) => mapAzureError(error, failed, authority.recentFailure())), abortSignal),
      );
    } catch (error) {
      throw mapAzureError(error, failed, authority.recentFailure());
    }
  }

  return {
    provider: 'azure-key-vault',
    wrap(dek, binding, signal) {
      return call('wrap', binding, signal, async (abortSignal) => {
        const { version, client } = await wrapKeyVersion(abortSignal);
        try {
          const answer = await client.wrapKey(ALGORITHM, bindKey(dek, binding), { abortSignal });
          return encodeEnvelope({ keyVersion: version, wrapped: answer.result });
        } catch (error) {
          // The version may have been disabled or deleted since it was looked up: look again next time.
          current = undefined;
          throw error;
        }
      });
    },
    async unwrap(encrypted, binding, signal) {
      const { keyVersion, wrapped } = decodeEnvelope(encrypted);
      return call('unwrap', binding, signal, async (abortSignal) => {
        const answer = await clientFor(keyVersion).unwrapKey(ALGORITHM, wrapped, { abortSignal });
        return openKeyBinding(answer.result, binding);
      });
    },
    close() {
      closed = true;
      clients.clear();
      vaultAgentInstance.destroy();
      authorityAgent.destroy();
    },
  };
}

export const azureKeyVaultDriver = defineKmsDriver({ provider: 'azure-key-vault', schema: ZAzureKeyVaultSettings, create: createAzureKeyVaultDriver });
