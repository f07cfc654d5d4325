// An Azure Monitor Logs Ingestion double with its Microsoft Entra ID (tests,
// demo and bench only; no Azure is reachable here). Two local HTTPS servers,
// both with certificates from the test CA: Entra as login.microsoftonline.com
// (the OpenID metadata and client-credentials token endpoint of
// lib/testing/kms/azure-key-vault-double-aad.ts, which checks the client
// secret and issues opaque tokens per resource) and a data collection
// endpoint as <name>.westeurope-1.ingest.monitor.azure.com. Sinks reach both
// on 443 through connect-to overrides, as they would reach Azure. The endpoint
// checks what the Logs Ingestion API checks: POST /dataCollectionRules/{dcr}/
// streams/{stream}?api-version=2023-01-01, a bearer token Entra issued for
// https://monitor.azure.com to an app granted Monitoring Metrics Publisher on
// the rule, a known rule and stream, application/json, gzip (decompressed
// here), 1 MB, a JSON array of objects; it answers 204, or Azure's
// {"error":{"code","message"}} (401 AuthenticationFailed, 403
// InvalidAuthenticationToken / InvalidAuthenticationTokenAudience /
// OperationFailed, 404 NotFound, 400 InvalidStream / InvalidApiVersion /
// InvalidPayload, 413 ContentLengthLimitExceeded).
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { issueToken, openIdConfiguration, type TAadState, type TAzureApp, type TJsonAnswer } from '../kms/azure-key-vault-double-aad';
import { makeTestTls } from '../tls';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble } from './https-double';

export const ENTRA_HOST = 'login.microsoftonline.com';
export const AZURE_INGEST_HOST = 'cmk-dce-test.westeurope-1.ingest.monitor.azure.com';
const MONITOR_RESOURCES = new Set(['https://monitor.azure.com', 'https://monitor.azure.com/']);
const API_VERSION = '2023-01-01';
const MAX_CALL_BYTES = 1024 * 1024;

export type TAzureRule = { immutableId: string; streams: Set<string>; publishers: Set<string> };
export type TAzureRow = { dcr: string; stream: string; row: Record<string, unknown> };

export type TAzureMonitorDouble = THttpsDouble & {
  /** https://<ingest host>: the endpoint to configure (on 443). */
  readonly endpoint: string;
  readonly directoryId: string;
  /** An app registration with a client secret (default: a new one) in the double's directory. */
  createApp(clientSecret?: string): TAzureApp;
  /** A rule declaring `streams`; `publishers` are the client ids granted Monitoring Metrics Publisher on it. */
  createRule(streams: string[], publishers: string[]): TAzureRule;
  /** ZAzureMonitorSettings for a rule, a stream and an app. */
  settings(rule: TAzureRule, stream: string, app: TAzureApp): Record<string, string>;
  /** CA and connect-to overrides for both Entra and the endpoint. */
  connectOptions(extra?: { timeoutMs?: number }): { ca: string[]; connectTo: Record<string, string>; timeoutMs?: number };
  /** Accepted rows, in arrival order. */
  readonly rows: TAzureRow[];
  /** The Azure error code of each refusal, in order. */
  readonly refusals: string[];
  /** Token requests Entra answered, with their status. */
  readonly tokenCalls: { clientId: string; status: number }[];
  /** Every token issued so far stops being accepted. */
  revokeTokens(): void;
};

const azureError = (status: number, code: string, message: string): TJsonAnswer => ({ status, body: { error: { code, message } } });

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Entra as login.microsoftonline.com: metadata and tokens, from the Key Vault double's AAD half. */
async function startEntra(aad: TAadState, tokenCalls: TAzureMonitorDouble['tokenCalls']) {
  const tls = makeTestTls([ENTRA_HOST]);
  const base = `https://${ENTRA_HOST}`;
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const url = new URL(request.url ?? '/', base);
      const body = await readBody(request);
      const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      let answer: TJsonAnswer = azureError(404, 'NotFound', 'No such endpoint on this double.');
      if (metadata && request.method === 'GET') answer = openIdConfiguration(aad, base, metadata[1] ?? '');
      if (token && request.method === 'POST') {
        const form = new URLSearchParams(body.toString('utf8'));
        answer = await issueToken(aad, base, token[1] ?? '', form);
        tokenCalls.push({ clientId: form.get('client_id') ?? '', status: answer.status });
      }
      response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(answer.body));
    })().catch(() => request.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startAzureMonitorDouble(): Promise<TAzureMonitorDouble> {
  const directoryId = randomUUID();
  const aad: TAadState = { directories: new Set([directoryId]), apps: new Map(), tokens: new Map(), tokenLifetimeSeconds: 3599 };
  const rules = new Map<string, TAzureRule>();
  const rows: TAzureRow[] = [];
  const refusals: string[] = [];
  const tokenCalls: TAzureMonitorDouble['tokenCalls'] = [];

  const refuse = (status: number, code: string, message: string): TDoubleAnswer => {
    refusals.push(code);
    return { status, body: JSON.stringify({ error: { code, message } }), outcome: 'refused' };
  };

  function handle(request: TDoubleRequest): TDoubleAnswer {
    const url = new URL(request.path, `https://${AZURE_INGEST_HOST}`);
    const route = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (request.method !== 'POST' || !route) return refuse(404, 'NotFound', 'The requested resource was not found.');
    if (url.searchParams.get('api-version') !== API_VERSION) return refuse(400, 'InvalidApiVersion', 'The api-version is missing or not supported.');
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined) return refuse(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const token = aad.tokens.get(bearer);
    if (!token || token.expiresAt <= Date.now()) return refuse(403, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (!MONITOR_RESOURCES.has(token.resource)) return refuse(403, 'InvalidAuthenticationTokenAudience', 'The access token has been obtained from wrong audience or resource.');
    const [dcr, stream] = [decodeURIComponent(route[1] ?? ''), decodeURIComponent(route[2] ?? '')];
    const rule = rules.get(dcr);
    if (!rule) return refuse(404, 'NotFound', `Data collection rule with immutable Id '${dcr}' not found.`);
    if (!rule.publishers.has(token.clientId)) {
      return refuse(403, 'OperationFailed', `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${dcr}'.`);
    }
    if (!rule.streams.has(stream)) return refuse(400, 'InvalidStream', `Stream '${stream}' is not declared in data collection rule '${dcr}'.`);
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return refuse(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
    if (request.body.length > MAX_CALL_BYTES) return refuse(413, 'ContentLengthLimitExceeded', 'The request body is over 1 MB.');
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'gzip') return refuse(400, 'InvalidContentEncoding', 'Content-Encoding must be gzip or absent.');
    let text: Buffer;
    try {
      text = encoding === 'gzip' ? gunzipSync(request.body, { maxOutputLength: MAX_CALL_BYTES + 1 }) : request.body;
    } catch {
      return refuse(413, 'ContentLengthLimitExceeded', 'The request body is not gzip, or over 1 MB decompressed.');
    }
    if (text.length > MAX_CALL_BYTES) return refuse(413, 'ContentLengthLimitExceeded', 'The request body is over 1 MB.');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.toString('utf8'));
    } catch {
      return refuse(400, 'InvalidPayload', 'The body is not JSON.');
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
      return refuse(400, 'InvalidPayload', 'The body must be a JSON array of objects.');
    }
    rows.push(...(parsed as Record<string, unknown>[]).map((row) => ({ dcr, stream, row })));
    return { status: 204, body: '', outcome: 'accepted' };
  }

  const entra = await startEntra(aad, tokenCalls);
  const ingestion = await startHttpsDouble({
    hostname: AZURE_INGEST_HOST,
    handle,
    failBody: (status) =>
      JSON.stringify({ error: status === 429 ? { code: 'TooManyRequests', message: 'Rate limit exceeded.' } : { code: 'ServiceUnavailable', message: 'The service is unavailable.' } }),
  });
  const closeIngestion = ingestion.close;

  return Object.assign(ingestion, {
    endpoint: `https://${AZURE_INGEST_HOST}`,
    directoryId,
    createApp(clientSecret = `Mq8Q~${randomBytes(16).toString('hex')}`): TAzureApp {
      const app: TAzureApp = { directoryId, clientId: randomUUID(), clientSecret };
      aad.apps.set(app.clientId, app);
      return app;
    },
    createRule(streams: string[], publishers: string[]): TAzureRule {
      const rule = { immutableId: `dcr-${randomBytes(16).toString('hex')}`, streams: new Set(streams), publishers: new Set(publishers) };
      rules.set(rule.immutableId, rule);
      return rule;
    },
    settings: (rule: TAzureRule, stream: string, app: TAzureApp) => ({
      endpoint: `https://${AZURE_INGEST_HOST}`,
      dcrImmutableId: rule.immutableId,
      streamName: stream,
      tenantId: app.directoryId,
      clientId: app.clientId,
      clientSecret: app.clientSecret ?? '',
    }),
    connectOptions: (extra: { timeoutMs?: number } = {}) => ({
      ca: [ingestion.caPem],
      connectTo: { [`${AZURE_INGEST_HOST}:443`]: `127.0.0.1:${ingestion.port}`, [`${ENTRA_HOST}:443`]: `127.0.0.1:${entra.port}` },
      ...extra,
    }),
    rows,
    refusals,
    tokenCalls,
    revokeTokens: () => aad.tokens.clear(),
    close: async () => {
      await Promise.all([closeIngestion(), entra.close()]);
    },
  });
}
