import 'server-only';
// The demo's stand-ins for the other four KMS: a Google Cloud KMS double, an
// Azure Key Vault (and Entra ID) double, a HashiCorp Vault double and a Thales
// CipherTrust Manager double on localhost — PROTOCOL DOUBLES, NOT THOSE
// PRODUCTS. They speak the real wire protocols over TLS from the demo CA, so
// the demo's TSP runs its real drivers unchanged. One demo tenant has each as
// its primary KMS (seed.ts), and acme's Vault configuration (its DR key)
// points at the Vault double too. Their keys, credentials and ports are made
// once, at seeding, and kept in DATA_DIR/demo/doubles.json beside the AWS
// ones, so that documents encrypted in one run still decrypt in the next.
// Vault and CipherTrust are trusted through their configurations' CA
// certificate field; Google and Azure through the TSP settings this module
// writes into tsp.env (TSP_GOOGLE_*, TSP_AZURE_*).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { startAzureKeyVaultDouble } from '@/lib/testing/kms/azure-key-vault-double';
import { startCipherTrustDouble } from '@/lib/testing/kms/ciphertrust-double';
import { startGoogleKmsDouble } from '@/lib/testing/kms/google-kms-double';
import { makeServiceAccountKeyFile } from '@/lib/testing/kms/google-kms-double-state';
import { startVaultDouble } from '@/lib/testing/kms/vault-double';
import type { TTestTls } from '@/lib/testing/tls';

const GOOGLE_PROJECT = 'globex-demo';
const GOOGLE_KEY = `projects/${GOOGLE_PROJECT}/locations/europe-west1/keyRings/cmk/cryptoKeys/globex-tsp`;

/** Names the demo CA's server certificate must carry (beside 127.0.0.1) for these doubles. */
export const KMS_DOUBLE_DNS_NAMES = ['*.vault.azure.net', 'localhost'];

export type TDemoKmsDoublesSpec = {
  /** The demo CA and the doubles' certificate (the Splunk double's too). */
  tls: TTestTls;
  google: { port: number; material: string; keyFile: Record<string, string> };
  azure: { port: number; directoryId: string; vaultName: string; keyName: string; version: string; privateKeyPem: string; created: number; clientId: string; clientSecret: string };
  vault: { port: number; drKey: string; token: string; key: string; roleId: string; secretId: string };
  ciphertrust: { port: number; keyName: string; material: string; username: string; password: string };
};

const aesKey = () => randomBytes(32).toString('base64');

/** Makes the four doubles' keys, credentials and ports (once, at seeding). */
export async function createDemoKmsDoublesSpec(tls: TTestTls, freePort: () => Promise<number>): Promise<TDemoKmsDoublesSpec> {
  const azureKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    tls,
    google: { port: await freePort(), material: aesKey(), keyFile: makeServiceAccountKeyFile(GOOGLE_PROJECT, 'cmk-proxy', 1).keyFile },
    azure: {
      port: await freePort(),
      directoryId: randomUUID(),
      vaultName: 'initech-demo',
      keyName: 'initech-tsp',
      version: randomBytes(16).toString('hex'),
      privateKeyPem: azureKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      created: Math.floor(Date.now() / 1000),
      clientId: randomUUID(),
      clientSecret: `Dm8Q~${randomBytes(24).toString('base64url')}`,
    },
    vault: { port: await freePort(), drKey: aesKey(), token: `hvs.${randomBytes(24).toString('base64url')}`, key: aesKey(), roleId: randomUUID(), secretId: randomUUID() },
    ciphertrust: { port: await freePort(), keyName: 'umbrella-tsp', material: aesKey(), username: 'cmk-proxy', password: randomBytes(18).toString('base64url') },
  };
}

/** Configuration settings per tenant and provider that point at these doubles. */
export function demoKmsDoubleSettings(spec: TDemoKmsDoublesSpec): Record<string, Record<string, Record<string, unknown>>> {
  const ca = spec.tls.caPem;
  const vault = { address: `https://127.0.0.1:${spec.vault.port}`, mountPath: 'transit', caCertificate: ca };
  return {
    acme: { 'hashicorp-vault-transit': { ...vault, keyName: 'acme-dr', authMethod: 'token', token: spec.vault.token } },
    globex: { 'google-cloud-kms': { cryptoKeyName: GOOGLE_KEY, serviceAccountKey: spec.google.keyFile } },
    initech: {
      'azure-key-vault': {
        vaultUrl: `https://${spec.azure.vaultName}.vault.azure.net`,
        keyName: spec.azure.keyName,
        tenantId: spec.azure.directoryId,
        clientId: spec.azure.clientId,
        authMethod: 'client-secret',
        clientSecret: spec.azure.clientSecret,
        caCertificate: ca,
      },
    },
    hooli: { 'hashicorp-vault-transit': { ...vault, keyName: 'hooli-tsp', authMethod: 'approle', roleId: spec.vault.roleId, secretId: spec.vault.secretId } },
    umbrella: {
      'thales-ciphertrust': {
        url: `https://127.0.0.1:${spec.ciphertrust.port}`,
        keyId: spec.ciphertrust.keyName,
        username: spec.ciphertrust.username,
        password: spec.ciphertrust.password,
        authDomain: 'root',
        connection: 'local_account',
        caCertificate: ca,
      },
    },
  };
}

/** The tsp.env lines that point the Google and Azure drivers at their doubles (Vault and CipherTrust need none). */
export function demoKmsTspEnv(spec: TDemoKmsDoublesSpec, caFile: string): string[] {
  return [
    '# Google Cloud KMS and Azure Key Vault of the demo: local PROTOCOL DOUBLES started by the demo broker, not Google and not Azure.',
    `TSP_GOOGLE_KMS_ENDPOINT=https://127.0.0.1:${spec.google.port}`,
    `TSP_GOOGLE_TOKEN_URL=https://127.0.0.1:${spec.google.port}/token`,
    `TSP_GOOGLE_CA_FILE=${caFile}`,
    `TSP_AZURE_AUTHORITY_HOST=https://localhost:${spec.azure.port}`,
    `TSP_AZURE_AUTHORITY_CA_FILE=${caFile}`,
    `TSP_AZURE_VAULT_CONNECT_TO=127.0.0.1:${spec.azure.port}`,
  ];
}

export type TDemoKmsDoubles = { urls: { google: string; azure: string; vault: string; ciphertrust: string }; stop(): Promise<void> };

/** Starts the four doubles with the seeded keys and credentials; stops what started when one cannot. */
export async function startDemoKmsDoubles(spec: TDemoKmsDoublesSpec): Promise<TDemoKmsDoubles> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => void (await Promise.all(stops.map((s) => s())));
  try {
    const google = await startGoogleKmsDouble({ projectId: GOOGLE_PROJECT, port: spec.google.port, tls: spec.tls, serviceAccountKeys: [spec.google.keyFile] });
    stops.push(google.stop);
    google.createKey({ ring: 'cmk', id: 'globex-tsp', location: 'europe-west1', members: [spec.google.keyFile.client_email ?? ''], material: Buffer.from(spec.google.material, 'base64') });

    const azure = await startAzureKeyVaultDouble({ port: spec.azure.port, tls: spec.tls, directoryId: spec.azure.directoryId });
    stops.push(azure.stop);
    const app = azure.createApp({ clientId: spec.azure.clientId, clientSecret: spec.azure.clientSecret });
    azure.createKey(azure.createVault(spec.azure.vaultName), spec.azure.keyName, [app.clientId], [spec.azure]);

    const vault = await startVaultDouble({
      port: spec.vault.port,
      tls: spec.tls,
      keys: [
        { name: 'acme-dr', versions: [Buffer.from(spec.vault.drKey, 'base64')] },
        { name: 'hooli-tsp', versions: [Buffer.from(spec.vault.key, 'base64')] },
      ],
      tokens: [{ token: spec.vault.token }],
      appRoles: [{ roleId: spec.vault.roleId, secretId: spec.vault.secretId }],
    });
    stops.push(vault.stop);

    const ciphertrust = await startCipherTrustDouble({ port: spec.ciphertrust.port, tls: spec.tls });
    stops.push(ciphertrust.stop);
    ciphertrust.addUser({ username: spec.ciphertrust.username, password: spec.ciphertrust.password });
    ciphertrust.createKey({ name: spec.ciphertrust.keyName, allow: [spec.ciphertrust.username], material: Buffer.from(spec.ciphertrust.material, 'base64') });

    return { urls: { google: google.url, azure: azure.authorityHost, vault: vault.url, ciphertrust: ciphertrust.url }, stop };
  } catch (error) {
    await stop();
    const ports = [spec.google.port, spec.azure.port, spec.vault.port, spec.ciphertrust.port].join(', ');
    throw new Error(`The demo's Google, Azure, Vault and CipherTrust doubles cannot listen on ports ${ports} (${(error as Error).message}); free them or start with a new DATA_DIR.`);
  }
}
