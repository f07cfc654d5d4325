// HTTP to the TSP: POST {url}/api/1/<route> with the API key, over
// keep-alive connections (one node:http(s) Agent per client), each attempt
// bounded by timeoutMs, retried with full jitter after a 5xx or a connection
// failure (refused, reset, timed out) — never after a 4xx, which would only
// be refused again. The response body, which holds DEKs, is wiped once parsed.
import http from 'node:http';
import https from 'node:https';
import { TenantSecurityError, TSC_ERROR_CODES } from './errors';
import type { TParsedClientOptions } from './schemas';

/** A 1 000-document batch-wrap answer is about 350 KB. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const USER_AGENT = 'cmk-tsc-node/1';

export type TTransport = {
  /** The parsed JSON of a 200, or a TenantSecurityError with the TSP's code. */
  post(route: string, body: unknown): Promise<unknown>;
  close(): void;
};

type TAnswer = { status: number; body: Buffer };

class AttemptFailed extends Error {}

/** Failures of the connection that another attempt may not meet; a certificate the client refuses is not one. */
const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const isTransient = (error: unknown) => error instanceof AttemptFailed || TRANSIENT.has((error as NodeJS.ErrnoException)?.code ?? '');

const wipe = (buffers: Buffer[]) => buffers.forEach((b) => b.fill(0));

function parseAnswer(route: string, answer: TAnswer): unknown {
  const { status, body } = answer;
  let json: unknown;
  try {
    json = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  } finally {
    body.fill(0);
  }
  if (status === 200) {
    if (json === undefined) throw new TenantSecurityError(TSC_ERROR_CODES.UNKNOWN_ERROR, `The TSP answered ${route} with a body that is not JSON.`, { httpStatus: status });
    return json;
  }
  const error = json as { code?: unknown; message?: unknown } | undefined;
  if (error && typeof error.code === 'number' && Number.isInteger(error.code) && typeof error.message === 'string') {
    throw new TenantSecurityError(error.code, `TSP ${route}: ${error.message}`, { httpStatus: status });
  }
  throw new TenantSecurityError(TSC_ERROR_CODES.UNKNOWN_ERROR, `The TSP answered ${route} with HTTP ${status} and no {code, message}.`, { httpStatus: status });
}

/** Full jitter: a random wait below the exponential bound keeps many clients from retrying in step. */
export function backoffMs(tried: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return random() * Math.min(maxMs, baseMs * 2 ** tried);
}

export function createTransport(options: TParsedClientOptions): TTransport {
  const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  const isHttps = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' as const };
  const agent = isHttps ? new https.Agent({ ...agentOptions, ...(options.ca === undefined ? {} : { ca: options.ca as string | Buffer | (string | Buffer)[] }) }) : new http.Agent(agentOptions);
  const send = isHttps ? https.request : http.request;
  const authorization = `cmk ${options.apiKey}`;

  function attempt(url: URL, payload: Buffer): Promise<TAnswer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        wipe(chunks);
        reject(error);
      };
      const request = send(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json', authorization, 'user-agent': USER_AGENT },
        },
        (response) => {
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) request.destroy(new AttemptFailed(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const body = Buffer.concat(chunks);
            wipe(chunks);
            resolve({ status: response.statusCode ?? 0, body });
          });
          response.on('error', fail);
          response.on('close', () => fail(new AttemptFailed('the connection closed before the answer was complete')));
        },
      );
      const timer = setTimeout(() => request.destroy(new AttemptFailed(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      request.on('error', fail);
      request.end(payload);
    });
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return {
    async post(route, body) {
      const url = new URL(`api/1/${route}`, base);
      const payload = Buffer.from(JSON.stringify(body), 'utf8');
      for (let tried = 0; ; tried += 1) {
        const last = tried >= options.maxRetries;
        try {
          const answer = await attempt(url, payload);
          if (answer.status < 500 || last) return await parseAnswer(route, answer);
          answer.body.fill(0);
        } catch (error) {
          if (error instanceof TenantSecurityError) throw error;
          if (last || !isTransient(error)) {
            const why = error instanceof AttemptFailed ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
            throw new TenantSecurityError(TSC_ERROR_CODES.UNABLE_TO_MAKE_REQUEST, `Could not reach the TSP for ${route} after ${tried + 1} attempt(s): ${why}.`, { cause: error });
          }
        }
        await sleep(backoffMs(tried, options.retryBaseMs, options.retryMaxMs));
      }
    },
    close() {
      agent.destroy();
    },
  };
}
