// The HTTPS webhook sink: one signed JSON POST per batch. The wire format is
// what a tenant's receiver implements, so it is fixed here:
//
//   POST <url>                      (the configured URL, query included)
//   Content-Type: application/json
//   X-CMK-Timestamp: <unix seconds when this attempt was signed>
//   X-CMK-Signature: v1=<lower-case hex HMAC-SHA256(key, "<timestamp>.<body>")>
//   <the configuration's extra headers>
//   {"events":[<event>, …]}         (oldest first)
//
// The HMAC key is the secret's UTF-8 bytes and the message is the timestamp,
// a dot and the exact body bytes, so the receiver must verify the raw body
// before parsing it, compare in constant time, and refuse timestamps more than
// five minutes from its clock (a replayed request). Every attempt is signed
// anew, so a batch retried after a long backoff is not refused as stale; its
// events keep their ids, so a receiver can drop those it already has. The
// `v1=` prefix leaves room for another scheme beside it later.
import { createHmac } from 'node:crypto';
import { ZWebhookSettings, type TWebhookSettings } from '@/lib/schemas/providers/webhook';
import { createHttpClient, statusError } from './http';
import { defineSiemSink, type TSiemEvent } from './types';

export const WEBHOOK_SIGNATURE_VERSION = 'v1';

/** The X-CMK-Signature value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, body: Buffer): string {
  const hmac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `${WEBHOOK_SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

export function webhookBody(events: readonly TSiemEvent[]): Buffer {
  return Buffer.from(JSON.stringify({ events }), 'utf8');
}

export const webhookSink = defineSiemSink<TWebhookSettings>({
  provider: 'webhook',
  schema: ZWebhookSettings,
  // Well under the 1 MB many receivers (API gateways, serverless functions) accept per request.
  maxBatchEvents: 100,
  maxBatchBytes: 256 * 1024,
  create(settings, options) {
    const url = new URL(settings.url);
    const http = createHttpClient('the webhook', options);
    return {
      provider: 'webhook',
      async send(events, signal) {
        if (events.length === 0) return;
        const body = webhookBody(events);
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = {
          'user-agent': 'cmk-tsp',
          // The tenant's headers cannot override the ones below: the schema reserves those names.
          ...settings.headers,
          'content-type': 'application/json',
          'x-cmk-timestamp': String(timestamp),
          'x-cmk-signature': signWebhookBody(settings.hmacSecret, timestamp, body),
        };
        const answer = await http.post(url, headers, body, signal);
        if (answer.status < 200 || answer.status >= 300) throw statusError('the webhook', answer);
      },
      close: () => http.close(),
    };
  },
});
