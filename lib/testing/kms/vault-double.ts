// A protocol double of HashiCorp Vault for tests, the demo and benchmarks: it
// stands in for a Vault server that cannot be reached here. One local HTTPS
// server (certificate from the test CA, lib/testing/tls.ts) speaks Vault's
// HTTP API to the unmodified driver: X-Vault-Token and X-Vault-Namespace,
// AppRole login, token TTLs with lookup-self, renew-self and revocation, and
// transit encrypt/decrypt with real AES-256-GCM (./vault-double-transit). It
// answers with Vault's {"errors": [...]} shape and statuses, and a test can
// deny or delete a key, rotate it, raise min_decryption_version, revoke or
// expire tokens, throttle (429), seal (503), lock a namespace, delay, drop
// connections, or play a Vault older than 1.13. Product code never imports this.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { makeTestTls, type TTestTls } from '../tls';
import { faultCount, readJsonBody, startKmsDoubleServer, type TKmsDoubleServer } from './double-server';
import { newTransitKey, type TDoubleTransitKey, transitDecrypt, transitEncrypt, type TTransitAnswer } from './vault-double-transit';

export type { TDoubleTransitKey };

export type TVaultDoubleToken = { token: string; namespace: string; ttlSeconds: number; expiresAt?: number; maxExpiresAt?: number; renewable: boolean; revoked: boolean };
export type TVaultDoubleAppRole = { roleId: string; secretId: string; namespace: string; tokenTtlSeconds: number; tokenMaxTtlSeconds: number; renewable: boolean };
export type TVaultDoubleCall = { path: string; namespace: string; status: number };

export type TVaultDouble = {
  /** https://127.0.0.1:<port>, served with a certificate of the test CA. */
  url: string;
  caPem: string;
  createKey(opts: { name: string; namespace?: string; mount?: string; derived?: boolean }): TDoubleTransitKey;
  /** A new key version; encrypt uses it from now on, older versions still decrypt. */
  rotateKey(name: string, namespace?: string): number;
  setMinDecryptionVersion(name: string, version: number, namespace?: string): void;
  /** Policy denies (or allows again) every token the key's transit paths: 403 permission denied. */
  deny(name: string, namespace?: string): void;
  allow(name: string, namespace?: string): void;
  deleteKey(name: string, namespace?: string): void;
  createToken(opts?: { namespace?: string; ttlSeconds?: number; renewable?: boolean; maxTtlSeconds?: number }): TVaultDoubleToken;
  addAppRole(opts?: { namespace?: string; tokenTtlSeconds?: number; tokenMaxTtlSeconds?: number; renewable?: boolean }): TVaultDoubleAppRole;
  revokeToken(token: string): void;
  /** Every token issued so far is revoked. */
  revokeAllTokens(): void;
  readonly tokens: readonly TVaultDoubleToken[];
  /** Next n requests (true: all, false: none) answer 429. */
  throttle(n: number | boolean): void;
  seal(on: boolean): void;
  lockNamespace(namespace: string, on: boolean): void;
  /** Behave as Vault before 1.13: associated_data is ignored, with a warning. */
  preAssociatedData(on: boolean): void;
  delay(ms: number): void;
  dropConnections(on: boolean): void;
  readonly calls: readonly TVaultDoubleCall[];
  count(path: string | RegExp): number;
  /** The most requests the double held at once. */
  readonly peakConcurrency: number;
  /** ZHashicorpVaultTransitSettings for a key and a token or an AppRole, trusting the test CA. */
  settings(key: TDoubleTransitKey, auth: TVaultDoubleToken | TVaultDoubleAppRole): Record<string, string>;
  stop(): Promise<void>;
};

const fail = (status: number, message: string): TTransitAnswer => ({ status, body: { errors: [message] } });
// Vault's texts: developer.hashicorp.com/vault/api-docs#http-status-codes and the auth and transit backends.
const INVALID_TOKEN = () => fail(403, '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n');
const DENIED = () => fail(403, '1 error occurred:\n\t* permission denied\n\n');

export type TVaultDoubleOptions = {
  /** Default 0: a free port. The demo keeps one, since its sealed configurations name it. */
  port?: number;
  /** Default: a certificate of this process's test CA. The demo passes its own, kept across restarts like the port. */
  tls?: TTestTls;
  /** Keys with given material (versions[0] is v1), e.g. the demo's, so EDEKs survive a restart. */
  keys?: { name: string; namespace?: string; mount?: string; derived?: boolean; versions: Buffer[] }[];
  /** Tokens and AppRoles with given values and no expiry (ttl 0), e.g. the demo's. */
  tokens?: { token: string; namespace?: string }[];
  appRoles?: { roleId: string; secretId: string; namespace?: string }[];
};

export async function startVaultDouble(options: TVaultDoubleOptions = {}): Promise<TVaultDouble> {
  const tls = options.tls ?? makeTestTls(['localhost']);
  const keys = new Map<string, TDoubleTransitKey>();
  const tokens = new Map<string, TVaultDoubleToken>();
  const roles = new Map<string, TVaultDoubleAppRole>();
  const lockedNamespaces = new Set<string>();
  const calls: TVaultDoubleCall[] = [];
  let throttle = 0;
  let sealed = false;
  let oldVault = false;
  const faults = { delayMs: 0, dropConnections: false };
  let inFlight = 0;
  let peak = 0;

  const keyId = (namespace: string, mount: string, name: string) => `${namespace}|${mount}|${name}`;
  const keyOf = (name: string, namespace = '', mount = 'transit') => {
    const key = keys.get(keyId(namespace, mount, name));
    if (!key) throw new Error(`The Vault double has no key ${name}`);
    return key;
  };

  function issue(namespace: string, ttlSeconds: number, renewable: boolean, maxTtlSeconds?: number): TVaultDoubleToken {
    const now = Date.now();
    const token: TVaultDoubleToken = {
      token: `hvs.${randomBytes(24).toString('base64url')}`,
      namespace,
      ttlSeconds,
      renewable,
      revoked: false,
      ...(ttlSeconds > 0 ? { expiresAt: now + ttlSeconds * 1000 } : {}),
      ...(maxTtlSeconds ? { maxExpiresAt: now + maxTtlSeconds * 1000 } : {}),
    };
    tokens.set(token.token, token);
    return token;
  }

  const secondsLeft = (token: TVaultDoubleToken) => (token.expiresAt === undefined ? 0 : Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000)));
  const authBlock = (token: TVaultDoubleToken) => ({ client_token: token.token, accessor: randomUUID(), policies: ['default', 'transit'], lease_duration: secondsLeft(token), renewable: token.renewable });

  function validToken(req: IncomingMessage, namespace: string): TVaultDoubleToken | undefined {
    const header = req.headers['x-vault-token'];
    const token = typeof header === 'string' ? tokens.get(header) : undefined;
    if (!token || token.revoked || token.namespace !== namespace) return undefined;
    if (token.expiresAt !== undefined && Date.now() >= token.expiresAt) return undefined;
    return token;
  }

  function route(method: string, path: string, namespace: string, req: IncomingMessage, body: Record<string, unknown>): TTransitAnswer {
    if (sealed) return fail(503, 'Vault is sealed');
    if (lockedNamespaces.has(namespace)) return fail(503, 'API access to this namespace has been locked by an administrator');
    if (throttle > 0) {
      throttle -= 1;
      return fail(429, `request path "${path}": rate limit quota exceeded`);
    }
    if (method === 'POST' && path === 'auth/approle/login') {
      const role = typeof body.role_id === 'string' ? roles.get(body.role_id) : undefined;
      if (!role || role.secretId !== body.secret_id || role.namespace !== namespace) return fail(400, 'invalid role or secret ID');
      const token = issue(namespace, role.tokenTtlSeconds, role.renewable, role.tokenMaxTtlSeconds);
      return { status: 200, body: { auth: authBlock(token), data: null, warnings: null } };
    }
    const token = validToken(req, namespace);
    if (!token) return INVALID_TOKEN();
    if (method === 'GET' && path === 'auth/token/lookup-self') {
      return { status: 200, body: { data: { ttl: secondsLeft(token), renewable: token.renewable, policies: ['default', 'transit'], namespace_path: namespace ? `${namespace}/` : '' } } };
    }
    if (method === 'POST' && path === 'auth/token/renew-self') {
      if (!token.renewable) return fail(400, 'lease is not renewable');
      const until = Math.min(Date.now() + token.ttlSeconds * 1000, token.maxExpiresAt ?? Infinity);
      token.expiresAt = until;
      return { status: 200, body: { auth: authBlock(token), warnings: secondsLeft(token) < token.ttlSeconds ? ['TTL of "' + token.ttlSeconds + 's" exceeded the effective max_ttl'] : null } };
    }
    const transit = /^(.+)\/(encrypt|decrypt)\/([^/]+)$/.exec(path);
    if (method === 'POST' && transit) {
      const [, mount = '', operation, name = ''] = transit;
      const known = [...keys.values()].some((key) => key.namespace === namespace && key.mount === mount);
      if (!known) return fail(404, `no handler for route "${path}". route entry not found.`);
      const key = keys.get(keyId(namespace, mount, decodeURIComponent(name)));
      if (key?.denied) return DENIED();
      // Encrypt on a missing key is an upsert, which needs the "create" capability the proxies' policy does not grant.
      if (!key) return operation === 'encrypt' ? DENIED() : fail(400, 'encryption key not found');
      return operation === 'encrypt' ? transitEncrypt(key, body, oldVault) : transitDecrypt(key, body, oldVault);
    }
    return fail(404, `no handler for route "${path}". route entry not found.`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, server: TKmsDoubleServer) {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      const body = await readJsonBody(req);
      if (await server.held(req, res, faults)) return;
      const url = new URL(req.url ?? '/', 'https://vault.invalid');
      const path = url.pathname.replace(/^\/v1\//, '');
      const nsHeader = req.headers['x-vault-namespace'];
      const namespace = typeof nsHeader === 'string' ? nsHeader.replace(/^\/+|\/+$/g, '') : '';
      const answer = body === undefined ? fail(400, 'failed to parse JSON input') : route(req.method ?? 'GET', path, namespace, req, body);
      calls.push({ path, namespace, status: answer.status });
      const json = JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'cache-control': 'no-store' });
      res.end(json);
    } finally {
      inFlight -= 1;
    }
  }

  const server = await startKmsDoubleServer({ tls, port: options.port, handle, internalError: '{"errors":["internal error"]}' });
  const { url } = server;

  for (const given of options.keys ?? []) {
    const key = { ...newTransitKey(given), versions: [...given.versions] };
    keys.set(keyId(key.namespace, key.mount, key.name), key);
  }
  for (const given of options.tokens ?? []) tokens.set(given.token, { token: given.token, namespace: given.namespace ?? '', ttlSeconds: 0, renewable: false, revoked: false });
  for (const given of options.appRoles ?? []) {
    roles.set(given.roleId, { ...given, namespace: given.namespace ?? '', tokenTtlSeconds: 3600, tokenMaxTtlSeconds: 0, renewable: true });
  }

  return {
    url,
    caPem: tls.caPem,
    createKey(opts) {
      const key = newTransitKey(opts);
      keys.set(keyId(key.namespace, key.mount, key.name), key);
      return key;
    },
    rotateKey(name, namespace) {
      const key = keyOf(name, namespace);
      key.versions.push(randomBytes(32));
      return key.versions.length;
    },
    setMinDecryptionVersion: (name, version, namespace) => void (keyOf(name, namespace).minDecryptionVersion = version),
    deny: (name, namespace) => void (keyOf(name, namespace).denied = true),
    allow: (name, namespace) => void (keyOf(name, namespace).denied = false),
    deleteKey(name, namespace) {
      const key = keyOf(name, namespace);
      keys.delete(keyId(key.namespace, key.mount, key.name));
      // The mount stays: a placeholder key nobody can use keeps its routes.
      keys.set(keyId(key.namespace, key.mount, `\0deleted-${key.name}`), { ...key, name: `\0deleted-${key.name}` });
    },
    createToken: (opts = {}) => issue(opts.namespace ?? '', opts.ttlSeconds ?? 3600, opts.renewable ?? true, opts.maxTtlSeconds),
    addAppRole(opts = {}) {
      const role: TVaultDoubleAppRole = {
        roleId: randomUUID(),
        secretId: randomUUID(),
        namespace: opts.namespace ?? '',
        tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
        tokenMaxTtlSeconds: opts.tokenMaxTtlSeconds ?? 0,
        renewable: opts.renewable ?? true,
      };
      roles.set(role.roleId, role);
      return role;
    },
    revokeToken(token) {
      const found = tokens.get(token);
      if (found) found.revoked = true;
    },
    revokeAllTokens() {
      for (const token of tokens.values()) token.revoked = true;
    },
    get tokens() {
      return [...tokens.values()];
    },
    throttle: (n) => void (throttle = faultCount(n)),
    seal: (on) => void (sealed = on),
    lockNamespace: (namespace, on) => void (on ? lockedNamespaces.add(namespace) : lockedNamespaces.delete(namespace)),
    preAssociatedData: (on) => void (oldVault = on),
    delay: (ms) => void (faults.delayMs = ms),
    dropConnections: (on) => void (faults.dropConnections = on),
    get calls() {
      return calls;
    },
    count: (path) => calls.filter((call) => (typeof path === 'string' ? call.path === path : path.test(call.path))).length,
    get peakConcurrency() {
      return peak;
    },
    settings(key, auth) {
      const common = { address: url, keyName: key.name, mountPath: key.mount, caCertificate: tls.caPem, ...(key.namespace ? { namespace: key.namespace } : {}) };
      return 'roleId' in auth ? { ...common, authMethod: 'approle', roleId: auth.roleId, secretId: auth.secretId } : { ...common, authMethod: 'token', token: auth.token };
    },
    stop: server.stop,
  };
}
