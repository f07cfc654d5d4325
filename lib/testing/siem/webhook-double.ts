// A webhook receiver double (tests, demo and bench only; no real receiver is
// reachable here). It checks each request the way a tenant's receiver
// should: the HMAC over the exact body bytes ("<timestamp>.<body>", see
// lib/siem/webhook.ts), compared in constant time, and the timestamp within
// five minutes of its clock. A bad signature or stale timestamp is answered
// 401 and recorded as refused; accepted batches' events are kept in order.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TSiemEvent } from '@/lib/siem/types';
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble } from './https-double';

export type TWebhookDouble = THttpsDouble & {
  /** The URL to configure: https://<hostname>:<port><path>. */
  url(path?: string): string;
  /** Events of accepted requests, in arrival order. */
  readonly events: TSiemEvent[];
  /** Headers of the last accepted request (to check the configured extra headers arrived). */
  lastHeaders(): IncomingHttpHeaders | undefined;
  /** Why the last request was refused, in the double's words. */
  lastRefusal(): string | undefined;
  /** Requests refused (bad signature, stale timestamp, malformed body). */
  refusedCount(): number;
};

export type TWebhookDoubleOptions = {
  secret: string;
  hostname?: string;
  /** Largest accepted distance between X-CMK-Timestamp and the double's clock, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The double's clock, in ms. */
  now?: () => number;
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The hex digests in an X-CMK-Signature value: "v1=<hex>", or several, comma-separated, during a rotation. */
function v1Signatures(value: string): Buffer[] {
  return value
    .split(',')
    .map((part) => /^\s*v1=([0-9a-f]{64})\s*$/.exec(part)?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Buffer.from(hex, 'hex'));
}

export async function startWebhookDouble(options: TWebhookDoubleOptions): Promise<TWebhookDouble> {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Date.now;
  const events: TSiemEvent[] = [];
  let headersSeen: IncomingHttpHeaders | undefined;
  let refusal: string | undefined;
  let refused = 0;

  const refuse = (status: number, reason: string): TDoubleAnswer => {
    refused++;
    refusal = reason;
    return { status, body: JSON.stringify({ error: reason }), outcome: 'refused' };
  };

  function handle(request: TDoubleRequest): TDoubleAnswer {
    if (request.method !== 'POST') return refuse(405, 'method not allowed');
    const timestamp = header(request.headers, 'x-cmk-timestamp') ?? '';
    const signature = header(request.headers, 'x-cmk-signature') ?? '';
    if (!/^\d{1,12}$/.test(timestamp)) return refuse(401, 'missing or malformed X-CMK-Timestamp');
    if (Math.abs(now() / 1000 - Number(timestamp)) > tolerance) return refuse(401, 'timestamp outside the tolerance');
    const expected = createHmac('sha256', Buffer.from(options.secret, 'utf8')).update(`${timestamp}.`).update(request.body).digest();
    if (!v1Signatures(signature).some((candidate) => timingSafeEqual(candidate, expected))) return refuse(401, 'invalid signature');
    // Only a verified body is parsed.
    if (!/^application\/json\b/i.test(header(request.headers, 'content-type') ?? '')) return refuse(415, 'not JSON');
    let batch: unknown;
    try {
      batch = JSON.parse(request.body.toString('utf8'));
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const received = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(received)) return refuse(400, 'body has no events array');
    events.push(...(received as TSiemEvent[]));
    headersSeen = request.headers;
    return { status: 200, body: JSON.stringify({ received: received.length }), outcome: 'accepted' };
  }

  const double = await startHttpsDouble({
    hostname: options.hostname ?? 'siem.test',
    handle,
    failBody: (status) => JSON.stringify({ error: status === 413 ? 'too large' : 'unavailable' }),
  });
  return Object.assign(double, {
    url: (path = '/hook') => `${double.origin}${path}`,
    events,
    lastHeaders: () => headersSeen,
    lastRefusal: () => refusal,
    refusedCount: () => refused,
  });
}
