// The webhook sink against the webhook receiver double (lib/testing/siem/
// webhook-double.ts), a local HTTPS server: no real receiver is reachable
// here. The double verifies the HMAC signature and timestamp as a tenant's
// receiver would, over real TLS from a throw-away CA.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoCanaries, expectQueuedInOrder, expectRefusedNotRetriedHot, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { startWebhookDouble, type TWebhookDouble } from '@/lib/testing/siem/webhook-double';
import { createSiemDelivery, createSiemSink } from './index';
import type { TSiemSink } from './types';
import { signWebhookBody, webhookBody, webhookSink } from './webhook';

// Canaries: none may appear in any error message, cause or log line.
const SECRET = 'CANARYsecret-7f3a9c1e5b2d4680aa11bb22cc33';
const HEADER_VALUE = 'Bearer CANARYheader-5e6f7a8b';
const URL_TOKEN = 'CANARYurl-0c1d2e3f';
const EVENT_MARK = 'CANARYevent-4a5b6c7d';
const CANARIES = [SECRET, HEADER_VALUE, URL_TOKEN, EVENT_MARK];

let double: TWebhookDouble;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function settings(overrides: Record<string, unknown> = {}) {
  return { url: double.url(`/hook?token=${URL_TOKEN}`), hmacSecret: SECRET, headers: { 'X-Acme-Tenant': 'acme', Authorization: HEADER_VALUE }, ...overrides };
}

function sink(overrides: Record<string, unknown> = {}, timeoutMs = 5_000): TSiemSink {
  const made = createSiemSink('webhook', settings(overrides), double.sinkOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
/** The error `promise` rejects with, remembered for the canary scan. */
const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

beforeAll(async () => {
  double = await startWebhookDouble({ secret: SECRET });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  // The canary scan over every error and log line collected above.
  expectNoCanaries(log);
});

describe('webhook sink', () => {
  it('posts one signed JSON batch that the receiver verifies, with the extra headers', async () => {
    const before = double.events.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.requests.at(-1)).toMatchObject({ path: `/hook?token=${URL_TOKEN}`, outcome: 'accepted', status: 200 });
    expect(double.events.slice(before)).toEqual(batch);
    const headers = double.lastHeaders();
    expect(headers).toMatchObject({ 'x-acme-tenant': 'acme', authorization: HEADER_VALUE, 'content-type': 'application/json' });
    expect(headers?.['x-cmk-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(Number(headers?.['x-cmk-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
  });

  it('signs "<timestamp>.<body>" with HMAC-SHA256 (the documented format; vector from the openssl CLI)', () => {
    // printf '%s' '1700000000.{"events":[]}' | openssl dgst -sha256 -hmac kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
    expect(signWebhookBody('k'.repeat(32), 1_700_000_000, webhookBody([]))).toBe('v1=ca588210d600802515d213a989a5cb81b4173a6099dd1e6d2bc7efb990073ac0');
  });

  it('through a queue, delivers each event exactly once and in order across 503s and a dropped connection', async () => {
    const before = double.events.length;
    double.failNext(2, { status: 503 });
    double.dropNext(1);
    await expectQueuedInOrder(log, sink(), events(10, 100), () => double.events.slice(before), 3);
    expect(new Set(double.events.map((event) => event.id)).size).toBe(double.events.length);
  });

  it('reports a 503 as retryable with its Retry-After', async () => {
    double.failNext(1, { status: 503, retryAfter: 7 });
    const error = await failure(sink().send(events(1)));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7_000, message: 'The webhook is unavailable (HTTP 503).' });
  });

  it('is refused with a wrong secret: the double records a bad signature, and the queue does not retry it hot', async () => {
    const refusedBefore = double.refusedCount();
    const wrong = sink({ hmacSecret: 'CANARYsecret-but-the-wrong-one-1234567' });
    const error = await failure(wrong.send(events(1)));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('The webhook refused the credentials (HTTP 401); check the token or secret in the configuration.');
    expect(double.refusedCount()).toBe(refusedBefore + 1);
    expect(double.lastRefusal()).toBe('invalid signature');

    await expectRefusedNotRetriedHot(log, sink({ hmacSecret: 'CANARYsecret-but-the-wrong-one-1234567' }), events(3), () => double.requests.length);
  });

  it('the double refuses a stale timestamp and a body the signature does not cover', async () => {
    const post = (timestamp: number, signedBody: string, sentBody: string) =>
      new Promise<number>((resolve, reject) => {
        const request = https.request(
          double.url('/hook'),
          {
            method: 'POST',
            ca: double.caPem,
            lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
            headers: {
              'content-type': 'application/json',
              'x-cmk-timestamp': String(timestamp),
              'x-cmk-signature': signWebhookBody(SECRET, timestamp, Buffer.from(signedBody)),
            },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end(sentBody);
      });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(now, '{"events":[]}', '{"events":[]}')).toBe(200);
    expect(await post(now - 301, '{"events":[]}', '{"events":[]}')).toBe(401);
    expect(double.lastRefusal()).toBe('timestamp outside the tolerance');
    expect(await post(now, '{"events":[]}', '{"events":[{}]}')).toBe(401);
    expect(double.lastRefusal()).toBe('invalid signature');
  });

  it('times out on a stalled receiver (retryable), then delivers', async () => {
    double.stallNext(1);
    const made = sink({}, 300);
    const error = await failure(made.send(events(1)));
    expect(error).toMatchObject({ retryable: true, message: 'The webhook did not answer within 300 ms.' });
    await made.send(events(1));
  });

  it('refuses a receiver whose certificate it does not trust, without retrying it hot', async () => {
    const untrusted = createSiemSink('webhook', settings(), { resolve: { 'siem.test': '127.0.0.1' } });
    sinks.push(untrusted);
    const error = await failure(untrusted.send(events(1)));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^The webhook's TLS certificate is not trusted \([A-Z_]+\)/);
  });

  it('is cancelled by its signal', async () => {
    double.setDelay(2_000);
    const controller = new AbortController();
    const sending = failure(sink().send(events(1), controller.signal));
    setTimeout(() => controller.abort(), 50);
    expect((await sending).message).toBe('Delivery to the webhook was cancelled.');
    double.setDelay(0);
  });

  it('gets its queue-full policy from the signed settings', () => {
    const refusing = createSiemDelivery('webhook', settings({ onQueueFull: 'refuse' }), { sink: double.sinkOptions() });
    const dropping = createSiemDelivery('webhook', settings(), { sink: double.sinkOptions() });
    expect([refusing.onFull, dropping.onFull]).toEqual(['refuse', 'drop']);
    refusing.close();
    dropping.close();
    expect(webhookSink.maxBatchEvents).toBeGreaterThan(1);
  });
});
