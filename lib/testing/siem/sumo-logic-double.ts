// A Sumo Logic HTTP Logs source double (tests, demo and bench only; no Sumo
// Logic is reachable here). It listens as endpoint4.collection.us2.sumologic.com
// (the schema only allows Sumo's collection hosts on 443, so sinks reach it
// through a connect-to override and trust it through the test CA) and checks
// what the source checks: POST to /receiver/v1/http/<token> with the token it
// was given (401 otherwise, as Sumo answers a missing or invalid token), a
// log content type (a metrics type would be read as metrics), gzip, deflate
// or no encoding, at most 1 MB before compression, and UTF-8 lines, each of
// which must be one of our JSON events. It records the metadata headers.
import { gunzipSync, inflateSync } from 'node:zlib';
import type { TSiemEvent } from '@/lib/siem/types';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble, type THttpsDoubleOptions } from './https-double';

export const SUMO_DOUBLE_HOST = 'endpoint4.collection.us2.sumologic.com';
const MAX_UNCOMPRESSED_BYTES = 1_000_000;
const SOURCE_PREFIX = '/receiver/v1/http/';

export type TSumoMetadata = { category?: string; name?: string; host?: string; encoding?: string };

export type TSumoLogicDouble = THttpsDouble & {
  /** The source URL to configure (on 443, as Sumo shows it). */
  url(token?: string): string;
  /** Options that reach this double as the real endpoint on 443. */
  connectOptions(extra?: { timeoutMs?: number }): { ca: string[]; connectTo: Record<string, string>; timeoutMs?: number };
  /** Accepted events, in arrival order. */
  readonly events: TSiemEvent[];
  /** The metadata headers of each accepted request. */
  readonly metadata: TSumoMetadata[];
};

const sumoError = (status: number, message: string): TDoubleAnswer => ({ status, body: JSON.stringify({ status, message }), outcome: 'refused' });

function decode(body: Buffer, encoding: string | undefined): Buffer | undefined {
  try {
    if (encoding === undefined || encoding === 'identity') return body;
    if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: MAX_UNCOMPRESSED_BYTES + 1 });
    if (encoding === 'deflate') return inflateSync(body, { maxOutputLength: MAX_UNCOMPRESSED_BYTES + 1 });
  } catch (error) {
    // Over the limit: return something over the limit so the size check answers.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return Buffer.alloc(MAX_UNCOMPRESSED_BYTES + 1);
  }
  return undefined;
}

function isEvent(value: unknown): value is TSiemEvent {
  const event = value as Partial<TSiemEvent> | null;
  return typeof event === 'object' && event !== null && typeof event.id === 'string' && typeof event.time === 'string' && event.source === 'cmk-tsp' && typeof event.event === 'string';
}

export async function startSumoLogicDouble(options: { token: string } & Pick<THttpsDoubleOptions, 'port' | 'tls'>): Promise<TSumoLogicDouble> {
  const events: TSiemEvent[] = [];
  const metadata: TSumoMetadata[] = [];

  function handle(request: TDoubleRequest): TDoubleAnswer {
    if (!request.path.startsWith(SOURCE_PREFIX)) return sumoError(404, 'Not found');
    if (request.method !== 'POST') return sumoError(405, 'Method not allowed');
    if (request.path.slice(SOURCE_PREFIX.length) !== options.token) return sumoError(401, 'Invalid or missing URL token');
    const type = request.headers['content-type'] ?? '';
    if (type.startsWith('application/vnd.sumologic.')) return sumoError(400, 'Metrics content type on a log upload');
    const encoding = request.headers['content-encoding'];
    const text = decode(request.body, encoding);
    if (text === undefined) return sumoError(400, 'Unsupported or corrupt content encoding');
    if (text.length > MAX_UNCOMPRESSED_BYTES) return sumoError(413, 'Payload too large');
    const lines = text.toString('utf8').split('\n');
    const batch: TSiemEvent[] = [];
    for (const line of lines) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        // Sumo would ingest the line as text; the double insists on what the sink promises.
        return sumoError(400, 'A line is not one JSON event');
      }
      if (!isEvent(parsed)) return sumoError(400, 'A line is not one JSON event');
      batch.push(parsed);
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    metadata.push({ category: header('x-sumo-category'), name: header('x-sumo-name'), host: header('x-sumo-host'), encoding });
    events.push(...batch);
    return { status: 200, body: '', outcome: 'accepted' };
  }

  const double = await startHttpsDouble({
    hostname: SUMO_DOUBLE_HOST,
    handle,
    failBody: (status) => JSON.stringify({ status, message: status === 429 ? 'Too many requests' : 'Service unavailable' }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return Object.assign(double, {
    url: (token = options.token) => `https://${SUMO_DOUBLE_HOST}${SOURCE_PREFIX}${token}`,
    connectOptions: (extra: { timeoutMs?: number } = {}) => ({ ca: [double.caPem], connectTo: { [`${SUMO_DOUBLE_HOST}:443`]: `127.0.0.1:${double.port}` }, ...extra }),
    events,
    metadata,
  });
}
