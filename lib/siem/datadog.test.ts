// The Datadog Logs sink against the Datadog intake double (lib/testing/siem/
// datadog-double.ts): Datadog is not reachable here, so the double answers as
// http-intake.logs.datadoghq.eu on 443 through a connect-to override, with a
// certificate for that name. It checks the API key header, the content type
// and encoding, the array of logs and Datadog's documented limits, and answers
// as Datadog does (202, JSON:API errors).
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogDouble, type TDatadogDouble } from '@/lib/testing/siem/datadog-double';
import { makeSiemEvent } from '@/lib/testing/siem/events';
import { expectNoCanaries, expectQueuedInOrder, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { datadogEndpoint, datadogLog } from './datadog';
import { createHttpClient } from './http';
import { createSiemSink } from './index';
import type { TSiemEvent, TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line.
const API_KEY = 'cafe0000111122223333444455556666';
const WRONG_API_KEY = 'beef0000111122223333444455556666';
const EVENT_MARK = 'CANARYevent-8e9f0a1b';
const CANARIES = [API_KEY, WRONG_API_KEY, EVENT_MARK];

let double: TDatadogDouble;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(overrides: Record<string, unknown> = {}, timeoutMs = 5_000): TSiemSink {
  const made = createSiemSink('datadog', { site: 'datadoghq.eu', apiKey: API_KEY, ...overrides }, double.sinkOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
const failure = (promise: Promise<unknown>) => siemFailure(log, promise);
const sentEvents = (from: number) => double.logs.slice(from).map((log) => log.cmk as TSiemEvent);

beforeAll(async () => {
  double = await startDatadogDouble({ apiKey: API_KEY, site: 'datadoghq.eu' });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log);
});

describe('datadog sink', () => {
  it('posts a gzip JSON array of logs with DD-API-KEY to the site’s intake', async () => {
    const before = double.logs.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.requests.at(-1)).toMatchObject({ path: '/api/v2/logs', outcome: 'accepted', status: 202 });
    expect(double.encodings.at(-1)).toBe('gzip');
    expect(double.logs.slice(before)).toEqual(
      batch.map((event) => ({
        ddsource: 'cmk-tsp',
        ddtags: 'tenant:acme,deployment:dep_test,category:key_use,outcome:success',
        hostname: 'tsp-test-1',
        service: 'cmk-tsp',
        status: 'info',
        date: event.time,
        message: 'key_use unwrap success',
        cmk: event,
      })),
    );
  });

  it('builds the intake host from the site list only, and keeps tags to Datadog’s characters', () => {
    expect(datadogEndpoint('us5.datadoghq.com').href).toBe('https://http-intake.logs.us5.datadoghq.com/api/v2/logs');
    expect(datadogEndpoint('ddog-gov.com').href).toBe('https://http-intake.logs.ddog-gov.com/api/v2/logs');
    const log = datadogLog(makeSiemEvent(1, { tenantId: 'Acme Corp,x', outcome: 'failure', category: 'security_event', event: 'USER_LOGIN' }));
    expect(log).toMatchObject({ ddtags: 'tenant:acme_corp_x,deployment:dep_test,category:security_event,outcome:failure', status: 'error', message: 'security_event USER_LOGIN failure' });
  });

  it('reports a wrong API key as auth, not retryable, naming no key', async () => {
    const error = await failure(sink({ apiKey: WRONG_API_KEY }).send(events(1)));
    expect(error).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Datadog Logs refused the API key (HTTP 403); check that it is an API key (not an application key) of the organisation on the datadoghq.eu site.',
    });
  });

  it('does not reach another site’s intake through this one (its certificate names only datadoghq.eu)', async () => {
    const other = createSiemSink('datadog', { site: 'datadoghq.com', apiKey: API_KEY }, { ca: [double.caPem], connectTo: { 'http-intake.logs.datadoghq.com:443': `127.0.0.1:${double.port}` } });
    sinks.push(other);
    expect(await failure(other.send(events(1)))).toMatchObject({ code: 'tls', retryable: false });
  });

  it('passes on 429 and 503 with Retry-After as retryable', async () => {
    double.failNext(1, { status: 429, retryAfter: 4 });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 4_000, message: 'Datadog Logs is unavailable (HTTP 429).' });
    double.failNext(1, { status: 503, retryAfter: 1 });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'unavailable', retryable: true, retryAfterMs: 1_000 });
    double.failNext(1, { status: 413 });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'rejected', retryable: false });
  });

  it('treats a dropped connection and a stalled intake as retryable', async () => {
    double.dropNext(1);
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'network', retryable: true });
    double.stallNext(1);
    expect(await failure(sink({}, 300).send(events(1)))).toMatchObject({ code: 'timeout', retryable: true, message: 'Datadog Logs did not answer within 300 ms.' });
  });

  it('through a queue, delivers each event exactly once and in order across failures', async () => {
    const before = double.logs.length;
    double.failNext(2, { status: 500 });
    double.dropNext(1);
    await expectQueuedInOrder(log, sink(), events(10, 100), () => sentEvents(before), 3);
  });

  it('fills a batch to Datadog’s 1 000 logs within the 5 MB limit', async () => {
    const before = double.logs.length;
    await sink().send(events(1000, 1000));
    expect(double.logs.length - before).toBe(1000);
  });

  it('the double checks the key, content type, array shape and limits as Datadog does', async () => {
    const client = createHttpClient('the double', double.sinkOptions());
    const post = async (body: Buffer, headers: Record<string, string> = {}) => {
      const answer = await client.post(datadogEndpoint('datadoghq.eu'), { 'dd-api-key': API_KEY, 'content-type': 'application/json', ...headers }, body);
      return { status: answer.status, body: JSON.parse(answer.body.toString()) as unknown };
    };
    const log = (message: string) => ({ message });
    try {
      expect(await post(Buffer.from(JSON.stringify([log('a')])), { 'dd-api-key': '' })).toEqual({ status: 403, body: { errors: [{ status: '403', title: 'Forbidden', detail: 'Forbidden' }] } });
      expect((await post(Buffer.from('[]'), { 'content-type': 'text/csv' })).status).toBe(400);
      expect((await post(Buffer.from(JSON.stringify(log('a'))))).status).toBe(400);
      expect((await post(Buffer.from(JSON.stringify([{ msg: 'a' }])))).status).toBe(400);
      expect((await post(Buffer.from(JSON.stringify(Array.from({ length: 1001 }, () => log('a')))))).status).toBe(400);
      expect((await post(gzipSync(JSON.stringify([log('x'.repeat(5 * 1024 * 1024))])), { 'content-encoding': 'gzip' })).status).toBe(413);
      const truncatedBefore = double.truncated();
      expect(await post(gzipSync(JSON.stringify([log('x'.repeat(1024 * 1024 + 1))])), { 'content-encoding': 'gzip' })).toEqual({ status: 202, body: {} });
      expect(double.truncated() - truncatedBefore).toBe(1);
    } finally {
      client.close();
    }
  });
});
