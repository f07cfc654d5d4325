// The Splunk HEC sink against the HEC double (lib/testing/siem/
// splunk-hec-double.ts), a local HTTPS server speaking HEC's protocol: no
// Splunk is reachable here. The double checks the token and the batch format
// and answers with HEC's own {text, code} bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoCanaries, expectQueuedInOrder, expectRefusedNotRetriedHot, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { splitConcatenatedJson, startSplunkHecDouble, type TSplunkHecDouble } from '@/lib/testing/siem/splunk-hec-double';
import { createSiemSink } from './index';
import { hecBody, hecEndpoint } from './splunk-hec';
import type { TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line.
const TOKEN = 'cafe1234-0000-4000-8000-00000000beef';
const WRONG_TOKEN = 'deadbeef-0000-4000-8000-00000000cafe';
const EVENT_MARK = 'CANARYevent-8e9f0a1b';
const CANARIES = [TOKEN, WRONG_TOKEN, EVENT_MARK];

let double: TSplunkHecDouble;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(overrides: Record<string, unknown> = {}, timeoutMs = 5_000): TSiemSink {
  const settings = { url: double.url(), token: TOKEN, index: 'cmk_audit', sourcetype: 'cmk:proxy:audit', ...overrides };
  const made = createSiemSink('splunk-hec', settings, double.sinkOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

beforeAll(async () => {
  double = await startSplunkHecDouble({ token: TOKEN, allowedIndexes: ['cmk_audit'] });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log);
});

describe('splunk-hec sink', () => {
  it('posts HEC envelopes, concatenated, with the token, to the event endpoint', async () => {
    const before = double.envelopes.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.requests.at(-1)).toMatchObject({ path: '/services/collector/event', outcome: 'accepted', status: 200 });
    expect(double.envelopes.slice(before)).toEqual(
      batch.map((event) => ({
        time: Date.parse(event.time) / 1000,
        host: event.instanceId,
        source: 'cmk-tsp',
        sourcetype: 'cmk:proxy:audit',
        index: 'cmk_audit',
        event,
      })),
    );
    expect(double.channels.at(-1)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('uses the event endpoint whether the URL is the HEC base or the endpoint itself', async () => {
    expect(hecEndpoint('https://splunk.example.com:8088').href).toBe('https://splunk.example.com:8088/services/collector/event');
    expect(hecEndpoint('https://splunk.example.com/services/collector').href).toBe('https://splunk.example.com/services/collector/event');
    await sink({ url: double.url('/services/collector/event') }).send(events(1));
    expect(double.requests.at(-1)?.path).toBe('/services/collector/event');
  });

  it('reaches a fixed host on 443 through a connect-to override, still checking its certificate', async () => {
    // The double's certificate names splunk.test; the URL keeps the default port.
    const before = double.events.length;
    const viaRelay = createSiemSink(
      'splunk-hec',
      { url: 'https://splunk.test', token: TOKEN, index: 'cmk_audit', sourcetype: 's' },
      { ca: [double.caPem], connectTo: { 'splunk.test:443': `127.0.0.1:${double.port}` } },
    );
    sinks.push(viaRelay);
    await viaRelay.send(events(2));
    expect(double.events.length - before).toBe(2);

    // Another name sent to the same place fails the certificate check.
    const wrongName = createSiemSink(
      'splunk-hec',
      { url: 'https://splunk.example.org', token: TOKEN, index: 'cmk_audit', sourcetype: 's' },
      { ca: [double.caPem], connectTo: { 'splunk.example.org:443': `127.0.0.1:${double.port}` } },
    );
    sinks.push(wrongName);
    expect(await failure(wrongName.send(events(1)))).toMatchObject({ code: 'tls', retryable: false });
  });

  it('writes time as epoch seconds with milliseconds', () => {
    const [event] = events(1);
    const text = hecBody([{ ...event!, time: '2026-03-01T12:00:00.123Z' }], { index: 'i', sourcetype: 's' }).toString();
    expect(text).toContain('"time":1772366400.123,');
  });

  it('through a queue, delivers each event exactly once and in order across "Server is busy" answers', async () => {
    const before = double.events.length;
    double.failNext(3, { status: 503 });
    await expectQueuedInOrder(log, sink(), events(12, 200), () => double.events.slice(before), 3);
  });

  it('reports "Server is busy" as retryable, with HEC code text and Retry-After', async () => {
    double.failNext(1, { status: 503, retryAfter: 2 });
    const error = await failure(sink().send(events(1)));
    expect(error).toMatchObject({ code: 'unavailable', retryable: true, retryAfterMs: 2_000, message: 'Splunk HEC is unavailable (HTTP 503): Server is busy (code 9).' });
  });

  it('is refused with a wrong token (403, Invalid token), not retryable and not retried hot', async () => {
    const wrong = sink({ token: WRONG_TOKEN });
    const error = await failure(wrong.send(events(1)));
    expect(double.lastRefusalCode()).toBe(4);
    expect(error).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Splunk HEC refused the events (HTTP 403): Invalid token (code 4); check the HEC token in the configuration.',
    });

    await expectRefusedNotRetriedHot(log, sink({ token: WRONG_TOKEN }), events(2), () => double.requests.length);
  });

  it('explains an index the token may not write to', async () => {
    const error = await failure(sink({ index: 'other_index' }).send(events(1)));
    expect(error).toMatchObject({
      code: 'not_found',
      retryable: false,
      message: 'Splunk HEC refused the events (HTTP 400): Incorrect index (code 7); add the index to the HEC token’s allowed indexes, or choose one of them.',
    });
  });

  it('treats a dropped connection and a stalled collector as retryable', async () => {
    double.dropNext(1);
    expect((await failure(sink().send(events(1)))).retryable).toBe(true);
    double.stallNext(1);
    const stalled = await failure(sink({}, 300).send(events(1)));
    expect(stalled).toMatchObject({ code: 'timeout', retryable: true, message: 'Splunk HEC did not answer within 300 ms.' });
  });

  it('the double splits concatenated JSON the way HEC reads it', () => {
    expect(splitConcatenatedJson('{"event":"a{"}\n {"event":{"b":"}"}}{"event":1}')).toEqual(['{"event":"a{"}', '{"event":{"b":"}"}}', '{"event":1}']);
    expect(splitConcatenatedJson('{"event":1} [2]')).toEqual({ invalidAt: 1 });
    expect(splitConcatenatedJson('{"event":"\\"}')).toEqual({ invalidAt: 0 });
  });
});
