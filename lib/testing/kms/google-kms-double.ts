// A protocol double of Google Cloud KMS and Google's OAuth token endpoint for
// tests, the demo and benchmarks: no cloud is reachable here, so this local
// HTTPS server (certificate from the test CA in lib/testing/tls.ts) stands in
// for cloudkms.googleapis.com and oauth2.googleapis.com. The unmodified driver
// reaches it through its endpoint and token-URL overrides and the CA option,
// nothing else. It verifies the service account's signed JWT assertion,
// issues and checks bearer tokens, enforces IAM on each key, does real
// AES-256-GCM with the AAD under versioned keys, answers Google's error JSON,
// and lets a test deny, disable or destroy a key version, rotate a key,
// throttle, delay, drop connections or inject any error, while it logs every
// call. Product code never imports this.
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { TKmsDriverOptions } from '@/lib/kms/types';

import { makeTestTls, type TTestTls } from '../tls';
import { countCalls, faultCount, readBody, startKmsDoubleServer, type TKmsDoubleServer } from './double-server';
import { handleKms } from './google-kms-double-kms';
import {
  acceptServiceAccountKey,
  newCryptoKey,
  newServiceAccount,
  rotateKey,
  type TDoubleCryptoKey,
  type TDoubleKeyVersion,
  type TDoubleServiceAccount,
  type TGoogleDoubleCall,
  type TGoogleDoubleState,
  type TGoogleFault,
  type TNewCryptoKey,
  type TVersionState,
} from './google-kms-double-state';
import { handleToken } from './google-kms-double-token';

export type { TDoubleCryptoKey, TDoubleKeyVersion, TDoubleServiceAccount, TGoogleDoubleCall, TGoogleFault };

export type TGoogleKmsDoubleOptions = {
  /** Default cmk-double-project. */
  projectId?: string;
  /** Lifetime of the access tokens it issues (Google's: 3600 s); short ones let tests see a refresh. */
  tokenLifetimeSeconds?: number;
  /** Default 0: a free port. The demo keeps one, since its TSP settings name it. */
  port?: number;
  /** Default: a certificate of this process's test CA. The demo passes its own, kept across restarts like the port. */
  tls?: TTestTls;
  /** Service-account key files (as createServiceAccount makes them) it accepts from the start, e.g. the demo's. */
  serviceAccountKeys?: Record<string, string>[];
};

export type TGoogleKmsDouble = {
  url: string;
  /** What drivers use as their Cloud KMS endpoint override. */
  endpoint: string;
  /** What drivers use as their token URL override; every assertion's aud must name it. */
  tokenUrl: string;
  /** The test CA that signed this server's certificate. */
  caPem: string;
  projectId: string;
  keys: TDoubleCryptoKey[];
  createServiceAccount(name?: string): TDoubleServiceAccount;
  /** Deletes every key of the service account: its key files no longer sign in. */
  deleteServiceAccountKeys(email: string): void;
  /** `members`: service account emails with the Encrypter/Decrypter role on it. */
  createKey(opts?: TNewCryptoKey): TDoubleCryptoKey;
  grant(keyName: string, email: string): void;
  revoke(keyName: string, email: string): void;
  /** An IAM deny on every key, until allow(). */
  deny(email: string): void;
  allow(email: string): void;
  /** A new primary version; returns its id. */
  rotate(keyName: string): number;
  /** Sets a version's state (default: the primary). */
  setVersionState(keyName: string, state: TVersionState, version?: number): void;
  /** Next n KMS calls (true: all, false: none) answer 429 RESOURCE_EXHAUSTED. */
  throttle(n: number | boolean): void;
  /** Next n successful answers (true: all) arrive with a flipped bit and the original checksum. */
  tamper(n: number | boolean): void;
  delay(ms: number): void;
  /** While on, every request's socket is destroyed without an answer. */
  dropConnections(on: boolean): void;
  /** While set, KMS answers 403 with this ErrorInfo reason. */
  accountIssue(reason: false | 'SERVICE_DISABLED' | 'BILLING_DISABLED'): void;
  inject(fault: TGoogleFault): void;
  clearFaults(): void;
  /** Every access token issued so far stops working now. */
  revokeTokens(): void;
  /** The access tokens it issued and still accepts (for tests that prove no message repeats one). */
  readonly tokens: readonly string[];
  readonly calls: readonly TGoogleDoubleCall[];
  count(filter?: Partial<TGoogleDoubleCall>): number;
  resetCalls(): void;
  /** ZGoogleCloudKmsSettings for a key and a service account. */
  settings(key: { name: string }, account: TDoubleServiceAccount): { cryptoKeyName: string; serviceAccountKey: Record<string, string> };
  /** Driver options pointing at this double, trusting its CA. */
  driverOptions(timeoutMs?: number): TKmsDriverOptions;
  stop(): Promise<void>;
};

function send(res: ServerResponse, httpStatus: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(httpStatus, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(json) }).end(json);
}

export async function startGoogleKmsDouble(options: TGoogleKmsDoubleOptions = {}): Promise<TGoogleKmsDouble> {
  const tls = options.tls ?? makeTestTls(['cloudkms.test']);
  const state: TGoogleDoubleState = {
    projectId: options.projectId ?? 'cmk-double-project',
    projectNumber: '123456789012',
    tokenUrl: '',
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    accounts: new Map(),
    tokens: new Map(),
    keys: new Map(),
    rings: new Set(),
    denied: new Set(),
    throttle: 0,
    tamper: 0,
    delayMs: 0,
    dropConnections: false,
    accountIssue: false,
    faults: [],
    calls: [],
  };
  for (const keyFile of options.serviceAccountKeys ?? []) acceptServiceAccountKey(state, keyFile);

  async function handle(req: IncomingMessage, res: ServerResponse, server: TKmsDoubleServer) {
    const body = await readBody(req);
    if (await server.held(req, res, state)) return;
    if (body === undefined) return send(res, 413, { error: { code: 413, message: 'Request too large.', status: 'INVALID_ARGUMENT' } });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST' && path === '/token') {
      const answer = await handleToken(state, body);
      const error = answer.httpStatus === 200 ? undefined : String((answer.body as { error?: unknown }).error);
      state.calls.push({ service: 'token', operation: 'token', principal: answer.principal, httpStatus: answer.httpStatus, error });
      return send(res, answer.httpStatus, answer.body);
    }
    const match = req.method === 'POST' ? /^\/v1\/(projects\/.+):([a-zA-Z]+)$/.exec(path) : null;
    if (!match) return send(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
    const [, name = '', operation = ''] = match;
    const answer = handleKms(state, name, operation, req.headers.authorization, body);
    const error = answer.httpStatus === 200 ? undefined : String((answer.body as { error?: { status?: unknown } }).error?.status);
    state.calls.push({ service: 'kms', operation, key: answer.key, version: answer.version, principal: answer.principal, httpStatus: answer.httpStatus, error });
    send(res, answer.httpStatus, answer.body);
  }

  const server = await startKmsDoubleServer({ tls, port: options.port, handle });
  const { url } = server;
  state.tokenUrl = `${url}/token`;

  const keyOf = (name: string) => {
    const key = state.keys.get(name);
    if (!key) throw new Error(`The double has no key ${name}`);
    return key;
  };
  let accounts = 0;

  return {
    url,
    endpoint: url,
    tokenUrl: state.tokenUrl,
    caPem: tls.caPem,
    projectId: state.projectId,
    get keys() {
      return [...state.keys.values()];
    },
    createServiceAccount: (name) => newServiceAccount(state, name ?? `cmk-proxy-${(accounts += 1)}`),
    deleteServiceAccountKeys: (email) => void state.accounts.get(email)?.publicKeys.clear(),
    createKey: (opts) => newCryptoKey(state, opts),
    grant: (keyName, email) => void keyOf(keyName).members.add(email),
    revoke: (keyName, email) => void keyOf(keyName).members.delete(email),
    deny: (email) => void state.denied.add(email),
    allow: (email) => void state.denied.delete(email),
    rotate: (keyName) => rotateKey(keyOf(keyName)).id,
    setVersionState: (keyName, versionState, version) => {
      const key = keyOf(keyName);
      const target = key.versions.find((v) => v.id === (version ?? key.primary));
      if (!target) throw new Error(`The key ${keyName} has no version ${version}`);
      target.state = versionState;
    },
    throttle: (n) => void (state.throttle = faultCount(n)),
    tamper: (n) => void (state.tamper = faultCount(n)),
    delay: (ms) => void (state.delayMs = ms),
    dropConnections: (on) => void (state.dropConnections = on),
    accountIssue: (reason) => void (state.accountIssue = reason),
    inject: (fault) => void state.faults.push(fault),
    clearFaults: () => void state.faults.splice(0),
    revokeTokens: () => state.tokens.clear(),
    get tokens() {
      return [...state.tokens.keys()];
    },
    get calls() {
      return state.calls;
    },
    count: (filter) => countCalls(state.calls, filter),
    resetCalls: () => void state.calls.splice(0),
    settings: (key, account) => ({ cryptoKeyName: key.name, serviceAccountKey: { ...account.keyFile } }),
    driverOptions: (timeoutMs) => ({ ...(timeoutMs === undefined ? {} : { timeoutMs }), google: { endpoint: url, tokenUrl: state.tokenUrl, ca: [tls.caPem] } }),
    stop: server.stop,
  };
}
