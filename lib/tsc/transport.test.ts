// The client's connection to the TSP, seen from the network's side: https
// with a private CA (and a refusal without it), plain http refused unless
// allowed, keep-alive (one connection for many calls), reconnection after
// the TSP's side cut the kept socket, bounded retries after connection
// failures, time-outs and 5xx — and none after a 4xx, counted by the TSP's
// own request metrics. The TSP is the real one (createTsp, serving TLS from
// a throw-away test CA); its KMS is the AWS KMS protocol double, since no
// cloud is reachable here (lib/testing/tsp-world.ts). The TCP relay
// (lib/testing/tcp-relay.ts) only forwards, counts and cuts connections.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpRelay, type TTcpRelay } from '@/lib/testing/tcp-relay';
import { makeTestTls, type TTestTls } from '@/lib/testing/tls';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { createTenantSecurityClient, TenantSecurityError, type TClientOptions } from '.';
import { backoffMs } from './transport';

let world: TTspWorld;
let tls: TTestTls;
let relay: TTcpRelay;
let dir: string;
const meta = { tenantId: 'quiet', requestingId: 'svc-transport' };
const doc = { note: Buffer.from('kept alive') };

const client = (options: Partial<TClientOptions> = {}) => createTenantSecurityClient({ url: relay.url('https'), apiKey: world.apiKey, ca: tls.caPem, retryBaseMs: 1, ...options });

async function refusal(promise: Promise<unknown>): Promise<TenantSecurityError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TenantSecurityError);
  return error as TenantSecurityError;
}

/** How many requests the TSP itself counted for a route and outcome code. */
async function tspCount(route: string, code: number): Promise<number> {
  const metrics = await (await fetch(`${world.healthUrl}/metrics`)).text();
  return Number(new RegExp(`tsp_requests_total\\{route="${route}",code="${code}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsc-transport-'));
  tls = makeTestTls(['localhost']);
  writeFileSync(join(dir, 'cert.pem'), tls.certPem);
  writeFileSync(join(dir, 'key.pem'), tls.keyPem);
  world = await startTspWorld({ tsp: { tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } } });
  relay = await startTcpRelay({ port: Number(new URL(world.url).port) });
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the address', () => {
  it('refuses plain http unless told to allow it, and options that do not parse, naming the option and not its value', () => {
    const http = world.url.replace('https:', 'http:');
    expect(() => createTenantSecurityClient({ url: http, apiKey: world.apiKey })).toThrow(/Refusing plain http/);
    expect(() => createTenantSecurityClient({ url: http, apiKey: world.apiKey, allowInsecureHttp: true }).close()).not.toThrow();
    expect(() => createTenantSecurityClient({ url: 'ftp://tsp.internal', apiKey: world.apiKey })).toThrow(/url must be an http\(s\) URL/);
    let error: unknown;
    try {
      createTenantSecurityClient({ url: world.url, apiKey: 'a key with spaces-secret-4711' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TenantSecurityError);
    expect((error as Error).message).toMatch(/apiKey must be printable ASCII/);
    expect((error as Error).message).not.toContain('secret-4711');
  });

  it('speaks https to a TSP whose certificate the given CA signed, and refuses one it cannot verify, without retrying', async () => {
    const trusted = client();
    const encrypted = await trusted.encryptDocument(doc, meta);
    expect((await trusted.decryptDocument(encrypted, meta)).plaintextDocument.note?.toString()).toBe('kept alive');
    trusted.close();
    const before = relay.connections;
    const untrusted = client({ ca: undefined });
    const error = await refusal(untrusted.encryptDocument(doc, meta));
    expect(error.code).toBe(0);
    expect(error.message).toMatch(/after 1 attempt\(s\)/);
    expect(relay.connections - before).toBe(1);
    untrusted.close();
  });
});

describe('connections', () => {
  it('keeps one connection alive for many calls, and opens a new one when the TSP’s side cut it', async () => {
    const tsc = client();
    const before = relay.connections;
    for (let i = 0; i < 10; i++) await tsc.encryptDocument(doc, meta);
    expect(relay.connections - before).toBe(1);
    relay.cutAll();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await tsc.encryptDocument(doc, meta);
    expect(relay.connections - before).toBe(2);
    tsc.close();
  });

  it('retries a refused connection up to maxRetries times, and then fails with 0', async () => {
    const tsc = client({ maxRetries: 2 });
    let before = relay.connections;
    relay.refuseNext(2);
    await tsc.encryptDocument(doc, meta);
    expect(relay.connections - before).toBe(3);
    before = relay.connections;
    tsc.close();
    const fresh = client({ maxRetries: 2 });
    relay.refuseNext(5);
    const error = await refusal(fresh.encryptDocument(doc, meta));
    expect(error).toMatchObject({ code: 0, httpStatus: undefined });
    expect(error.message).toMatch(/after 3 attempt\(s\): ECONNRESET/);
    expect(relay.connections - before).toBe(3);
    relay.refuseNext(0);
    fresh.close();
  });

  it('abandons an attempt after timeoutMs and retries it', async () => {
    const silent = await startTcpRelay('hang');
    const tsc = createTenantSecurityClient({ url: silent.url('http'), allowInsecureHttp: true, apiKey: world.apiKey, timeoutMs: 150, maxRetries: 1, retryBaseMs: 1 });
    const error = await refusal(tsc.encryptDocument(doc, meta));
    expect(error.code).toBe(0);
    expect(error.message).toMatch(/after 2 attempt\(s\): no answer within 150 ms/);
    expect(silent.connections).toBe(2);
    tsc.close();
    await silent.close();
  });
});

describe('retries by answer', () => {
  it('retries a 5xx (208, KMS unreachable: 503) and then surfaces its code', async () => {
    const tsc = client({ maxRetries: 2 });
    const before = await tspCount('document/wrap', 208);
    world.kms.dropConnections(true);
    try {
      const error = await refusal(tsc.encryptDocument(doc, meta));
      expect(error).toMatchObject({ code: 208, httpStatus: 503, codeName: 'KMS_UNREACHABLE' });
    } finally {
      world.kms.dropConnections(false);
    }
    expect((await tspCount('document/wrap', 208)) - before).toBe(3);
    tsc.close();
  });

  it('never retries a 4xx: 203 (400) and 209 (429) are asked once', async () => {
    const tsc = client({ maxRetries: 3 });
    const encrypted = await tsc.encryptDocument(doc, meta);
    const before203 = await tspCount('document/unwrap', 203);
    expect((await refusal(tsc.decryptDocument({ ...encrypted, edek: 'Zm9yZ2Vk' }, meta))).code).toBe(203);
    expect((await tspCount('document/unwrap', 203)) - before203).toBe(1);
    const before209 = await tspCount('document/wrap', 209);
    world.kms.throttle(true);
    try {
      expect((await refusal(tsc.encryptDocument(doc, meta))).httpStatus).toBe(429);
    } finally {
      world.kms.throttle(false);
    }
    expect((await tspCount('document/wrap', 209)) - before209).toBe(1);
    tsc.close();
  });

  it('waits with full jitter: anywhere from 0 to the exponential bound, capped', () => {
    expect(backoffMs(0, 100, 2000, () => 0)).toBe(0);
    expect(backoffMs(0, 100, 2000, () => 0.5)).toBe(50);
    expect(backoffMs(3, 100, 2000, () => 0.5)).toBe(400);
    expect(backoffMs(10, 100, 2000, () => 0.5)).toBe(1000);
  });
});
