// The Azure Monitor Logs sink against the Logs Ingestion + Entra double
// (lib/testing/siem/azure-monitor-double.ts): no Azure is reachable here.
// The unmodified @azure/identity and @azure/monitor-ingestion reach a local
// Entra (as login.microsoftonline.com) and a local data collection endpoint
// through the sink options' connect-to overrides and CA only; the double
// checks the client secret, the bearer token's audience and role, the rule,
// stream, api-version, gzip and the JSON array, and answers as Azure does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TAzureApp } from '@/lib/testing/kms/azure-key-vault-double-aad';
import { startAzureMonitorDouble, type TAzureMonitorDouble, type TAzureRule } from '@/lib/testing/siem/azure-monitor-double';
import { seqOf } from '@/lib/testing/siem/events';
import { expectNoCanaries, expectQueuedInOrder, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { azureCloudOf, azureRow } from './azure-monitor';
import { createSiemSink, siemBatchLimits } from './index';
import type { TSiemEvent, TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line.
const SECRET = 'CANARYsecret~Q8a9b0c1d2e3f4a5b6c7d8';
const WRONG_SECRET = 'CANARYwrong~Q8f0e1d2c3b4a5968778695';
const EVENT_MARK = 'CANARYevent-0a1b2c3d';
const CANARIES = [SECRET, WRONG_SECRET, EVENT_MARK];
const STREAM = 'Custom-CmkAudit_CL';

let double: TAzureMonitorDouble;
let app: TAzureApp;
let outsider: TAzureApp;
let rule: TAzureRule;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(overrides: Record<string, unknown> = {}, timeoutMs = 5_000, who: TAzureApp = app): TSiemSink {
  const made = createSiemSink('azure-monitor', { ...double.settings(rule, STREAM, who), ...overrides }, double.connectOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
const eventsOf = (rows: TAzureMonitorDouble['rows']) => rows.map(({ row }) => row as unknown as TSiemEvent);

const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

beforeAll(async () => {
  double = await startAzureMonitorDouble();
  app = double.createApp(SECRET);
  outsider = double.createApp();
  rule = double.createRule([STREAM], [app.clientId]);
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log);
});

describe('azure-monitor sink', () => {
  it('signs in with the client secret and posts the batch as a JSON array to the rule’s stream', async () => {
    const before = double.rows.length;
    const batch = events(3);
    await sink().send(batch);
    expect(double.tokenCalls.at(-1)).toEqual({ clientId: app.clientId, status: 200 });
    expect(double.requests.at(-1)).toMatchObject({ outcome: 'accepted', status: 204 });
    // The SDK percent-encodes the parameter's name (api%2Dversion); Azure, like the double, decodes it.
    expect(decodeURIComponent(double.requests.at(-1)?.path ?? '')).toBe(`/dataCollectionRules/${rule.immutableId}/streams/${STREAM}?api-version=2023-01-01`);
    expect(double.rows.slice(before)).toEqual(batch.map((event) => ({ dcr: rule.immutableId, stream: STREAM, row: { TimeGenerated: event.time, ...event } })));
  });

  it('keeps each batch within one call under 1 MB, and picks the cloud from the endpoint', () => {
    const { maxEvents, maxBytes } = siemBatchLimits('azure-monitor');
    const [event] = events(1);
    const overhead = JSON.stringify(azureRow(event!)).length - JSON.stringify(event).length;
    expect(maxBytes + maxEvents * overhead).toBeLessThan(1_000_000);
    expect(azureCloudOf('x.westeurope-1.ingest.monitor.azure.com')).toEqual({ authorityHost: 'https://login.microsoftonline.com', audience: 'https://monitor.azure.com' });
    expect(azureCloudOf('x.usgovvirginia-1.ingest.monitor.azure.us').audience).toBe('https://monitor.azure.us');
  });

  it('sends a larger array in order, one call after another', async () => {
    const before = double.rows.length;
    const requestsBefore = double.requests.length;
    const batch = events(4, 50).map((event) => ({ ...event, customFields: { ...event.customFields, pad: 'p'.repeat(300_000) } }));
    await sink().send(batch);
    expect(double.requests.length - requestsBefore).toBeGreaterThanOrEqual(2);
    expect(seqOf(eventsOf(double.rows.slice(before)))).toEqual(seqOf(batch));
  });

  it('reports a wrong client secret as auth, not retryable, without the secret', async () => {
    const error = await failure(sink({ clientSecret: WRONG_SECRET }).send(events(1)));
    expect(double.tokenCalls.at(-1)?.status).toBe(401);
    expect(error).toMatchObject({ code: 'auth', retryable: false });
    expect(error.message).toContain('AADSTS7000215');
  });

  it('reports an app without the role on the rule as auth (403 OperationFailed)', async () => {
    const error = await failure(sink({}, 5_000, outsider).send(events(1)));
    expect(double.refusals.at(-1)).toBe('OperationFailed');
    expect(error).toMatchObject({ code: 'auth', retryable: false });
    expect(error.message).toContain('Monitoring Metrics Publisher');
  });

  it('reports an unknown stream or rule as not_found, without Azure’s words', async () => {
    const stream = await failure(sink({ streamName: 'Custom-Other_CL' }).send(events(1)));
    expect(stream).toMatchObject({ code: 'not_found', retryable: false });
    expect(stream.message).toContain('InvalidStream');
    expect(stream.message).not.toContain('Custom-Other_CL');
    const dcr = await failure(sink({ dcrImmutableId: `dcr-${'0'.repeat(32)}` }).send(events(1)));
    expect(dcr).toMatchObject({ code: 'not_found', retryable: false });
    expect(dcr.message).not.toContain('0000000000');
  });

  it('reports throttling (429) with Retry-After, and 503, as retryable', async () => {
    const warm = sink();
    await warm.send(events(1));
    double.failNext(1, { status: 429, retryAfter: 7 });
    expect(await failure(warm.send(events(1)))).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 7_000 });
    double.failNext(1, { status: 503 });
    expect(await failure(warm.send(events(1)))).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('treats a dropped connection and a stalled endpoint as retryable', async () => {
    const warm = sink({}, 400);
    await warm.send(events(1));
    double.dropNext(1);
    expect(await failure(warm.send(events(1)))).toMatchObject({ code: 'network', retryable: true });
    double.stallNext(1);
    expect(await failure(warm.send(events(1)))).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('checks both certificates: without the CA, nothing is sent', async () => {
    const untrusted = createSiemSink('azure-monitor', double.settings(rule, STREAM, app), { connectTo: double.connectOptions().connectTo });
    sinks.push(untrusted);
    expect(await failure(untrusted.send(events(1)))).toMatchObject({ code: 'tls', retryable: false });
  });

  it('reports Entra ID unreachable as network, retryable', async () => {
    const { ca, connectTo } = double.connectOptions();
    const closedPort = createSiemSink('azure-monitor', double.settings(rule, STREAM, app), { ca, connectTo: { ...connectTo, 'login.microsoftonline.com:443': '127.0.0.1:1' } });
    sinks.push(closedPort);
    const error = await failure(closedPort.send(events(1)));
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('through a queue, delivers each event exactly once and in order across failures', async () => {
    const before = double.rows.length;
    double.failNext(2, { status: 429, retryAfter: 0 });
    double.dropNext(1);
    await expectQueuedInOrder(log, sink(), events(10, 100), () => eventsOf(double.rows.slice(before)), 3);
  });
});
