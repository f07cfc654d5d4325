// A protocol double of Azure Key Vault and Microsoft Entra ID for tests, the
// demo and benchmarks: it stands in for a cloud that cannot be reached here.
// One local HTTPS server (certificate from the test CA for *.vault.azure.net
// and localhost) answers both the Entra authority (OpenID metadata, client
// credentials with a secret or a certificate assertion) and every vault it
// hosts, told apart by the Host header. The unmodified SDKs reach it through
// the driver's documented overrides only: `authorityHost` for Entra and a
// connect-to address for the vault, so requests still name the real vault
// host, TLS still checks that name, and the bearer challenge's resource check
// runs as in Azure. Keys are real RSA-2048 with versions; a test can rotate,
// disable, deny (403 ForbiddenByRbac), throttle (429 + Retry-After), delay or
// drop connections, and reads a log of calls. Product code never imports this.
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { TKmsDriverOptions } from '@/lib/kms/types';
import { makeTestTls, type TTestTls } from '@/lib/testing/tls';

import { issueToken, makeAppCertificate, openIdConfiguration, type TAadState, type TAzureApp, type TJsonAnswer } from './azure-key-vault-double-aad';
import { handleVault, newKeyVersion, type TVault, type TVaultKey, type TVaultState, vaultError } from './azure-key-vault-double-vault';

export type { TAzureApp, TVault, TVaultKey };

/** A key version with given material (e.g. the demo's, made once), so wrapped keys survive a restart. */
export type TAzureKeyVersionGiven = { version: string; privateKeyPem: string; created: number };

export type TAzureKeyVaultDoubleOptions = {
  /** Default 0: a free port. The demo keeps one, since its TSP settings name it. */
  port?: number;
  tokenLifetimeSeconds?: number;
  /** Default: a certificate for *.vault.azure.net and localhost of this process's test CA; the demo passes its own. */
  tls?: TTestTls;
  /** Default: a new one. */
  directoryId?: string;
};

export type TAzureCall = { kind: 'metadata' | 'token' | 'vault'; method: string; path: string; host: string; status: number; clientId?: string };

export type TAzureKeyVaultDouble = {
  /** https://localhost:<port>: the Entra authority host the driver is pointed at. */
  authorityHost: string;
  /** 127.0.0.1:<port>: where every vault connection goes. */
  connectTo: string;
  /** The test CA that signed the server's certificate (the configuration's caCertificate). */
  caPem: string;
  /** A directory (Entra tenant) that exists from the start. */
  directoryId: string;
  /** An app registration with a client secret, or (certificate: true) with a new RSA certificate credential. */
  createApp(opts?: { directoryId?: string; clientId?: string; clientSecret?: string; certificate?: boolean }): TAzureApp;
  /** A vault <name>.vault.azure.net in a directory (default: directoryId). */
  createVault(name: string, directoryId?: string): TVault;
  /** A key with one version; `users` are the client ids granted Key Vault Crypto User on it. */
  createKey(vault: TVault, name: string, users: string[], versions?: TAzureKeyVersionGiven[]): TVaultKey;
  /** A new current version; older versions keep unwrapping. Returns the new version id. */
  rotateKey(key: TVaultKey): string;
  /** Disables one version (default: every version) of a key. */
  disableKey(key: TVaultKey, version?: string): void;
  enableKey(key: TVaultKey, version?: string): void;
  deleteKey(vault: TVault, name: string): void;
  /** Entra no longer knows this directory (its metadata and token endpoints answer AADSTS90002). */
  forgetDirectory(directoryId: string): void;
  /** Every key refuses this client id (403 ForbiddenByRbac) until allow(). */
  deny(clientId: string): void;
  allow(clientId: string): void;
  /** The next n vault calls answer 429 Throttled with Retry-After (seconds, default 0). */
  throttle(n: number, retryAfterSeconds?: number): void;
  delay(ms: number): void;
  dropConnections(on: boolean): void;
  /** Every token issued so far is no longer accepted (the vault answers 401 with a new challenge). */
  revokeTokens(): void;
  readonly calls: readonly TAzureCall[];
  count(filter?: Partial<TAzureCall>): number;
  resetCalls(): void;
  /** ZAzureKeyVaultSettings for a key and an app (its secret or its certificate); the CA is the test CA. */
  settings(vault: TVault, key: TVaultKey, app: TAzureApp, extra?: { keyVersion?: string }): Record<string, string>;
  /** Driver options pointing the SDKs at this double. */
  driverOptions(timeoutMs?: number): TKmsDriverOptions;
  stop(): Promise<void>;
};

const MAX_BODY = 1 << 20;

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) return undefined;
      chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(res: ServerResponse, answer: TJsonAnswer): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'x-ms-request-id': randomUUID(),
    ...answer.headers,
  });
  res.end(body);
}

export async function startAzureKeyVaultDouble(options: TAzureKeyVaultDoubleOptions = {}): Promise<TAzureKeyVaultDouble> {
  const directoryId = options.directoryId ?? randomUUID();
  const aad: TAadState = { directories: new Set([directoryId]), apps: new Map(), tokens: new Map(), tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599 };
  const state: TVaultState = { aad, vaults: new Map(), denied: new Set(), throttle: 0, retryAfterSeconds: 0 };
  const calls: TAzureCall[] = [];
  let delayMs = 0;
  let dropping = false;
  const tls = options.tls ?? makeTestTls(['*.vault.azure.net', 'localhost']);
  let authorityHost = '';

  async function route(req: IncomingMessage): Promise<{ answer: TJsonAnswer; call: Omit<TAzureCall, 'status'> }> {
    const url = new URL(req.url ?? '/', 'https://double');
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? await readBody(req) : undefined;
    const base = { method, path: url.pathname, host };
    const vault = state.vaults.get(host);
    if (vault) {
      const answer = handleVault(state, authorityHost, vault, {
        method,
        path: url.pathname,
        query: url.searchParams,
        authorization: req.headers.authorization,
        body,
      });
      return { answer, call: { kind: 'vault', ...base, ...(answer.clientId ? { clientId: answer.clientId } : {}) } };
    }
    if (host === 'localhost') {
      const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (metadata && method === 'GET') return { answer: openIdConfiguration(aad, authorityHost, metadata[1] ?? ''), call: { kind: 'metadata', ...base } };
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (token && method === 'POST') {
        const form = new URLSearchParams(body?.toString('utf8') ?? '');
        const answer = await issueToken(aad, authorityHost, token[1] ?? '', form);
        return { answer, call: { kind: 'token', ...base, clientId: form.get('client_id') ?? '' } };
      }
    }
    return { answer: vaultError(404, 'NotFound', 'No such endpoint on this double.'), call: { kind: 'vault', ...base } };
  }

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (delayMs > 0) await sleep(delayMs);
      if (dropping) return void req.socket.destroy();
      const { answer, call } = await route(req);
      calls.push({ ...call, status: answer.status });
      if (res.destroyed) return;
      send(res, answer);
    })().catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  authorityHost = `https://localhost:${port}`;

  const versionsOf = (key: TVaultKey, version?: string) => key.versions.filter((v) => version === undefined || v.version === version);

  return {
    authorityHost,
    connectTo: `127.0.0.1:${port}`,
    caPem: tls.caPem,
    directoryId,
    createApp(opts = {}) {
      const certificate = opts.certificate ? makeAppCertificate() : undefined;
      const app: TAzureApp = {
        directoryId: opts.directoryId ?? directoryId,
        clientId: opts.clientId ?? randomUUID(),
        ...(certificate
          ? { certificatePem: certificate.certificatePem, credentialPem: `${certificate.certificatePem.trim()}\n${certificate.keyPem.trim()}` }
          : { clientSecret: opts.clientSecret ?? `Az8Q~${randomUUID().replace(/-/g, '')}` }),
      };
      aad.directories.add(app.directoryId);
      aad.apps.set(app.clientId, app);
      return app;
    },
    createVault(name, directory = directoryId) {
      const vault: TVault = { host: `${name}.vault.azure.net`, directoryId: directory, keys: new Map() };
      aad.directories.add(directory);
      state.vaults.set(vault.host, vault);
      return vault;
    },
    createKey(vault, name, users, given) {
      const versions = given?.map(({ version, privateKeyPem, created }) => {
        const privateKey = createPrivateKey(privateKeyPem);
        return { version, privateKey, publicKey: createPublicKey(privateKey), enabled: true, created };
      });
      const key: TVaultKey = { name, versions: versions ?? [newKeyVersion()], users: new Set(users) };
      vault.keys.set(name, key);
      return key;
    },
    rotateKey(key) {
      const version = newKeyVersion();
      key.versions.push(version);
      return version.version;
    },
    disableKey: (key, version) => versionsOf(key, version).forEach((v) => void (v.enabled = false)),
    enableKey: (key, version) => versionsOf(key, version).forEach((v) => void (v.enabled = true)),
    deleteKey: (vault, name) => void vault.keys.delete(name),
    forgetDirectory: (directory) => void aad.directories.delete(directory),
    deny: (clientId) => void state.denied.add(clientId),
    allow: (clientId) => void state.denied.delete(clientId),
    throttle(n, retryAfterSeconds = 0) {
      state.throttle = n;
      state.retryAfterSeconds = retryAfterSeconds;
    },
    delay: (ms) => void (delayMs = ms),
    dropConnections: (on) => void (dropping = on),
    revokeTokens: () => aad.tokens.clear(),
    calls,
    count: (filter = {}) => calls.filter((call) => Object.entries(filter).every(([k, v]) => call[k as keyof TAzureCall] === v)).length,
    resetCalls: () => void calls.splice(0),
    settings(vault, key, app, extra = {}) {
      return {
        vaultUrl: `https://${vault.host}`,
        keyName: key.name,
        ...(extra.keyVersion ? { keyVersion: extra.keyVersion } : {}),
        tenantId: app.directoryId,
        clientId: app.clientId,
        ...(app.credentialPem ? { authMethod: 'client-certificate', clientCertificate: app.credentialPem } : { authMethod: 'client-secret', clientSecret: app.clientSecret ?? '' }),
        caCertificate: tls.caPem,
      };
    },
    driverOptions(timeoutMs) {
      return {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        azure: { authorityHost, authorityCaCertificate: tls.caPem, vaultConnectTo: `127.0.0.1:${port}` },
      };
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
