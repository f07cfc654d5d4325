// The Elasticsearch sink against the Elasticsearch double (lib/testing/siem/
// elastic-double.ts), a local HTTPS server speaking the bulk API: no cluster
// is reachable here. The double checks the API key or basic credentials, the
// NDJSON pairs and data stream rules, and answers with Elasticsearch's bulk
// response and error bodies, refusing single items when asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticDouble, type TElasticDouble } from '@/lib/testing/siem/elastic-double';
import { seqOf } from '@/lib/testing/siem/events';
import { expectNoCanaries, expectQueuedInOrder, markedEvents, recordingLogger, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { bulkBody, bulkEndpoint } from './elastic';
import { createSiemSink } from './index';
import { createSiemQueue } from './queue';
import type { TSiemEvent, TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line.
const KEY_ID = 'canaryKeyId77';
const KEY_SECRET = 'CANARYapikey-0f1e2d3c';
const API_KEY = Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64');
const WRONG_API_KEY = Buffer.from(`${KEY_ID}:CANARYwrong-77aa88bb`).toString('base64');
const USER = 'cmk_writer';
const PASSWORD = 'CANARYpass-9a8b7c';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const EVENT_MARK = 'CANARYevent-8e9f0a1b';
const CANARIES = [KEY_SECRET, API_KEY, WRONG_API_KEY, 'CANARYwrong-77aa88bb', PASSWORD, BASIC, EVENT_MARK];
const INDEX = 'logs-cmk.audit-default';

let double: TElasticDouble;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(overrides: Record<string, unknown> = {}, timeoutMs = 5_000): TSiemSink {
  const made = createSiemSink('elastic', { url: double.url(), apiKey: API_KEY, index: INDEX, ...overrides }, double.sinkOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
const failure = (promise: Promise<unknown>) => siemFailure(log, promise);
const storedSince = (before: number) => double.documents.slice(before).map((doc) => doc.source as unknown as TSiemEvent & { '@timestamp': string });

beforeAll(async () => {
  double = await startElasticDouble({ apiKey: { id: KEY_ID, key: KEY_SECRET }, basic: { username: USER, password: PASSWORD } });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log);
});

describe('elastic sink', () => {
  it('creates one document per event in the data stream, under the event id, with @timestamp', async () => {
    const before = double.documents.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.requests.at(-1)).toMatchObject({ path: '/_bulk', outcome: 'accepted', status: 200 });
    expect(double.documents.slice(before)).toEqual(batch.map((event) => ({ index: INDEX, id: event.id, source: { '@timestamp': event.time, ...event } })));
    expect(double.bulks.at(-1)).toEqual({ items: 3, failed: 0 });
  });

  it('writes NDJSON create/document pairs ending in a newline, to <url>/_bulk', () => {
    const [event] = events(1);
    expect(bulkBody([event!], 'cmk-audit').toString()).toBe(
      `{"create":{"_index":"cmk-audit","_id":"${event!.id}"}}\n${JSON.stringify({ '@timestamp': event!.time, ...event })}\n`,
    );
    expect(bulkEndpoint('https://es.example.com:9200').href).toBe('https://es.example.com:9200/_bulk');
    expect(bulkEndpoint('https://siem.example.com/elasticsearch/').href).toBe('https://siem.example.com/elasticsearch/_bulk');
  });

  it('signs in with a user name and password instead, through a reverse proxy path', async () => {
    const before = double.documents.length;
    await sink({ apiKey: undefined, username: USER, password: PASSWORD, url: double.url('/es'), index: 'cmk-audit' }).send(events(2));
    expect(double.requests.at(-1)?.path).toBe('/es/_bulk');
    expect(double.documents.slice(before).map((doc) => doc.index)).toEqual(['cmk-audit', 'cmk-audit']);
  });

  it('reports wrong credentials as auth, not retryable, naming no secret', async () => {
    const wrongKey = await failure(sink({ apiKey: WRONG_API_KEY }).send(events(1)));
    expect(wrongKey).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Elasticsearch refused the credentials (HTTP 401): security_exception; check the token or secret in the configuration.',
    });
    const wrongPassword = await failure(sink({ apiKey: undefined, username: USER, password: 'CANARYwrong-77aa88bb' }).send(events(1)));
    expect(wrongPassword).toMatchObject({ code: 'auth', retryable: false });
  });

  it('after a partly failed bulk (one item throttled), sends the batch again without duplicating the rest', async () => {
    const before = double.documents.length;
    const batch = events(5, 100);
    const third = batch[2]!.id;
    double.refuseItems((source) => source.id === third, { status: 429, type: 'es_rejected_execution_exception' });
    const error = await failure(sink().send(batch));
    expect(error).toMatchObject({ code: 'throttled', retryable: true });
    expect(error.message).toBe(
      'Elasticsearch could not index 1 of 5 events yet (HTTP 429 es_rejected_execution_exception); the batch is sent again, and the events already indexed are not duplicated.',
    );
    expect(double.documents.length - before).toBe(4);

    await sink().send(batch);
    expect(double.bulks.at(-1)).toEqual({ items: 5, failed: 4 });
    const stored = storedSince(before);
    expect(stored.map((doc) => doc.id).sort()).toEqual(batch.map((event) => event.id).sort());
    // Order within Elasticsearch is by @timestamp, which the retry keeps.
    expect(seqOf([...stored].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp'])))).toEqual(seqOf(batch));
  });

  it('reports a mapping error on an item as rejected and not retryable, without the reason (it may quote the event)', async () => {
    const batch = events(2, 150);
    double.refuseItems((source) => source.id === batch[1]!.id, { status: 400, type: 'document_parsing_exception' });
    const error = await failure(sink().send(batch));
    expect(error).toMatchObject({
      code: 'rejected',
      retryable: false,
      message: 'Elasticsearch refused 1 of 2 events (HTTP 400 document_parsing_exception); check the index’s mapping or ingest pipeline (a data stream also needs an index template).',
    });
    // An API key without the create_doc privilege on the index: 403 per item.
    const [denied] = events(1, 160);
    double.refuseItems((source) => source.id === denied!.id, { status: 403, type: 'security_exception' });
    expect(await failure(sink().send([denied!]))).toMatchObject({ code: 'auth', retryable: false });
  });

  it('through a queue, delivers each event exactly once and in order across 503 and 429 answers', async () => {
    const before = double.documents.length;
    double.failNext(2, { status: 503 });
    double.failNext(1, { status: 429, retryAfter: 0 });
    await expectQueuedInOrder(log, sink(), events(10, 200), () => storedSince(before), 3);
  });

  it('through a queue, a partly failed batch ends with every event stored exactly once', async () => {
    const before = double.documents.length;
    const batch = events(6, 300);
    double.refuseItems((source) => source.id === batch[1]!.id || source.id === batch[4]!.id, { status: 503, type: 'unavailable_shards_exception' }, 3);
    const queue = createSiemQueue({ sink: sink(), batch: { maxEvents: 6, maxBytes: 1_000_000 }, flushMs: 5, retry: { baseMs: 5, capMs: 20 }, logger: recordingLogger(log) });
    batch.forEach((event) => queue.enqueue(event));
    expect(await queue.drain(5_000)).toEqual({ delivered: 6, left: 0 });
    expect(storedSince(before).map((doc) => doc.id).sort()).toEqual(batch.map((event) => event.id).sort());
    queue.close();
  });

  it('passes on Retry-After of a whole-request 429', async () => {
    double.failNext(1, { status: 429, retryAfter: 3 });
    expect(await failure(sink().send(events(1)))).toMatchObject({
      code: 'throttled',
      retryable: true,
      retryAfterMs: 3_000,
      message: 'Elasticsearch is unavailable (HTTP 429): es_rejected_execution_exception.',
    });
  });

  it('treats a dropped connection and a stalled cluster as retryable', async () => {
    double.dropNext(1);
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'network', retryable: true });
    double.stallNext(1);
    expect(await failure(sink({}, 300).send(events(1)))).toMatchObject({ code: 'timeout', retryable: true, message: 'Elasticsearch did not answer within 300 ms.' });
  });

  it('the double enforces data stream rules and Elasticsearch’s request format', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetchDouble(body, { authorization: `ApiKey ${API_KEY}`, 'content-type': 'application/x-ndjson', ...headers });
    const doc = JSON.stringify({ message: 'x' });
    const indexAction = await post(`{"index":{"_index":"${INDEX}"}}\n${JSON.stringify({ '@timestamp': '2026-03-01T12:00:00Z' })}\n`);
    expect(indexAction.items[0]?.index).toMatchObject({ status: 400, error: { type: 'illegal_argument_exception' } });
    const noTimestamp = await post(`{"create":{"_index":"${INDEX}"}}\n${doc}\n`);
    expect(noTimestamp.items[0]?.create).toMatchObject({ status: 400, error: { type: 'document_parsing_exception' } });
    expect(await post(`{"create":{"_index":"plain"}}\n${doc}`)).toMatchObject({ status: 400, error: { type: 'illegal_argument_exception' } });
    expect(await post(`{"create":{"_index":"plain"}}\n${doc}\n`, { 'content-type': 'text/plain' })).toMatchObject({ status: 406 });
    expect(await post(`{"create":{}}\n${doc}\n`)).toMatchObject({ status: 400, error: { type: 'action_request_validation_exception' } });
  });
});

/** A raw request to the double (what no sink would send), answered as parsed JSON. */
async function fetchDouble(body: string, headers: Record<string, string>): Promise<{ items: Record<string, unknown>[] } & Record<string, unknown>> {
  const { createHttpClient } = await import('./http');
  const client = createHttpClient('the double', double.sinkOptions());
  try {
    const answer = await client.post(new URL('/_bulk', double.origin), headers, Buffer.from(body));
    return JSON.parse(answer.body.toString()) as { items: Record<string, unknown>[] };
  } finally {
    client.close();
  }
}
