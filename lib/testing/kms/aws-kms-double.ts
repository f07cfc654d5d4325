// A protocol double of AWS KMS and STS for tests, the demo and benchmarks (no
// cloud is reachable here): one local node:http server that the unmodified AWS
// SDK reaches through an endpoint override. It checks SigV4 itself, does real
// AES-256-GCM, enforces key policies and role trust, and lets a test disable
// keys, deny principals, throttle, delay, drop connections or inject any AWS
// error, while it logs every call. Product code never imports this.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { TKmsDriverOptions } from '@/lib/kms/types';

import { handleKms, KMS_AUTH_ERRORS, kmsError, type TKmsAnswer } from './aws-double-kms';
import {
  callerOf,
  newKey,
  newRole,
  newUser,
  resolveKey,
  takeFault,
  type TDoubleCall,
  type TDoubleFault,
  type TDoubleKey,
  type TDoubleRole,
  type TDoubleState,
  type TDoubleUser,
  type TKeyUsage,
  type TNewKeyOptions,
} from './aws-double-state';
import { verifySigV4 } from './aws-double-sigv4';
import { handleSts, STS_AUTH_ERRORS, stsError, type TStsAnswer } from './aws-double-sts';
import { countCalls, faultCount, readBody, startKmsDoubleServer, type TKmsDoubleServer } from './double-server';

export type { TDoubleCall, TDoubleFault, TDoubleKey, TDoubleRole, TDoubleUser, TKeyUsage };

export type TAwsKmsDoubleOptions = {
  /** Default eu-west-1: the only region the double signs for and names in its ARNs. */
  region?: string;
  /** Default 111122223333. */
  accountId?: string;
  users?: { accessKeyId?: string; secretAccessKey?: string; name?: string }[];
  roles?: { roleArn?: string; externalId?: string; trusted: string[] }[];
  keys?: TNewKeyOptions[];
  /** Lifetime of the credentials its STS issues, whatever AssumeRole asked (AWS's floor is 900 s); lets tests see a refresh. */
  sessionDurationSeconds?: number;
  /** How far x-amz-date may be from the double's clock (default 5 minutes). */
  maxSkewMs?: number;
  /** Default 0: a free port. The demo keeps one, since its sealed configuration names it. */
  port?: number;
};

export type TAwsKmsDouble = {
  url: string;
  kmsEndpoint: string;
  stsEndpoint: string;
  region: string;
  accountId: string;
  keys: TDoubleKey[];
  users: TDoubleUser[];
  roles: TDoubleRole[];
  createKey(opts?: TNewKeyOptions): TDoubleKey;
  addUser(opts?: { accessKeyId?: string; secretAccessKey?: string; name?: string }): TDoubleUser;
  addRole(opts: { roleArn?: string; externalId?: string; trusted: string[] }): TDoubleRole;
  /** By key id, key ARN or alias ARN. */
  disableKey(keyRef: string): void;
  enableKey(keyRef: string): void;
  scheduleKeyDeletion(keyRef: string): void;
  /** A principal is an IAM user's access key id or a role ARN (for every session of that role). */
  deny(principal: string): void;
  allow(principal: string): void;
  /** Next n KMS calls (true: all, false: none) answer ThrottlingException. */
  throttle(n: number | boolean): void;
  /** Every request waits this long before it is answered (or dropped). */
  delay(ms: number): void;
  /** While on, every request's socket is destroyed without an answer. */
  dropConnections(on: boolean): void;
  /** While on, STS answers RegionDisabledException and KMS OptInRequired (both 403). */
  accountIssue(on: boolean): void;
  /** The next `times` (default 1; Infinity: until cleared) calls to the service (default kms) answer this error. */
  inject(fault: TDoubleFault): void;
  clearFaults(): void;
  /** Every temporary credential issued so far expires now. */
  expireSessions(): void;
  readonly calls: readonly TDoubleCall[];
  count(filter?: Partial<TDoubleCall>): number;
  resetCalls(): void;
  /** ZAwsKmsSettings for an IAM user's access keys. */
  accessKeySettings(key: { keyArn: string }, user: { accessKeyId: string; secretAccessKey: string }): Record<string, string>;
  /** ZAwsKmsSettings for assuming a role with its external id. */
  assumeRoleSettings(key: { keyArn: string }, role: { roleArn: string; externalId: string }): Record<string, string>;
  /** Driver options pointing at this double, with the vendor's own credentials for AssumeRole. */
  driverOptions(vendor?: { accessKeyId: string; secretAccessKey: string }, timeoutMs?: number): TKmsDriverOptions;
  stop(): Promise<void>;
};

export async function startAwsKmsDouble(options: TAwsKmsDoubleOptions = {}): Promise<TAwsKmsDouble> {
  const state: TDoubleState = {
    region: options.region ?? 'eu-west-1',
    accountId: options.accountId ?? '111122223333',
    ...(options.sessionDurationSeconds === undefined ? {} : { sessionDurationSeconds: options.sessionDurationSeconds }),
    users: new Map(),
    roles: new Map(),
    sessions: new Map(),
    keys: new Map(),
    aliases: new Map(),
    denied: new Set(),
    throttle: 0,
    delayMs: 0,
    dropConnections: false,
    accountIssue: false,
    faults: [],
    calls: [],
  };
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;

  function authenticate(req: IncomingMessage, body: Buffer, service: 'kms' | 'sts') {
    const verdict = verifySigV4(
      { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body },
      {
        region: state.region,
        service,
        now: Date.now(),
        maxSkewMs,
        mustSign: service === 'kms' ? ['x-amz-target', 'content-type'] : ['content-type'],
        lookup: (id) => state.users.get(id) ?? state.sessions.get(id),
      },
    );
    if (!verdict.ok) return { error: (service === 'kms' ? KMS_AUTH_ERRORS : STS_AUTH_ERRORS)[verdict.failure], message: verdict.detail };
    const session = state.sessions.get(verdict.accessKeyId);
    if (session && session.expiration <= Date.now()) {
      const expired: [number, string] = service === 'kms' ? [400, 'ExpiredTokenException'] : [400, 'ExpiredToken'];
      return { error: expired, message: 'The security token included in the request is expired' };
    }
    return { caller: callerOf(state, verdict.accessKeyId) };
  }

  function answerKms(req: IncomingMessage, body: Buffer, operation: string): TKmsAnswer & { principal?: string } {
    const auth = authenticate(req, body, 'kms');
    if (!auth.caller) return kmsError(...(auth.error ?? [400, 'UnrecognizedClientException']), auth.message ?? '');
    const principal = auth.caller.principal;
    if (state.accountIssue) return { ...kmsError(403, 'OptInRequired', 'The AWS access key ID needs a subscription for the service.'), principal };
    const fault = takeFault(state, 'kms');
    if (fault) return { ...kmsError(fault.status, fault.type, fault.message ?? ''), principal };
    if (state.throttle > 0) {
      state.throttle -= 1;
      return { ...kmsError(400, 'ThrottlingException', 'Rate exceeded'), principal };
    }
    return { ...handleKms(state, auth.caller, operation, body), principal };
  }

  function answerSts(req: IncomingMessage, body: Buffer, requestId: string): TStsAnswer & { target: string } {
    const params = new URLSearchParams(body.toString('utf8'));
    const target = params.get('Action') ?? '';
    const auth = authenticate(req, body, 'sts');
    if (!auth.caller) return { ...stsError(...(auth.error ?? [403, 'InvalidClientTokenId']), auth.message ?? '', requestId), target };
    const principal = auth.caller.principal;
    if (state.accountIssue) {
      return { ...stsError(403, 'RegionDisabledException', `STS is not activated in this region for account:${state.accountId}.`, requestId), principal, target };
    }
    const fault = takeFault(state, 'sts');
    if (fault) return { ...stsError(fault.status, fault.type, fault.message ?? '', requestId), principal, target };
    return { ...handleSts(state, auth.caller, params, requestId), target };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, server: TKmsDoubleServer) {
    const body = await readBody(req);
    if (await server.held(req, res, state)) return;
    const requestId = randomUUID();
    const amzTarget = req.headers['x-amz-target'];
    const isSts = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (body === undefined) return void res.writeHead(413, { 'x-amzn-RequestId': requestId }).end();

    if (!isSts) {
      const operation = typeof amzTarget === 'string' && amzTarget.startsWith('TrentService.') ? amzTarget.slice(13) : '';
      const answer: TKmsAnswer & { principal?: string } = operation === '' ? kmsError(400, 'UnknownOperationException', '') : answerKms(req, body, operation);
      const error = typeof answer.body.__type === 'string' ? answer.body.__type : undefined;
      state.calls.push({ service: 'kms', target: operation, keyId: answer.keyId, principal: answer.principal, status: answer.status, error });
      const json = JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(json) });
      return void res.end(json);
    }
    const answer = answerSts(req, body, requestId);
    const error = answer.status === 200 ? undefined : /<Code>([^<]*)<\/Code>/.exec(answer.xml)?.[1];
    state.calls.push({ service: 'sts', target: answer.target, principal: answer.principal, status: answer.status, error });
    res.writeHead(answer.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(answer.xml) });
    res.end(answer.xml);
  }

  const server = await startKmsDoubleServer({ port: options.port, handle });
  const { url } = server;

  for (const user of options.users ?? []) newUser(state, user);
  for (const role of options.roles ?? []) newRole(state, role);
  for (const key of options.keys ?? []) newKey(state, key);

  const keyOf = (keyRef: string) => {
    const key = resolveKey(state, keyRef);
    if (!key) throw new Error(`The double has no key ${keyRef}`);
    return key;
  };

  return {
    url,
    kmsEndpoint: url,
    stsEndpoint: url,
    region: state.region,
    accountId: state.accountId,
    get keys() {
      return [...state.keys.values()];
    },
    get users() {
      return [...state.users.values()];
    },
    get roles() {
      return [...state.roles.values()];
    },
    createKey: (opts) => newKey(state, opts),
    addUser: (opts) => newUser(state, opts),
    addRole: (opts) => newRole(state, opts),
    disableKey: (keyRef) => void (keyOf(keyRef).state = 'Disabled'),
    enableKey: (keyRef) => void (keyOf(keyRef).state = 'Enabled'),
    scheduleKeyDeletion: (keyRef) => void (keyOf(keyRef).state = 'PendingDeletion'),
    deny: (principal) => void state.denied.add(principal),
    allow: (principal) => void state.denied.delete(principal),
    throttle: (n) => void (state.throttle = faultCount(n)),
    delay: (ms) => void (state.delayMs = ms),
    dropConnections: (on) => void (state.dropConnections = on),
    accountIssue: (on) => void (state.accountIssue = on),
    inject: (fault) => void state.faults.push(fault),
    clearFaults: () => void state.faults.splice(0),
    expireSessions: () => {
      for (const session of state.sessions.values()) session.expiration = Date.now() - 1000;
    },
    get calls() {
      return state.calls;
    },
    count: (filter) => countCalls(state.calls, filter),
    resetCalls: () => void state.calls.splice(0),
    accessKeySettings: (key, user) => ({
      keyArn: key.keyArn,
      region: state.region,
      authMethod: 'access-keys',
      accessKeyId: user.accessKeyId,
      secretAccessKey: user.secretAccessKey,
    }),
    assumeRoleSettings: (key, role) => ({ keyArn: key.keyArn, region: state.region, authMethod: 'assume-role', roleArn: role.roleArn, externalId: role.externalId }),
    driverOptions: (vendor, timeoutMs) => ({
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      aws: {
        endpoints: { kms: url, sts: url },
        roleSessionName: 'cmk-tsp-test',
        ...(vendor ? { vendorCredentials: { accessKeyId: vendor.accessKeyId, secretAccessKey: vendor.secretAccessKey } } : {}),
      },
    }),
    stop: server.stop,
  };
}
