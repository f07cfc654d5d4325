// The Sumo Logic sink against the HTTP Logs source double (lib/testing/siem/
// sumo-logic-double.ts), a local HTTPS server standing in for Sumo's
// collection endpoint: no Sumo Logic is reachable here. The sink reaches it
// as endpoint4.collection.us2.sumologic.com:443 through a connect-to override,
// and the double checks the token in the path, the gzip'd JSON lines, the
// content type and the 1 MB limit, and answers as Sumo does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoCanaries, expectQueuedInOrder, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { startSumoLogicDouble, type TSumoLogicDouble } from '@/lib/testing/siem/sumo-logic-double';
import { createSiemSink, siemBatchLimits } from './index';
import { sumoBody, sumoHeaders } from './sumo-logic';
import type { TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line.
const TOKEN = 'CANARYtokenZmFrZS1zb3VyY2UtdG9rZW4tMDAwMQ';
const WRONG_TOKEN = 'CANARYwrongZmFrZS1zb3VyY2UtdG9rZW4tOTk5OQ';
const EVENT_MARK = 'CANARYevent-5c6d7e8f';
const CANARIES = [TOKEN, WRONG_TOKEN, EVENT_MARK];

let double: TSumoLogicDouble;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(token = TOKEN, timeoutMs = 5_000): TSiemSink {
  const made = createSiemSink('sumo-logic', { url: double.url(token) }, double.connectOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);

const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

beforeAll(async () => {
  double = await startSumoLogicDouble({ token: TOKEN });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log);
});

describe('sumo-logic sink', () => {
  it('posts the batch as gzip’d JSON lines to the source URL, with the source name and host', async () => {
    const before = double.events.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.requests.at(-1)).toMatchObject({ path: `/receiver/v1/http/${TOKEN}`, outcome: 'accepted', status: 200 });
    expect(double.events.slice(before)).toEqual(batch);
    expect(double.metadata.at(-1)).toEqual({ name: 'cmk-tsp', host: 'tsp-test-1', encoding: 'gzip' });
    expect(sumoBody(batch).split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(batch);
  });

  it('names no host when a batch mixes TSP instances, and stays within Sumo’s 1 MB', () => {
    const [a, b] = events(2);
    expect(sumoHeaders([a!, { ...b!, instanceId: 'tsp-test-2' }])).toEqual({ 'x-sumo-name': 'cmk-tsp' });
    const { maxEvents, maxBytes } = siemBatchLimits('sumo-logic');
    expect(maxBytes + maxEvents).toBeLessThanOrEqual(1_000_000);
  });

  it('reports a wrong or deleted source token as auth, not retryable, without the URL', async () => {
    const error = await failure(sink(WRONG_TOKEN).send(events(1)));
    expect(double.requests.at(-1)).toMatchObject({ outcome: 'refused', status: 401 });
    expect(error).toMatchObject({ code: 'auth', retryable: false });
    expect(error.message).toMatch(/^Sumo Logic refused the credentials \(HTTP 401\)/);
  });

  it('is refused (413, rejected) when a request is over 1 MB before compression', async () => {
    const big = events(2).map((event) => ({ ...event, customFields: { ...event.customFields, pad: 'x'.repeat(600_000) } }));
    expect(await failure(sink().send(big))).toMatchObject({ code: 'rejected', retryable: false });
    expect(double.requests.at(-1)).toMatchObject({ outcome: 'refused', status: 413 });
  });

  it('reports throttling (429) and 503 as retryable, with Retry-After', async () => {
    double.failNext(1, { status: 429, retryAfter: 3 });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 3_000 });
    double.failNext(1, { status: 503 });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('treats a dropped connection and a stalled collector as retryable', async () => {
    double.dropNext(1);
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'network', retryable: true });
    double.stallNext(1);
    expect(await failure(sink(TOKEN, 300).send(events(1)))).toMatchObject({ code: 'timeout', retryable: true, message: 'Sumo Logic did not answer within 300 ms.' });
  });

  it('checks the collector’s certificate against the Sumo host name', async () => {
    const untrusted = createSiemSink('sumo-logic', { url: double.url() }, { connectTo: double.connectOptions().connectTo });
    sinks.push(untrusted);
    expect(await failure(untrusted.send(events(1)))).toMatchObject({ code: 'tls', retryable: false });
  });

  it('through a queue, delivers each event exactly once and in order across throttling and drops', async () => {
    const before = double.events.length;
    double.failNext(2, { status: 429, retryAfter: 0 });
    double.dropNext(1);
    await expectQueuedInOrder(log, sink(), events(10, 100), () => double.events.slice(before), 3);
  });
});
