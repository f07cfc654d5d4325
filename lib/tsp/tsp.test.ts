// The service around the key operations: readiness, health and metrics,
// staleness, two API keys, TLS and its reload, the tenant's SIEM refusal
// policy, and graceful shutdown. KMS and SIEMs are the repo's protocol
// doubles (no cloud is reachable here); configurations are signed, sealed
// and verified with the real crypto and the real proxy client.
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxyClient } from '@/lib/proxy-client';
import { createTsp, SILENT_LOGGER, type TTsp } from '@/lib/tsp';
import { createDeployment, createBroker } from '@/lib/testing/bundle-factory';
import { makeTestTls } from '@/lib/testing/tls';
import { startTspWorld, TSP_API_KEY, type TTspWorld } from '@/lib/testing/tsp-world';

const body = (tenantId = 'acme') => JSON.stringify({ tenantId, iclFields: { requestingId: 'svc' }, customFields: {} });

async function call(url: string, route: string, payload: string, key = TSP_API_KEY): Promise<{ status: number; json: { code?: number; message?: string; dek?: string; edek?: string } | null; retryAfter: string | null }> {
  const response = await fetch(`${url}/api/1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `cmk ${key}` }, body: payload });
  return { status: response.status, json: (await response.json()) as never, retryAfter: response.headers.get('retry-after') };
}

let world: TTspWorld | undefined;
let extra: TTsp | undefined;
afterEach(async () => {
  await world?.stop();
  await extra?.stop();
  world = undefined;
  extra = undefined;
});

describe('createTsp', () => {
  it('is not ready, and refuses key requests with 503, until the first full sync verifies', async () => {
    const broker = await createBroker();
    const deployment = await createDeployment([broker]);
    const down = () => Promise.reject(new Error('connect ECONNREFUSED (broker down)'));
    const client = createProxyClient({ credentials: deployment.credentials, pinsFile: join(mkdtempSync(join(tmpdir(), 'tsp-')), 'pins.json'), fetch: down });
    extra = createTsp({ client, deploymentId: deployment.id, apiKeys: [TSP_API_KEY], port: 0, healthPort: 0, logger: SILENT_LOGGER });
    const { url, healthUrl } = await extra.start();
    const ready = await fetch(`${healthUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, reason: expect.stringContaining('first full sync') });
    expect((await fetch(`${healthUrl}/live`)).status).toBe(200);
    const refused = await call(url, 'document/wrap', body());
    expect(refused.status).toBe(503);
    expect(refused.json?.code).toBe(100);
    expect(refused.retryAfter).toBe('1');
  });

  it('serves /health, /ready and Prometheus /metrics on the health port', async () => {
    world = await startTspWorld();
    expect((await call(world.url, 'document/wrap', body())).status).toBe(200);
    expect((await call(world.url, 'document/wrap', body('nobody'))).status).toBe(404);
    const health = await (await fetch(`${world.healthUrl}/health`)).json();
    expect(health).toMatchObject({ live: true, ready: true, reason: null, tenants: 7, deploymentId: world.deployment.id });
    expect((await fetch(`${world.healthUrl}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${world.healthUrl}/metrics`)).text();
    expect(metrics).toContain('tsp_requests_total{route="document/wrap",code="0"} 1');
    expect(metrics).toContain('tsp_requests_total{route="document/wrap",code="201"} 1');
    expect(metrics).toMatch(/tsp_kms_request_seconds_count\{provider="aws-kms",operation="wrap",outcome="success"\} 1/);
    expect(metrics).toMatch(/tsp_config_staleness_seconds \d+/);
    expect(metrics).toContain('tsp_ready 1');
    expect(metrics).toMatch(/tsp_siem_queue_events \d+/);
    expect(metrics).toContain('tsp_siem_dropped_events_total 0');
    expect(metrics).not.toContain('acme');
  });

  it('serves a tenant whose KMS driver was let go for room (kmsDrivers.maxDrivers) with a new one, without a second AssumeRole', async () => {
    world = await startTspWorld({ tsp: { kmsDrivers: { maxDrivers: 1 } } });
    world.kms.resetCalls();
    const wrapped = await call(world.url, 'document/wrap', body('globex'));
    expect(wrapped.status).toBe(200);
    // quiet's driver takes the only place: globex's (assume-role) is closed.
    expect((await call(world.url, 'document/wrap', body('quiet'))).status).toBe(200);
    const unwrapped = await call(world.url, 'document/unwrap', JSON.stringify({ ...JSON.parse(body('globex')), encryptedDocumentKey: wrapped.json?.edek }));
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.json?.dek).toBe(wrapped.json?.dek);
    // Its role session outlived its driver.
    expect(world.kms.count({ service: 'sts', target: 'AssumeRole', status: 200 })).toBe(1);
  });

  it('refuses key requests once the configuration is staler than --max-staleness, and says so', async () => {
    world = await startTspWorld({ tsp: { maxStalenessSeconds: 60, now: () => Date.now() + 3_600_000 } });
    const refused = await call(world.url, 'document/wrap', body());
    expect(refused.status).toBe(503);
    expect(refused.json?.message).toMatch(/more than the allowed 60 s/);
    expect((await fetch(`${world.healthUrl}/ready`)).status).toBe(503);
  });

  it('accepts either of two API keys, and neither a third nor a malformed header', async () => {
    const second = Buffer.from('the-second-key-during-rotation').toString('base64');
    world = await startTspWorld({ tsp: { apiKeys: [TSP_API_KEY, second] } });
    expect((await call(world.url, 'document/wrap', body())).status).toBe(200);
    expect((await call(world.url, 'document/wrap', body(), second)).status).toBe(200);
    const wrong = await call(world.url, 'document/wrap', body(), Buffer.from('a third key, not configured').toString('base64'));
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ code: 101, message: expect.any(String) });
    const bearer = await fetch(`${world.url}/api/1/document/wrap`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TSP_API_KEY}` }, body: body() });
    expect(bearer.status).toBe(401);
  });

  it('serves TLS from the certificate files, and reloads them without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsp-tls-'));
    const first = makeTestTls(['localhost']);
    writeFileSync(join(dir, 'cert.pem'), first.certPem);
    writeFileSync(join(dir, 'key.pem'), first.keyPem);
    world = await startTspWorld({ tsp: { tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } } });
    expect(world.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(world.url).port;
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const request = https.request({ host: '127.0.0.1', port, servername: 'localhost', path: '/api/1/document/wrap', method: 'POST', ca: first.caPem, headers: { 'content-type': 'application/json', authorization: `cmk ${TSP_API_KEY}` }, agent: false }, (response) => {
          const cert = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
          response.resume();
          expect(response.statusCode).toBe(200);
          resolve(cert.fingerprint256);
        });
        request.on('error', reject);
        request.end(body());
      });
    const before = await fingerprint();
    const renewed = makeTestTls(['localhost', 'tsp.internal']);
    writeFileSync(join(dir, 'cert.pem'), renewed.certPem);
    writeFileSync(join(dir, 'key.pem'), renewed.keyPem);
    world.tsp.reloadTls();
    expect(await fingerprint()).not.toBe(before);
  });

  it("refuses key use while a SIEM whose tenant chose 'refuse' is full, and serves again once it catches up", async () => {
    world = await startTspWorld({ onQueueFull: 'refuse', siemQueue: 3, flushMs: 10 });
    // The webhook answers 503 three times: the first batch is retried with backoff while wraps fill the queue.
    world.webhook.failNext(3, { status: 503 });
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    let served = 0;
    for (let i = 0; i < 10 && !refused; i++) {
      const answer = await call(world.url, 'document/wrap', body());
      if (answer.status === 200) served += 1;
      else refused = answer;
    }
    expect(served).toBe(3);
    expect(refused?.status).toBe(503);
    expect(refused?.json).toEqual({ code: 208, message: expect.stringMatching(/SIEM is not keeping up/) });
    expect(refused?.retryAfter).toBe('5');
    // Once the SIEM takes the events, key use goes on; every served wrap reached it exactly once.
    await expect.poll(async () => (await call(world!.url, 'document/wrap', body())).status, { timeout: 15_000, interval: 200 }).toBe(200);
    await expect.poll(() => world!.webhook.events.filter((e) => e.tenantId === 'acme' && e.outcome === 'success').length, { timeout: 10_000 }).toBe(served + 1);
    // The refusal's own event found the queue full: it is not lost silently, but counted.
    const metrics = await (await fetch(`${world.healthUrl}/metrics`)).text();
    expect(Number(/tsp_siem_dropped_events_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('reports SIEM trouble to the broker with its status: a failing destination, lost events, one it cannot serve', async () => {
    world = await startTspWorld({ flushMs: 10, siemQueue: 2 });
    world.webhook.failNext(100, { status: 503 });
    for (let i = 0; i < 4; i++) expect((await call(world.url, 'document/wrap', body())).status).toBe(200);
    expect((await call(world.url, 'document/wrap', body('nopri'))).status).toBe(409);
    const acmeWebhook = [...world.tenants.acme.configs.values()].find((c) => c.provider === 'webhook');
    const datadog = [...world.tenants.nopri.configs.values()].find((c) => c.provider === 'datadog');
    const expected = [
      { tenantId: 'acme', configId: acmeWebhook?.configId, code: 'siem_delivery', message: expect.stringMatching(/^Delivery failing: .*HTTP 503.* events lost since this proxy started \(queue full, policy drop\)\.$/) },
      { tenantId: 'nopri', configId: datadog?.configId, code: 'siem_unsupported', message: expect.stringMatching(/^This proxy is set to deliver only to .*\(TSP_SIEM_PROVIDERS\), not to datadog\. 1 events dropped\.$/) },
    ];
    await expect.poll(() => world!.client.summary().errors, { timeout: 5_000 }).toEqual(expect.arrayContaining(expected));
    await world.client.reportStatus();
    expect(world.statuses.at(-1)?.errors).toEqual(expect.arrayContaining(expected));
  }, 20_000);

  it("tells the tenant's own SIEM when the broker stops handing the tenant over: suspended, or left out of a full sync", async () => {
    world = await startTspWorld({ flushMs: 10, client: { fullSyncEveryMs: 300 } });
    expect((await call(world.url, 'document/wrap', body())).status).toBe(200);
    const delivery = (tenantId: string) => [...world!.webhook.events, ...world!.splunk.events].filter((e) => e.tenantId === tenantId && e.category === 'delivery');

    // The broker flips acme to suspended (its unsigned flag): both of acme's SIEMs hear it once, naming the seq last applied.
    const seq = world.tenants.acme.seq;
    await world.change('acme', (t) => void (t.status = 'suspended'));
    expect((await call(world.url, 'document/wrap', body())).status).toBe(404);
    await expect.poll(() => delivery('acme').length, { timeout: 5_000 }).toBe(2);
    for (const event of delivery('acme')) {
      expect(event).toMatchObject({ event: 'tenant_suspended', outcome: 'failure', source: 'cmk-tsp', deploymentId: world.deployment.id, details: { code: 'tenant_suspended', lastAppliedSeq: seq + 1 } });
    }
    // initech was suspended before this proxy started: reported to the broker, but this process never held its SIEM settings.
    expect(world.client.summary().errors).toEqual(expect.arrayContaining([expect.objectContaining({ tenantId: 'initech', code: 'tenant_suspended' })]));
    expect(delivery('initech')).toEqual([]);

    // globex is left out of the bundle: the next full sync (every 300 ms here) notices, and globex's webhook hears it.
    world.withhold('globex');
    await expect.poll(() => delivery('globex').map((e) => e.event), { timeout: 5_000 }).toEqual(['tenant_withheld']);
    expect(delivery('globex')[0]?.details).toMatchObject({ lastAppliedSeq: world.tenants.globex.seq });
    expect((await call(world.url, 'document/wrap', body('globex'))).status).toBe(404);
    await world.client.reportStatus();
    expect(world.statuses.at(-1)?.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tenantId: 'acme', code: 'tenant_suspended', seq: seq + 1 }),
        expect.objectContaining({ tenantId: 'globex', code: 'tenant_withheld', seq: world.tenants.globex.seq }),
      ]),
    );
    // Still one event each: a fact is told once, not at every sync.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(delivery('acme')).toHaveLength(2);
    expect(delivery('globex')).toHaveLength(1);
  }, 30_000);

  it('finishes in-flight requests and drains the SIEM queues when stopped', async () => {
    world = await startTspWorld({ flushMs: 200 });
    world.kms.delay(400);
    const inFlight = call(world.url, 'document/wrap', body());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = world.tsp.stop();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.json?.dek).toBeTruthy();
    expect(await stopped).toEqual({ siemLeft: 0 });
    expect(world.webhook.events.filter((e) => e.tenantId === 'acme' && e.event === 'wrap')).toHaveLength(1);
    expect(world.splunk.events).toHaveLength(1);
    // A new connection is refused once stopped.
    await expect(fetch(`${world.url}/api/1/document/wrap`, { method: 'POST', body: body() })).rejects.toThrow();
    await Promise.all([world.kms.stop(), world.webhook.close(), world.splunk.close()]);
    world = undefined;
  });
});
