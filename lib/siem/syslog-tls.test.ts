// The syslog-over-TLS sink against a REAL rsyslogd (lib/testing/siem/
// rsyslog.ts starts it per test file; no double): what rsyslog parsed from
// each message is read back from its output file. Needs the Debian packages
// rsyslog and rsyslog-gnutls — without them these tests fail, saying so.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSiemEvent, seqOf } from '@/lib/testing/siem/events';
import { startRsyslog, type TRsyslog, type TRsyslogRecord } from '@/lib/testing/siem/rsyslog';
import { expectNoCanaries, markedEvents, recordingLogger, siemFailure, type TCanaryLog } from '@/lib/testing/siem/sink-checks';
import { makeTestClientTls, makeTestTls } from '@/lib/testing/tls';
import { createSiemSink } from './index';
import { createSiemQueue } from './queue';
import { rfc3164Message, rfc5424Message, syslogTlsSink } from './syslog-tls';
import type { TSiemEvent, TSiemSink, TSiemSinkOptions } from './types';

const HOST = 'syslog.test';
const server = makeTestTls([HOST, 'collector.example.com']);
const client = makeTestClientTls('cmk-tsp test client');
// Signed by another throw-away CA (makeTestTls caches one CA per validity): neither rsyslog nor the sink trusts it.
const stranger = makeTestClientTls('intruder', { days: 8 });
const otherCa = makeTestTls([HOST], { days: 8 }).caPem;

// Canaries: none may appear in any error message, cause or log line.
const EVENT_MARK = 'CANARYevent-5c1d2e3f';
const keyBody = (pem: string) => pem.split('\n')[1] ?? 'no key line';
const CANARIES = [EVENT_MARK, keyBody(client.keyPem), keyBody(stranger.keyPem)];

let anon: TRsyslog;
let mutual: TRsyslog;
const sinks: TSiemSink[] = [];
const log: TCanaryLog = { seen: [], canaries: CANARIES };

function sink(collector: TRsyslog, settings: Record<string, unknown> = {}, options: TSiemSinkOptions = {}): TSiemSink {
  const made = createSiemSink(
    'syslog-tls',
    { host: HOST, port: collector.port, caCertificate: server.caPem, ...settings },
    { resolve: { [HOST]: '127.0.0.1' }, timeoutMs: 5_000, ...options },
  );
  sinks.push(made);
  return made;
}

const mutualTls = { clientCertificate: client.certPem, clientKey: client.keyPem };
const events = (count: number, from = 0) => markedEvents(EVENT_MARK, count, from);

const failure = (promise: Promise<unknown>) => siemFailure(log, promise);

/** Sends and returns what rsyslog stored for this batch. */
async function delivered(collector: TRsyslog, to: TSiemSink, batch: TSiemEvent[]): Promise<TRsyslogRecord[]> {
  const before = collector.records().length;
  await to.send(batch);
  return (await collector.waitFor(before + batch.length)).slice(before);
}

const parsedMsg = (record: TRsyslogRecord) => JSON.parse(record.msg.replace(/^\u{FEFF}/u, '')) as TSiemEvent;

beforeAll(async () => {
  anon = await startRsyslog(server);
  mutual = await startRsyslog(server, { authMode: 'x509/certvalid' });
});

afterAll(async () => {
  sinks.forEach((made) => made.close());
  await Promise.all([anon?.close(), mutual?.close()]);
  expectNoCanaries(log);
});

describe('syslog-tls sink (real rsyslogd)', () => {
  it('sends RFC 5424 messages, octet-counted, that rsyslog parses field by field', async () => {
    const batch = [
      ...events(1, 10),
      // A security event whose name needs RFC 5424 escaping in structured data, and holds a line break only octet counting survives.
      makeSiemEvent(11, { category: 'security_event', event: 'CUSTOM_"q\\]\nx', outcome: 'failure', errorCode: 202, customFields: { seq: '11', mark: EVENT_MARK } }),
    ];
    const stored = await delivered(anon, sink(anon), batch);
    expect(stored).toHaveLength(2);
    const [first, second] = stored as [TRsyslogRecord, TRsyslogRecord];
    const event = batch[0] as TSiemEvent;
    expect(first).toMatchObject({ facility: '13', severity: '6', version: '1', time: event.time, host: 'tsp-test-1', app: 'cmk-tsp', procid: '-', msgid: 'key_use.unwrap' });
    expect(first.sd).toBe(`[cmk@32473 id="${event.id}" tenant="acme" deployment="dep_test" instance="tsp-test-1" kmsConfig="1" category="key_use" event="unwrap" outcome="success"]`);
    // The framing is gone from what rsyslog calls the raw message: it read the octet count, not a line.
    expect(first.raw).toBe(rfc5424Message(event));
    // A configuration test's event: MSGID test.config_test, the category in the structured data.
    expect(rfc5424Message(makeSiemEvent(9, { category: 'test', event: 'config_test' }))).toMatch(/ cmk-tsp - test\.config_test \[[^\]]* category="test" event="config_test"/);
    expect(first.msg.startsWith('\u{FEFF}{')).toBe(true);
    expect(parsedMsg(first)).toEqual(event);

    expect(second).toMatchObject({ severity: '4', msgid: 'security_event.CUSTOM_"q\\]_x' });
    // One message despite the line break (rsyslog shows it as #012, its escape for control characters on receipt).
    expect(second.raw).toBe(rfc5424Message(batch[1] as TSiemEvent).replace('\n', '#012'));
    expect(second.sd).toContain(' event="CUSTOM_\\"q\\\\\\]#012x" outcome="failure" errorCode="202"]');
    expect(parsedMsg(second)).toEqual(batch[1]);
  });

  it('keeps the order of events within and across batches on one connection', async () => {
    const to = sink(anon);
    const first = events(60, 100);
    const second = events(60, 160);
    await to.send(first);
    const stored = await delivered(anon, to, second);
    const all = anon.records().slice(-120);
    expect(seqOf(all.map(parsedMsg))).toEqual(seqOf([...first, ...second]));
    expect(stored).toHaveLength(60);
  });

  it('sends the legacy RFC 3164 format when chosen', async () => {
    const event = events(1, 300)[0] as TSiemEvent;
    const [stored] = (await delivered(anon, sink(anon, { format: 'rfc3164' }), [event])) as [TRsyslogRecord];
    expect(stored).toMatchObject({ facility: '13', severity: '6', host: 'tsp-test-1', app: 'cmk-tsp' });
    expect(stored.raw).toBe(rfc3164Message(event));
    expect(stored.raw.startsWith('<110>Mar  1 12:00:00 tsp-test-1 cmk-tsp: {')).toBe(true);
    expect(JSON.parse(stored.msg)).toEqual(event);
  });

  it('trusts the configured CA alone, else the system’s plus the operator’s, and checks the host name', async () => {
    // The right CA among the operator's extra CAs, no CA in the settings: trusted.
    expect(await delivered(anon, sink(anon, { caCertificate: undefined }, { ca: [server.caPem] }), events(1, 400))).toHaveLength(1);
    // A tenant CA that did not sign the collector: refused even though the operator's CAs would trust it.
    const wrongCa = await failure(sink(anon, { caCertificate: otherCa }, { ca: [server.caPem] }).send(events(1)));
    expect(wrongCa).toMatchObject({ code: 'tls', retryable: false });
    expect(wrongCa.message).toMatch(/^The syslog collector's TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    // No CA at all: the system's roots do not know the test CA.
    expect(await failure(sink(anon, { caCertificate: undefined }).send(events(1)))).toMatchObject({ code: 'tls', retryable: false });
    // A name the certificate does not carry.
    const wrongName = await failure(sink(anon, { host: 'logs.example.org' }, { resolve: { 'logs.example.org': '127.0.0.1' } }).send(events(1)));
    expect(wrongName).toMatchObject({ code: 'tls', retryable: false, message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID') });
  });

  it('reaches a fixed host and port through a connect-to override, still checking the certificate against the host', async () => {
    const via = sink(anon, { host: 'collector.example.com', port: 6514 }, { resolve: {}, connectTo: { 'collector.example.com:6514': `127.0.0.1:${anon.port}` } });
    expect(await delivered(anon, via, events(2, 500))).toHaveLength(2);
  });

  it('presents the client certificate to a collector that requires one (mutual TLS)', async () => {
    const stored = await delivered(mutual, sink(mutual, mutualTls), events(3, 600));
    expect(seqOf(stored.map(parsedMsg))).toEqual(['600', '601', '602']);
  });

  it('reports a refused client certificate, or none, as auth, not retryable, and stores nothing', async () => {
    const before = mutual.records().length;
    const none = await failure(sink(mutual).send(events(1, 700)));
    expect(none).toMatchObject({ code: 'auth', retryable: false });
    expect(none.message).toContain('requires a client certificate, or refuses the one configured');
    const untrusted = await failure(sink(mutual, { clientCertificate: stranger.certPem, clientKey: stranger.keyPem }).send(events(1, 701)));
    expect(untrusted).toMatchObject({ code: 'auth', retryable: false });
    expect(mutual.records()).toHaveLength(before);
    expect(mutual.log()).toMatch(/peer did not provide a certificate|certificate invalid/);
  });

  it('refuses a client key that does not belong to the certificate as a configuration error', async () => {
    const error = await failure(sink(mutual, { clientCertificate: client.certPem, clientKey: stranger.keyPem }).send(events(1)));
    expect(error).toMatchObject({ code: 'config', retryable: false });
  });

  it('refuses a host name that resolves only to loopback (the schema refuses such literals)', async () => {
    const settings = { host: 'localhost', port: anon.port, format: 'rfc5424', onQueueFull: 'drop' } as const;
    const made = syslogTlsSink.create(settings, { ca: [server.caPem] });
    sinks.push(made);
    const error = await failure(made.send(events(1)));
    expect(error).toMatchObject({ code: 'network', retryable: false, message: expect.stringContaining('resolves only to loopback or link-local addresses') });
  });

  it('treats a refused connection and a silent listener as retryable', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const stalled = await failure(sink(anon, { port }, { timeoutMs: 300 }).send(events(1)));
    expect(stalled).toMatchObject({ code: 'timeout', retryable: true, message: 'The syslog collector did not take the batch within 300 ms.' });
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
    const refused = await failure(sink(anon, { port }).send(events(1)));
    expect(refused).toMatchObject({ code: 'network', retryable: true, message: 'Could not reach the syslog collector (ECONNREFUSED).' });
  });

  it('through a queue, loses nothing and keeps the order while rsyslog is stopped and restarted', async () => {
    const collector = await startRsyslog(server, { authMode: 'x509/certvalid' });
    try {
      const queue = createSiemQueue({
        sink: sink(collector, mutualTls),
        batch: { maxEvents: 10, maxBytes: 1_000_000 },
        flushMs: 5,
        retry: { baseMs: 20, capMs: 100 },
        logger: recordingLogger(log),
      });
      const before = events(25, 800);
      before.forEach((event) => queue.enqueue(event));
      expect(await queue.drain(5_000)).toEqual({ delivered: 25, left: 0 });

      await collector.stop();
      const during = events(25, 825);
      during.forEach((event) => queue.enqueue(event));
      // Waits (bounded) for the queue to meet the stopped collector; events "delivered" into the void would show here.
      for (let waited = 0; queue.failures() < 2 && waited < 3_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(queue.failures()).toBeGreaterThanOrEqual(2);
      expect(queue.delivered()).toBe(25);
      expect(queue.lastError()).toBe('Could not reach the syslog collector (ECONNREFUSED).');
      await collector.start();
      expect(await queue.drain(5_000)).toEqual({ delivered: 25, left: 0 });
      queue.close();

      const stored = await collector.waitFor(50);
      // Stopped between batches: each event exactly once, in order (see docs/siem-syslog-tls.md for when duplicates can occur).
      expect(seqOf(stored.map(parsedMsg))).toEqual(seqOf([...before, ...during]));
    } finally {
      await collector.close();
    }
  }, 15_000);

  it('reports a cancelled delivery as cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await failure(sink(anon).send(events(1), controller.signal))).toMatchObject({ code: 'cancelled', retryable: true });
  });
});
