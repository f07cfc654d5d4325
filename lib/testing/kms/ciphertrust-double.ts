// A protocol double of Thales CipherTrust Manager for tests, the demo and
// benchmarks: it stands in for an appliance that cannot be reached here. One
// local HTTPS server (certificate from the test CA in lib/testing/tls.ts, so
// the configuration's CA certificate field is what makes the driver trust it)
// that speaks CipherTrust's REST shapes to the unmodified driver: the token
// endpoint with password and refresh-token grants, the crypto encrypt/decrypt
// API with real AES-256-GCM, AAD and key versions, and key rotation. It checks
// the JWTs it issued, key domains, ACLs and KMIP key states, answers errors as
// CipherTrust's { code, codeDesc, message }, and lets a test deny users,
// change key states, rotate keys, revoke or expire tokens, throttle, delay,
// drop connections or inject any error, while it logs every call. Product
// code never imports this.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { makeTestTls, type TTestTls } from '../tls';
import { countCalls, faultCount, readJsonBody, startKmsDoubleServer, type TKmsDoubleServer } from './double-server';
import { createCtmApi, type TCtmAnswer } from './ciphertrust-double-api';
import {
  ctmError,
  findKey,
  newKey,
  newUser,
  type TCtmCall,
  type TCtmFault,
  type TCtmKey,
  type TCtmKeyState,
  type TCtmState,
  type TCtmUser,
  type TNewCtmKey,
} from './ciphertrust-double-state';

export type { TCtmCall, TCtmFault, TCtmKey, TCtmKeyState, TCtmUser };

export type TCipherTrustDoubleOptions = {
  /** Lifetime of the JWTs it issues (CipherTrust's is 300 s); short ones let tests see a renewal. */
  tokenDurationSeconds?: number;
  /** Default 0: a free port. */
  port?: number;
  /** Default: a certificate for ctm.test and 127.0.0.1 from the process's test CA. */
  tls?: TTestTls;
};

export type TCipherTrustDouble = {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The PEM of the CA that signed the double's certificate: the configuration's caCertificate. */
  caPem: string;
  addUser(opts?: Partial<TCtmUser>): TCtmUser;
  createKey(opts?: TNewCtmKey): TCtmKey;
  /** A new current version; older versions keep decrypting. Returns the new version number. */
  rotateKey(ref: string): number;
  setKeyState(ref: string, state: TCtmKeyState): void;
  deny(username: string): void;
  allow(username: string): void;
  /** Every JWT and refresh token issued so far is revoked. */
  revokeTokens(): void;
  /** Every JWT issued so far expires now (refresh tokens stay valid). */
  expireTokens(): void;
  /** Next n calls (true: all, false: none) to the token or crypto API answer 429. */
  throttle(n: number | boolean): void;
  delay(ms: number): void;
  dropConnections(on: boolean): void;
  /** While on, the crypto API answers a licence error. */
  licenceIssue(on: boolean): void;
  inject(fault: TCtmFault): void;
  clearFaults(): void;
  readonly calls: readonly TCtmCall[];
  count(filter?: Partial<TCtmCall>): number;
  resetCalls(): void;
  /** ZThalesCipherTrustSettings for `key` signed in as `user`, trusting the double's CA. */
  settings(key: TCtmKey, user: TCtmUser, extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
};

export async function startCipherTrustDouble(options: TCipherTrustDoubleOptions = {}): Promise<TCipherTrustDouble> {
  const state: TCtmState = {
    users: new Map(),
    keys: new Map(),
    refreshTokens: new Map(),
    revokedJtis: new Set(),
    issued: [],
    tokenDurationSeconds: options.tokenDurationSeconds ?? 300,
    denied: new Set(),
    throttle: 0,
    delayMs: 0,
    dropConnections: false,
    licenceIssue: false,
    faults: [],
    calls: [],
  };
  const api = createCtmApi(state);
  const tls = options.tls ?? makeTestTls(['ctm.test']);

  async function route(req: IncomingMessage, body: Record<string, unknown>): Promise<TCtmAnswer> {
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
    const authorization = req.headers.authorization;
    if (req.method !== 'POST') return { ...ctmError(405, 'NCERRMethodNotAllowed: Method not allowed', ''), call: { endpoint: 'other' } };
    if (path === '/api/v1/auth/tokens') return api.token(body);
    if (path === '/api/v1/crypto/encrypt' || path === '/api/v1/crypto/decrypt') {
      return api.crypto(path.endsWith('encrypt') ? 'encrypt' : 'decrypt', typeof body.id === 'string' ? body.id : undefined, body, authorization);
    }
    const rotation = /^\/api\/v1\/vault\/keys2\/([^/]+)\/versions$/.exec(path);
    if (rotation) return api.crypto('versions', decodeURIComponent(rotation[1] ?? ''), body, authorization);
    return { ...ctmError(404, 'NCERRResourceNotFound: Resource not found', 'No such API'), call: { endpoint: 'other' } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, server: TKmsDoubleServer) {
    const body = await readJsonBody(req);
    if (await server.held(req, res, state)) return;
    const answer = body === undefined ? { ...ctmError(400, 'NCERRBadRequest: Bad request', 'Malformed JSON'), call: { endpoint: 'other' as const } } : await route(req, body);
    const codeDesc = answer.status >= 400 ? ((answer.body as { codeDesc?: string }).codeDesc ?? '').split(':')[0] : undefined;
    state.calls.push({ ...answer.call, status: answer.status, ...(codeDesc ? { codeDesc } : {}) });
    const json = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  const server = await startKmsDoubleServer({ tls, port: options.port, handle });
  const { url } = server;

  const keyOf = (ref: string) => {
    const key = findKey(state, ref);
    if (!key) throw new Error(`The CipherTrust double has no key ${ref}`);
    return key;
  };

  return {
    url,
    caPem: tls.caPem,
    addUser: (opts) => newUser(state, opts),
    createKey: (opts) => newKey(state, opts),
    rotateKey: (ref) => {
      const key = keyOf(ref);
      key.versions.push(randomBytes(32));
      return key.versions.length - 1;
    },
    setKeyState: (ref, keyState) => void (keyOf(ref).state = keyState),
    deny: (username) => void state.denied.add(username),
    allow: (username) => void state.denied.delete(username),
    revokeTokens: () => {
      for (const entry of state.issued) state.revokedJtis.add(entry.jti);
      for (const held of state.refreshTokens.values()) held.revoked = true;
    },
    expireTokens: () => {
      for (const entry of state.issued) entry.expiresAt = Date.now() - 1000;
    },
    throttle: (n) => void (state.throttle = faultCount(n)),
    delay: (ms) => void (state.delayMs = ms),
    dropConnections: (on) => void (state.dropConnections = on),
    licenceIssue: (on) => void (state.licenceIssue = on),
    inject: (fault) => void state.faults.push(fault),
    clearFaults: () => void state.faults.splice(0),
    get calls() {
      return state.calls;
    },
    count: (filter) => countCalls(state.calls, filter),
    resetCalls: () => void state.calls.splice(0),
    settings: (key, user, extra = {}) => ({
      url,
      keyId: key.name,
      username: user.username,
      password: user.password,
      authDomain: user.authDomain,
      connection: user.connection,
      ...(key.domain !== user.authDomain ? { keyDomain: key.domain } : {}),
      caCertificate: tls.caPem,
      ...extra,
    }),
    stop: server.stop,
  };
}
