// The Google Cloud Logging sink against its double (lib/testing/siem/
// google-cloud-logging-double.ts), a local HTTPS server standing in for
// logging.googleapis.com and oauth2.googleapis.com: no Google API is reachable
// here. The sink uses the real host names and the key file's token_uri; only
// `connectTo` and the double's CA send it there. The double verifies the
// signed JWT assertion, the bearer token it issued and its scope, the
// project, the Logs Writer role and every entry's shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TDoubleServiceAccount } from '@/lib/testing/kms/google-kms-double-state';
import { makeSiemEvent } from '@/lib/testing/siem/events';
import { startGoogleCloudLoggingDouble, type TGoogleCloudLoggingDouble } from '@/lib/testing/siem/google-cloud-logging-double';
import { expectNoCanaries, expectQueuedInOrder, expectRefusedNotRetriedHot, markedEvents, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { logNameOf, severityOf } from './google-cloud-logging';
import { createSiemSink } from './index';
import type { TSiemSink } from './types';

// Canaries: none may appear in any error message, cause or log line (the private keys and issued tokens are checked too).
const EVENT_MARK = 'CANARYevent-3c4d5e6f';
const CANARIES = [EVENT_MARK];

let double: TGoogleCloudLoggingDouble;
let writer: TDoubleServiceAccount;
let outsider: TDoubleServiceAccount;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(account = writer, overrides: Record<string, unknown> = {}, timeoutMs = 5_000): TSiemSink {
  const made = createSiemSink('google-cloud-logging', double.settings(account, overrides), double.sinkOptions({ timeoutMs }));
  sinks.push(made);
  return made;
}

const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);
const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

beforeAll(async () => {
  double = await startGoogleCloudLoggingDouble();
  writer = double.createServiceAccount('cmk-writer');
  outsider = double.createServiceAccount('cmk-outsider');
  double.grantLogWriter(writer.email);
});

afterAll(async () => {
  const secrets = [...double.issuedTokens(), writer.keyFile.private_key ?? '', outsider.keyFile.private_key ?? ''];
  sinks.forEach((made) => made.close());
  await double.close();
  expectNoCanaries(log, secrets);
});

describe('google-cloud-logging sink', () => {
  it('writes each event as a LogEntry to projects/<project>/logs/<encoded log id>, signed in with the key', async () => {
    const before = double.entries.length;
    const batch = [...events(2), makeSiemEvent(9, { outcome: 'failure', errorCode: 206, kmsConfigId: null }), makeSiemEvent(10, { category: 'security_event', event: 'USER_LOGIN' })];
    await sink().send(batch);
    expect(double.tokenCalls.at(-1)).toMatchObject({ httpStatus: 200, principal: writer.email });
    expect(double.requests.at(-1)).toMatchObject({ path: '/v2/entries:write', outcome: 'accepted', status: 200 });
    const common = { tenant: 'acme', deployment: 'dep_test', instance: 'tsp-test-1' };
    const labels = [
      { ...common, configuration: '1', category: 'key_use', event: 'unwrap', outcome: 'success' },
      { ...common, configuration: '1', category: 'key_use', event: 'unwrap', outcome: 'success' },
      { ...common, category: 'key_use', event: 'unwrap', outcome: 'failure' },
      { ...common, configuration: '1', category: 'security_event', event: 'USER_LOGIN', outcome: 'success' },
    ];
    expect(double.entries.slice(before)).toEqual(
      batch.map((event, i) => ({
        logName: 'projects/cmk-double-logs/logs/cmk-proxy%2Faudit',
        resource: { type: 'global', labels: { project_id: 'cmk-double-logs' } },
        insertId: event.id,
        timestamp: event.time,
        severity: ['INFO', 'INFO', 'WARNING', 'NOTICE'][i],
        labels: labels[i],
        jsonPayload: event,
      })),
    );
    expect(batch.map(severityOf)).toEqual(['INFO', 'INFO', 'WARNING', 'NOTICE']);
    // A configuration test's event (category 'test') is routine: INFO.
    expect(severityOf(makeSiemEvent(9, { category: 'test', event: 'config_test', details: { testId: 'ct_x' } }))).toBe('INFO');
    expect(logNameOf({ projectId: 'p-123456', logName: 'a/b.c_d-e' })).toBe('projects/p-123456/logs/a%2Fb.c_d-e');
  });

  it('keeps its token until it is refused, then signs in again once', async () => {
    const made = sink();
    await made.send(events(1));
    const calls = double.tokenCalls.length;
    await made.send(events(1));
    expect(double.tokenCalls.length).toBe(calls);
    double.revokeTokens();
    const before = double.events.length;
    await made.send(events(2));
    expect(double.tokenCalls.length).toBe(calls + 1);
    expect(double.events.length - before).toBe(2);
  });

  it('reports a key Google refuses as auth, not retryable, naming only the OAuth error', async () => {
    double.injectTokenFault({ httpStatus: 400, oauthError: 'invalid_grant', description: `Invalid JWT Signature. ${EVENT_MARK}` });
    const error = await failure(sink().send(events(1)));
    expect(error).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Google refused the service account key (invalid_grant); check that the key is current and its service account exists and is enabled.',
    });
    // A key the double never issued: its signature does not verify.
    const forged = { ...outsider.keyFile, private_key_id: writer.keyFile.private_key_id, client_email: writer.email };
    expect(await failure(sink(writer, { serviceAccountKey: forged }).send(events(1)))).toMatchObject({ code: 'auth', retryable: false });
    expect(double.tokenCalls.at(-1)).toMatchObject({ httpStatus: 400, error: 'invalid_grant' });
  });

  it('after a 401 it signs in again once: a token endpoint that then refuses (401) is auth; one that fails (503) is retryable', async () => {
    const made = sink();
    await made.send(events(1));
    double.failNext(2, { status: 401 });
    expect(await failure(made.send(events(1)))).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Google refused the service account key (HTTP 401); check that the key is current and its service account exists and is enabled.',
    });
    // The write was refused, then the fresh sign-in.
    expect(double.requests.slice(-2).map(({ path, status }) => [path, status])).toEqual([
      ['/v2/entries:write', 401],
      ['/token', 401],
    ]);
    double.injectTokenFault({ httpStatus: 503, oauthError: 'internal_failure' });
    expect(await failure(sink().send(events(1)))).toMatchObject({ code: 'unavailable', retryable: true, message: "Google's token endpoint is unavailable (HTTP 503)." });
  });

  it('maps Logging refusals: no role → auth, unknown project → not_found, a bad entry → rejected', async () => {
    const denied = await failure(sink(outsider).send(events(1)));
    expect(double.lastError()).toMatchObject({ httpStatus: 403, status: 'PERMISSION_DENIED' });
    expect(denied).toMatchObject({
      code: 'auth',
      retryable: false,
      message: 'Google Cloud Logging refused the entries (HTTP 403, IAM_PERMISSION_DENIED): the service account lacks the Logs Writer role (roles/logging.logWriter) on the project.',
    });
    const missing = await failure(sink(writer, { projectId: 'no-such-project' }).send(events(1)));
    expect(missing).toMatchObject({ code: 'not_found', retryable: false, message: 'Google Cloud Logging refused the entries (HTTP 404, NOT_FOUND): the project does not exist; check the project id.' });
    const [late] = events(1);
    const future = await failure(sink().send([{ ...late!, time: '2099-01-01T00:00:00.000Z' }]));
    expect(future).toMatchObject({ code: 'rejected', retryable: false, message: 'Google Cloud Logging refused the entries (HTTP 400, INVALID_ARGUMENT): it could not accept the batch as written.' });
  });

  it('refuses a key file whose token_uri is not Google’s', () => {
    const settings = double.settings(writer, { serviceAccountKey: { ...writer.keyFile, token_uri: 'https://evil.example.com/token' } });
    expect(() => createSiemSink('google-cloud-logging', settings, double.sinkOptions())).toThrow(expect.objectContaining({ code: 'config', retryable: false }));
  });

  it('reports 429 and 503 as retryable with Retry-After', async () => {
    const made = sink();
    await made.send(events(1));
    double.failNext(1, { status: 429, retryAfter: 3 });
    expect(await failure(made.send(events(1)))).toMatchObject({ code: 'throttled', retryable: true, retryAfterMs: 3_000, message: 'Google Cloud Logging is unavailable (HTTP 429): RESOURCE_EXHAUSTED.' });
    double.failNext(1, { status: 503, retryAfter: 1 });
    expect(await failure(made.send(events(1)))).toMatchObject({ code: 'unavailable', retryable: true, retryAfterMs: 1_000 });
  });

  it('treats a dropped connection and a stalled endpoint as retryable', async () => {
    const made = sink(writer, {}, 300);
    await made.send(events(1));
    double.dropNext(1);
    expect((await failure(made.send(events(1)))).retryable).toBe(true);
    double.stallNext(1);
    expect(await failure(made.send(events(1)))).toMatchObject({ code: 'timeout', retryable: true, message: 'Google Cloud Logging did not answer within 300 ms.' });
    // A silent token endpoint is named as such.
    double.stallNext(1);
    expect(await failure(sink(writer, {}, 300).send(events(1)))).toMatchObject({ code: 'timeout', retryable: true, message: "Google's token endpoint did not answer within 300 ms." });
  });

  it('through a queue, delivers each event exactly once and in order across failures', async () => {
    const made = sink();
    await made.send(events(1));
    const before = double.events.length;
    double.failNext(2, { status: 503 });
    double.dropNext(1);
    await expectQueuedInOrder(log, made, events(10, 300), () => double.events.slice(before), 3);
  });

  it('a refused role is not retried hot, and its log line carries no secret', async () => {
    // One token request and one refused write.
    await expectRefusedNotRetriedHot(log, sink(outsider), events(2), () => double.requests.length, 2);
  });
});
