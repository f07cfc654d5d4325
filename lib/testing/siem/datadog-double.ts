// A Datadog Logs intake double (tests, demo and bench only; Datadog is not
// reachable here). It answers as `http-intake.logs.<site>` on 443 through a
// connect-to override, with a certificate for that host name, so the sink
// runs unchanged. It speaks the v2 intake: `POST /api/v2/logs`, the
// `DD-API-KEY` header (403 for an unknown key, as Datadog answers), content
// type application/json, optional `Content-Encoding: gzip`, a JSON array of
// log objects each with a string `message`; the documented limits (5 MB
// uncompressed → 413, more than 1 000 entries → 400, logs over 1 MB accepted
// but truncated); 202 `{}` on success and JSON:API `{"errors":[…]}` bodies.
import { gunzipSync } from 'node:zlib';
import type { TSiemSinkOptions } from '@/lib/siem/types';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble, type THttpsDoubleOptions } from './https-double';

export type TDatadogLog = { message: string; ddsource?: string; ddtags?: string; hostname?: string; service?: string; [attribute: string]: unknown };

export type TDatadogDouble = THttpsDouble & {
  /** Accepted logs, in arrival order. */
  readonly logs: TDatadogLog[];
  /** Content-Encoding of each accepted request ('identity' when absent). */
  readonly encodings: string[];
  /** How many accepted logs were over 1 MB (Datadog truncates them). */
  truncated(): number;
};

export type TDatadogDoubleOptions = {
  apiKey: string;
  site?: string;
} & Pick<THttpsDoubleOptions, 'port' | 'tls'>;

export const DATADOG_MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
export const DATADOG_MAX_ENTRIES = 1000;
export const DATADOG_MAX_LOG_BYTES = 1024 * 1024;

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Datadog's JSON:API error body. */
export function datadogError(status: number, detail: string): string {
  return JSON.stringify({ errors: [{ status: String(status), title: STATUS_TITLES[status] ?? 'Error', detail }] });
}

export async function startDatadogDouble(options: TDatadogDoubleOptions): Promise<TDatadogDouble> {
  const hostname = `http-intake.logs.${options.site ?? 'datadoghq.eu'}`;
  const logs: TDatadogLog[] = [];
  const encodings: string[] = [];
  let truncated = 0;
  const refuse = (status: number, detail: string): TDoubleAnswer => ({ status, body: datadogError(status, detail), outcome: 'refused' });

  function handle(request: TDoubleRequest): TDoubleAnswer {
    if (request.method !== 'POST' || request.path.split('?')[0] !== '/api/v2/logs') return refuse(404, 'Not found');
    if (request.headers['dd-api-key'] !== options.apiKey) return refuse(403, 'Forbidden');
    if ((request.headers['content-type'] ?? '').split(';')[0]?.trim() !== 'application/json') return refuse(400, 'Unsupported content type');
    const encoding = request.headers['content-encoding'] ?? 'identity';
    if (encoding !== 'gzip' && encoding !== 'identity') return refuse(400, 'Unsupported content encoding');
    let raw = request.body;
    try {
      if (encoding === 'gzip') raw = gunzipSync(request.body, { maxOutputLength: DATADOG_MAX_PAYLOAD_BYTES + 1 });
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return tooLarge ? refuse(413, 'Payload too large') : refuse(400, 'Payload cannot be decompressed');
    }
    if (raw.length > DATADOG_MAX_PAYLOAD_BYTES) return refuse(413, 'Payload too large');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(400, 'Invalid JSON');
    }
    if (!Array.isArray(parsed)) return refuse(400, 'Expected a JSON array of logs');
    if (parsed.length > DATADOG_MAX_ENTRIES) return refuse(400, 'Too many logs in one request');
    for (const entry of parsed as unknown[]) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as TDatadogLog).message !== 'string') {
        return refuse(400, 'Each log must be an object with a message');
      }
    }
    const batch = parsed as TDatadogLog[];
    truncated += batch.filter((log) => Buffer.byteLength(JSON.stringify(log)) > DATADOG_MAX_LOG_BYTES).length;
    logs.push(...batch);
    encodings.push(encoding);
    return { status: 202, body: '{}', outcome: 'accepted' };
  }

  const double = await startHttpsDouble({
    hostname,
    handle,
    failBody: (status) => datadogError(status, STATUS_TITLES[status] ?? 'Error'),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return Object.assign(double, {
    // The intake is a fixed host on 443: reached through connect-to, as a private relay would be.
    sinkOptions: (extra: Pick<TSiemSinkOptions, 'timeoutMs'> = {}): TSiemSinkOptions => ({
      ca: [double.caPem],
      connectTo: { [`${hostname}:443`]: `127.0.0.1:${double.port}` },
      ...extra,
    }),
    logs,
    encodings,
    truncated: () => truncated,
  });
}
