// A Google Cloud Logging double (tests, demo and bench only; no Google API is
// reachable here). One HTTPS server with a certificate for both
// logging.googleapis.com and oauth2.googleapis.com, which the unmodified sink
// reaches through `connectTo` with the real host names. The OAuth half is the
// Google KMS double's token endpoint (lib/testing/kms/google-kms-double-token.ts):
// it verifies the service account's RS256 assertion against the account's
// public key, the audience (the key file's token_uri) and the time, and
// issues bearer tokens for the logging scopes only. The Logging half answers
// POST /v2/entries:write as Google documents it: the bearer token it issued
// (401 UNAUTHENTICATED otherwise) with a logging scope (403
// ACCESS_TOKEN_SCOPE_INSUFFICIENT), JSON content, logName
// projects/<project>/logs/<URL-encoded LOG_ID>, a project it knows (404
// NOT_FOUND; real Google may answer 403 for a project it will not confirm),
// the Logs Writer role there (403 IAM_PERMISSION_DENIED), the `global`
// resource, and each entry's shape and limits (400 INVALID_ARGUMENT: unknown
// fields, severity, timestamp at most a day ahead, 64 labels, 256 KB per
// entry, one payload). It keeps one entry per (log, insertId, timestamp), as
// Logging drops duplicates, and answers errors as google.rpc.Status JSON.
import type { TSiemEvent, TSiemSinkOptions } from '@/lib/siem/types';

import { rpcError, newServiceAccount, type TDoubleServiceAccount, type TGoogleAnswer, type TGoogleFault, type TGoogleOAuthState } from '../kms/google-kms-double-state';
import { handleToken } from '../kms/google-kms-double-token';
import { makeTestTls } from '../tls';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble } from './https-double';

export const LOGGING_HOST = 'logging.googleapis.com';
export const OAUTH_HOST = 'oauth2.googleapis.com';
const TOKEN_URL = `https://${OAUTH_HOST}/token`;
const LOGGING_SCOPES: ReadonlySet<string> = new Set([
  'https://www.googleapis.com/auth/logging.write',
  'https://www.googleapis.com/auth/logging.admin',
  'https://www.googleapis.com/auth/cloud-platform',
]);
const SEVERITIES = new Set(['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);
const REQUEST_FIELDS = new Set(['logName', 'resource', 'labels', 'entries', 'partialSuccess', 'dryRun']);
const ENTRY_FIELDS = new Set(['logName', 'resource', 'timestamp', 'receiveTimestamp', 'severity', 'insertId', 'httpRequest', 'labels', 'operation', 'trace', 'spanId', 'traceSampled', 'sourceLocation', 'split', 'jsonPayload', 'textPayload', 'protoPayload']);
const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_LABELS = 64;
const DAY_MS = 86_400_000;

export type TStoredEntry = {
  logName: string;
  resource: { type: string; labels?: Record<string, string> };
  insertId: string;
  timestamp: string;
  severity: string;
  labels: Record<string, string>;
  jsonPayload: TSiemEvent;
};

export type TGoogleCloudLoggingDouble = THttpsDouble & {
  /** The project that holds the log; the service accounts live in their own project. */
  readonly projectId: string;
  createServiceAccount(name?: string): TDoubleServiceAccount;
  /** roles/logging.logWriter for `email` on `projectId` (default: the log project). */
  grantLogWriter(email: string, projectId?: string): void;
  revokeLogWriter(email: string, projectId?: string): void;
  /** Every access token issued so far stops working now (Logging answers 401). */
  revokeTokens(): void;
  /** The next token requests get this OAuth error (e.g. { httpStatus: 400, oauthError: 'invalid_grant' }). */
  injectTokenFault(fault: Omit<TGoogleFault, 'service'>): void;
  /** Access tokens it issued and still accepts, for canary checks. */
  issuedTokens(): string[];
  /** Token requests, in order: the HTTP status and the OAuth error, if any. */
  readonly tokenCalls: { httpStatus: number; error?: string; principal?: string }[];
  /** Stored entries, in arrival order (duplicates dropped). */
  readonly entries: TStoredEntry[];
  /** Their jsonPayloads. */
  readonly events: TSiemEvent[];
  /** The google.rpc.Status of the last error answer of the Logging half. */
  lastError(): { httpStatus: number; status: string; reason?: string } | undefined;
  /** Sink settings for an account (the log project and log cmk-proxy/audit unless overridden). */
  settings(account: TDoubleServiceAccount, overrides?: Record<string, unknown>): Record<string, unknown>;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string) => rpcError('INVALID_ARGUMENT', message);

/** The google.rpc.Code name an injected failure of this HTTP status carries. */
const STATUS_OF: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 413: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

function decodeLogId(encoded: string | undefined): string | undefined {
  try {
    return encoded === undefined ? undefined : decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

function checkLabels(labels: unknown, where: string): TGoogleAnswer | undefined {
  if (labels === undefined) return undefined;
  if (!isRecord(labels) || Object.values(labels).some((value) => typeof value !== 'string')) return invalid(`Invalid value at '${where}.labels': labels must map strings to strings.`);
  if (Object.keys(labels).length > MAX_LABELS) return invalid(`Too many labels at '${where}': at most ${MAX_LABELS}.`);
  if (Object.keys(labels).some((key) => key === '' || Buffer.byteLength(key) > 512)) return invalid(`Invalid label key at '${where}'.`);
  return undefined;
}

function checkEntry(entry: unknown, i: number, now: number): TGoogleAnswer | undefined {
  const where = `entries[${i}]`;
  if (!isRecord(entry)) return invalid(`Invalid value at '${where}': expected an object.`);
  const unknown = Object.keys(entry).find((field) => !ENTRY_FIELDS.has(field));
  if (unknown !== undefined) return invalid(`Invalid JSON payload received. Unknown name "${unknown}" at '${where}': Cannot find field.`);
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return invalid(`Log entry with size ${Buffer.byteLength(JSON.stringify(entry))} exceeds maximum size of ${MAX_ENTRY_BYTES}`);
  const payloads = ['jsonPayload', 'textPayload', 'protoPayload'].filter((field) => field in entry);
  if (payloads.length > 1) return invalid(`Invalid value at '${where}': only one payload field may be set.`);
  if (!isRecord(entry.jsonPayload)) return invalid(`Invalid value at '${where}.json_payload': expected a JSON object.`);
  if (typeof entry.insertId !== 'string' || entry.insertId === '') return invalid(`Invalid value at '${where}.insert_id'.`);
  const time = typeof entry.timestamp === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(entry.timestamp) ? Date.parse(entry.timestamp) : NaN;
  if (!Number.isFinite(time)) return invalid(`Invalid value at '${where}.timestamp' (type.googleapis.com/google.protobuf.Timestamp).`);
  if (time > now + DAY_MS) return invalid(`Entry timestamp is more than 1 day in the future at '${where}'.`);
  if (entry.severity !== undefined && !SEVERITIES.has(entry.severity as string)) return invalid(`Invalid value at '${where}.severity' (type.googleapis.com/google.logging.type.LogSeverity).`);
  return checkLabels(entry.labels, where);
}

export async function startGoogleCloudLoggingDouble(options: { projectId?: string; tokenLifetimeSeconds?: number } = {}): Promise<TGoogleCloudLoggingDouble> {
  const projectId = options.projectId ?? 'cmk-double-logs';
  const oauth: TGoogleOAuthState = {
    projectId: 'cmk-double-accounts',
    tokenUrl: TOKEN_URL,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    accounts: new Map(),
    tokens: new Map(),
    faults: [],
  };
  /** project → service accounts with the Logs Writer role there. */
  const writers = new Map<string, Set<string>>([[projectId, new Set()]]);
  const entries: TStoredEntry[] = [];
  const events: TSiemEvent[] = [];
  const stored = new Set<string>();
  const tokenCalls: TGoogleCloudLoggingDouble['tokenCalls'] = [];
  let lastError: ReturnType<TGoogleCloudLoggingDouble['lastError']>;
  let accounts = 0;

  const reply = (answer: TGoogleAnswer): TDoubleAnswer => {
    if (answer.httpStatus !== 200) {
      const error = (answer.body as { error: { status: string; details?: { reason?: string }[] } }).error;
      lastError = { httpStatus: answer.httpStatus, status: error.status, reason: error.details?.[0]?.reason };
    }
    return { status: answer.httpStatus, body: JSON.stringify(answer.body), headers: { 'content-type': 'application/json; charset=UTF-8' }, outcome: answer.httpStatus === 200 ? 'accepted' : 'refused' };
  };

  async function token(request: TDoubleRequest): Promise<TDoubleAnswer> {
    const answer = await handleToken(oauth, request.body, LOGGING_SCOPES);
    const error = answer.httpStatus === 200 ? undefined : String((answer.body as { error?: unknown }).error);
    tokenCalls.push({ httpStatus: answer.httpStatus, error, principal: answer.principal });
    return { status: answer.httpStatus, body: JSON.stringify(answer.body), headers: { 'content-type': 'application/json; charset=utf-8' }, outcome: error ? 'refused' : 'accepted' };
  }

  function write(request: TDoubleRequest): TGoogleAnswer {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const issued = bearer === undefined ? undefined : oauth.tokens.get(bearer);
    if (!issued || issued.expiresAt <= Date.now()) {
      const reason = bearer === undefined ? 'CREDENTIALS_MISSING' : 'ACCESS_TOKEN_EXPIRED';
      return rpcError('UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', { reason });
    }
    if (!issued.scopes?.some((scope) => LOGGING_SCOPES.has(scope))) {
      return rpcError('PERMISSION_DENIED', 'Request had insufficient authentication scopes.', { reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' });
    }
    if (!/^application\/json(;|$)/i.test(request.headers['content-type'] ?? '')) return invalid('Invalid JSON payload received. Unexpected content type.');
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return invalid('Invalid JSON payload received.');
    }
    if (!isRecord(body)) return invalid('Invalid JSON payload received. Expected an object.');
    const unknown = Object.keys(body).find((field) => !REQUEST_FIELDS.has(field));
    if (unknown !== undefined) return invalid(`Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
    const name = typeof body.logName === 'string' ? /^projects\/([^/]+)\/logs\/([^/]+)$/.exec(body.logName) : null;
    const logId = decodeLogId(name?.[2]);
    if (!name || logId === undefined || !/^[A-Za-z0-9/_.-]{1,511}$/.test(logId)) return invalid(`Invalid log name: must be projects/[PROJECT_ID]/logs/[LOG_ID] with LOG_ID URL-encoded.`);
    const project = name[1] ?? '';
    const members = writers.get(project);
    if (!members) return rpcError('NOT_FOUND', 'Requested entity was not found.');
    if (!members.has(issued.email)) {
      return rpcError('PERMISSION_DENIED', `Permission 'logging.logEntries.create' denied on resource (or it may not exist).`, { reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission: 'logging.logEntries.create' } });
    }
    const resource = body.resource;
    if (!isRecord(resource) || resource.type !== 'global' || (isRecord(resource.labels) && resource.labels.project_id !== project)) {
      return invalid("Invalid value at 'resource': the double knows the global resource, labelled with the log's project.");
    }
    const labelProblem = checkLabels(body.labels, 'labels');
    if (labelProblem) return labelProblem;
    if (!Array.isArray(body.entries) || body.entries.length === 0) return invalid('entries: at least one log entry is required.');
    const now = Date.now();
    for (const [i, entry] of body.entries.entries()) {
      const problem = checkEntry(entry, i, now);
      if (problem) return problem;
    }
    for (const entry of body.entries as TStoredEntry[]) {
      const key = `${body.logName}\n${entry.insertId}\n${Date.parse(entry.timestamp)}`;
      if (stored.has(key)) continue;
      stored.add(key);
      const labels = { ...(body.labels as Record<string, string> | undefined), ...entry.labels };
      entries.push({ ...entry, logName: body.logName as string, resource: resource as TStoredEntry['resource'], severity: entry.severity ?? 'DEFAULT', labels });
      events.push(entry.jsonPayload);
    }
    return { httpStatus: 200, body: {} };
  }

  function handle(request: TDoubleRequest): TDoubleAnswer | Promise<TDoubleAnswer> {
    const host = (request.headers.host ?? '').replace(/:443$/, '').toLowerCase();
    const path = request.path.split('?')[0];
    if (request.method === 'POST' && host === OAUTH_HOST && path === '/token') return token(request);
    if (request.method === 'POST' && host === LOGGING_HOST && path === '/v2/entries:write') return reply(write(request));
    return reply(rpcError('NOT_FOUND', 'The requested URL was not found on this server.'));
  }

  const double = await startHttpsDouble({
    hostname: LOGGING_HOST,
    tls: makeTestTls([LOGGING_HOST, OAUTH_HOST]),
    handle,
    failBody: (status) => JSON.stringify(rpcError(STATUS_OF[status] ?? 'UNKNOWN', 'Injected by the test.', undefined, status).body),
  });
  const connectTo = { [`${LOGGING_HOST}:443`]: `127.0.0.1:${double.port}`, [`${OAUTH_HOST}:443`]: `127.0.0.1:${double.port}` };
  const role = (project: string) => {
    const members = writers.get(project) ?? new Set<string>();
    writers.set(project, members);
    return members;
  };

  return Object.assign(double, {
    projectId,
    sinkOptions: (extra: Pick<TSiemSinkOptions, 'timeoutMs'> = {}): TSiemSinkOptions => ({ ca: [double.caPem], connectTo, ...extra }),
    createServiceAccount: (name?: string) => newServiceAccount(oauth, name ?? `cmk-log-writer-${(accounts += 1)}`),
    grantLogWriter: (email: string, project = projectId) => void role(project).add(email),
    revokeLogWriter: (email: string, project = projectId) => void role(project).delete(email),
    revokeTokens: () => oauth.tokens.clear(),
    injectTokenFault: (fault: Omit<TGoogleFault, 'service'>) => void oauth.faults.push({ ...fault, service: 'token' }),
    issuedTokens: () => [...oauth.tokens.keys()],
    tokenCalls,
    entries,
    events,
    lastError: () => lastError,
    settings: (account: TDoubleServiceAccount, overrides: Record<string, unknown> = {}) => ({
      projectId,
      logName: 'cmk-proxy/audit',
      serviceAccountKey: { ...account.keyFile },
      ...overrides,
    }),
  });
}
