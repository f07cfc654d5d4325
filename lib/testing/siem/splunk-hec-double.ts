// A Splunk HTTP Event Collector double (tests, demo and bench only; no
// Splunk is reachable here). It speaks HEC's JSON event protocol: the event
// endpoints, `Authorization: Splunk <token>` with HEC's own answers (401 code
// 2 or 3, 403 {"text":"Invalid token","code":4}), a body of concatenated JSON
// envelopes each with an `event`, an optional allow-list of indexes (400 code
// 7), {"text":"Success","code":0} on success and {"text":"Server is busy",
// "code":9} for injected 503s. Unlike a real HEC, a bad envelope refuses the
// whole request (Splunk may index the envelopes before it): the double keeps
// the simpler, stricter reading.
import type { TSiemEvent } from '@/lib/siem/types';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble, type THttpsDoubleOptions } from './https-double';

export type THecEnvelope = {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: TSiemEvent;
  [member: string]: unknown;
};

export type TSplunkHecDouble = THttpsDouble & {
  /** The HEC URL to configure; by default the base (no path), as many tenants paste it. */
  url(path?: string): string;
  /** Accepted envelopes, in arrival order. */
  readonly envelopes: THecEnvelope[];
  /** Their events. */
  readonly events: TSiemEvent[];
  /** The HEC code of the last refusal. */
  lastRefusalCode(): number | undefined;
  /** Channel ids seen (X-Splunk-Request-Channel), in order. */
  readonly channels: string[];
};

export type TSplunkHecDoubleOptions = {
  token: string;
  hostname?: string;
  /** When set, an envelope naming another index is refused (HEC code 7). */
  allowedIndexes?: readonly string[];
} & Pick<THttpsDoubleOptions, 'port' | 'tls'>;

const EVENT_PATHS = new Set(['/services/collector', '/services/collector/event', '/services/collector/event/1.0']);

const hec = (text: string, code: number, extra: Record<string, unknown> = {}) => JSON.stringify({ text, code, ...extra });

/** Splits HEC's batch body (JSON objects one after another, any whitespace between) into the objects' texts. */
export function splitConcatenatedJson(body: string): string[] | { invalidAt: number } {
  const texts: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (/\s/.test(body.charAt(i))) {
      i++;
      continue;
    }
    if (body.charAt(i) !== '{') return { invalidAt: texts.length };
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = i; j < body.length; j++) {
      const c = body.charAt(j);
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = j;
        break;
      }
    }
    if (end < 0) return { invalidAt: texts.length };
    texts.push(body.slice(i, end + 1));
    i = end + 1;
  }
  return texts;
}

export async function startSplunkHecDouble(options: TSplunkHecDoubleOptions): Promise<TSplunkHecDouble> {
  const envelopes: THecEnvelope[] = [];
  const events: TSiemEvent[] = [];
  const channels: string[] = [];
  let lastCode: number | undefined;

  const refuse = (status: number, text: string, code: number, extra?: Record<string, unknown>): TDoubleAnswer => {
    lastCode = code;
    return { status, body: hec(text, code, extra), outcome: 'refused' };
  };

  function handle(request: TDoubleRequest): TDoubleAnswer {
    const path = request.path.split('?')[0] ?? '';
    if (request.method !== 'POST' || !EVENT_PATHS.has(path)) return refuse(404, 'The requested URL was not found on this server.', 404);
    const authorization = request.headers.authorization;
    if (authorization === undefined) return refuse(401, 'Token is required', 2);
    const token = /^Splunk (\S+)$/.exec(authorization)?.[1];
    if (token === undefined) return refuse(401, 'Invalid authorization', 3);
    if (token !== options.token) return refuse(403, 'Invalid token', 4);

    const text = request.body.toString('utf8');
    if (text.trim() === '') return refuse(400, 'No data', 5);
    const split = splitConcatenatedJson(text);
    if (!Array.isArray(split)) return refuse(400, 'Invalid data format', 6, { 'invalid-event-number': split.invalidAt });
    const batch: THecEnvelope[] = [];
    for (const [number, part] of split.entries()) {
      let envelope: THecEnvelope;
      try {
        envelope = JSON.parse(part) as THecEnvelope;
      } catch {
        return refuse(400, 'Invalid data format', 6, { 'invalid-event-number': number });
      }
      if (!('event' in envelope)) return refuse(400, 'Event field is required', 12, { 'invalid-event-number': number });
      if ((envelope.event as unknown) === '' || envelope.event === null) return refuse(400, 'Event field cannot be blank', 13, { 'invalid-event-number': number });
      if (options.allowedIndexes && envelope.index !== undefined && !options.allowedIndexes.includes(envelope.index)) {
        return refuse(400, 'Incorrect index', 7, { 'invalid-event-number': number });
      }
      batch.push(envelope);
    }
    const channel = request.headers['x-splunk-request-channel'];
    if (typeof channel === 'string') channels.push(channel);
    envelopes.push(...batch);
    events.push(...batch.map((envelope) => envelope.event));
    return { status: 200, body: hec('Success', 0), outcome: 'accepted' };
  }

  const double = await startHttpsDouble({
    hostname: options.hostname ?? 'splunk.test',
    handle,
    failBody: (status) => (status === 503 ? hec('Server is busy', 9) : status === 500 ? hec('Internal server error', 8) : hec('Request failed', status)),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return Object.assign(double, {
    url: (path = '') => `${double.origin}${path}`,
    envelopes,
    events,
    channels,
    lastRefusalCode: () => lastCode,
  });
}
