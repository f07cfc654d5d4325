// The Vault driver's HTTP client: JSON calls to one Vault address over one
// keep-alive https.Agent, which also trusts the configuration's CA certificate
// (for this address only: the agent serves nothing else) and caps the sockets
// open to this Vault, so a slow Vault queues calls instead of piling up
// connections. Throttling (429) and transient unavailability (502/503/504, a
// keep-alive socket reset) get bounded retries with full jitter; everything
// else fails at once as a VaultHttpError or the network error. Vault's HTTP
// API: JSON bodies, the token in X-Vault-Token, the Enterprise namespace in
// X-Vault-Namespace, and errors as {"errors": [...]} with the HTTP status
// (developer.hashicorp.com/vault/api-docs#http-status-codes).
import { Agent, request } from 'node:https';
import { fullJitterMs, sleepUnlessAborted } from './concurrency-limit';
import { keepAliveOptions } from './keep-alive';

/** Concurrent requests to one Vault address; more wait for a socket (bounded by the call's deadline). */
export const VAULT_MAX_SOCKETS = 16;
/** Three attempts: two retries absorb a brief throttle or a standby's failover within the 5 s deadline. */
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 1_000;
/** Vault answers are small; anything bigger is not Vault. */
const MAX_BODY_BYTES = 1 << 20;

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_NETWORK = new Set(['ECONNRESET', 'EPIPE']);

/** Vault answered with an error status; `errors` is its {"errors": [...]} list (classified, never shown). */
export class VaultHttpError extends Error {
  readonly status: number;
  readonly errors: readonly string[];
  readonly path: string;

  constructor(status: number, errors: readonly string[], path: string) {
    super(`Vault answered HTTP ${status}.`);
    this.name = 'VaultHttpError';
    this.status = status;
    this.errors = errors;
    this.path = path;
  }
}

export type TVaultCall = { method: 'GET' | 'POST'; path: string; token?: string; body?: unknown };

export type TVaultHttp = {
  /** Resolves with Vault's JSON answer (2xx); rejects with VaultHttpError, a network/TLS error or the signal's reason. */
  call(call: TVaultCall, signal: AbortSignal): Promise<Record<string, unknown>>;
  close(): void;
};

function errorsOf(parsed: unknown): string[] {
  const list = typeof parsed === 'object' && parsed !== null ? (parsed as { errors?: unknown }).errors : undefined;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}


function isRetryable(error: unknown): boolean {
  if (error instanceof VaultHttpError) return RETRY_STATUSES.has(error.status) && !error.errors.some((e) => /locked/i.test(e));
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && RETRY_NETWORK.has(code);
}

export function createVaultHttp(options: { address: string; namespace?: string; caPem?: string }): TVaultHttp {
  const base = new URL(options.address);
  // Only the configuration's CA (when given) signs this Vault: the public roots are not consulted for it.
  const agent = new Agent({ ...keepAliveOptions(VAULT_MAX_SOCKETS), ...(options.caPem ? { ca: options.caPem } : {}) });
  const prefix = base.pathname.replace(/\/+$/, '');
  // URL keeps an IPv6 literal's brackets; the socket wants the bare address.
  const hostname = base.hostname.replace(/^\[|\]$/g, '');

  function once(call: TVaultCall, signal: AbortSignal): Promise<Record<string, unknown>> {
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (call.token) headers['x-vault-token'] = call.token;
    if (options.namespace) headers['x-vault-namespace'] = options.namespace;
    return new Promise((resolve, reject) => {
      const req = request(
        { protocol: 'https:', hostname, port: base.port || 443, method: call.method, path: `${prefix}/v1/${call.path}`, headers, agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              res.destroy();
              reject(new VaultHttpError(res.statusCode ?? 0, [], call.path));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? {} : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300 && typeof parsed === 'object' && parsed !== null) resolve(parsed as Record<string, unknown>);
            else reject(new VaultHttpError(status, errorsOf(parsed), call.path));
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    async call(call, signal) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await once(call, signal);
        } catch (error) {
          if (signal.aborted || attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
          await sleepUnlessAborted(fullJitterMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS), signal);
        }
      }
    },
    close() {
      agent.destroy();
    },
  };
}
