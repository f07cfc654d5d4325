// The SIEM registry and the layer's boundaries: settings are parsed by the
// provider's own schema (messages without values), an unsupported provider is
// a clear, reportable error, the HTTP client refuses DNS answers on the
// proxy's own machine, and lib/siem imports nothing of the broker (Next.js,
// Prisma, lib/server, lib/client) or of lib/testing.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookDouble, type TWebhookDouble } from '@/lib/testing/siem/webhook-double';
import { createHttpClient, parseRetryAfter } from './http';
import { createSiemDelivery, createSiemSink, siemBatchLimits, SUPPORTED_SIEM_PROVIDERS } from './index';
import { SiemError } from './types';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'CANARYsecret-1a2b3c4d5e6f7a8b9c0d1e2f';

function thrown(run: () => unknown): SiemError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SiemError);
    return error as SiemError;
  }
  throw new Error('expected a SiemError');
}

describe('createSiemSink', () => {
  it('supports the webhook and Splunk HEC', () => {
    expect(SUPPORTED_SIEM_PROVIDERS).toEqual(['webhook', 'splunk-hec', 'syslog-tls']);
    expect(siemBatchLimits('splunk-hec')).toEqual({ maxEvents: 200, maxBytes: 512 * 1024 });
  });

  it('names an unsupported provider and what is supported', () => {
    const error = thrown(() => createSiemSink('datadog', {}));
    expect(error).toMatchObject({ retryable: false, message: 'This key proxy cannot deliver events to "datadog" yet; it supports webhook, splunk-hec, syslog-tls.' });
  });

  it('parses settings with the provider schema, reporting the field and never the value', () => {
    const error = thrown(() => createSiemSink('webhook', { url: `http://hooks.example.com/${SECRET}`, hmacSecret: SECRET }));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('The webhook settings are invalid (url): The webhook URL must start with https://, like https://hooks.example.com/cmk/audit.');
    const policy = thrown(() => createSiemSink('webhook', { url: 'https://hooks.example.com/x', hmacSecret: SECRET, onQueueFull: 'sometimes' }));
    expect(policy.message).toContain('(onQueueFull)');
    expect(JSON.stringify([error.message, policy.message])).not.toContain('CANARY');
  });

  it('creates a delivery queue with the definition’s limits and the signed policy (absent means drop)', () => {
    const delivery = createSiemDelivery('webhook', { url: 'https://hooks.example.com/x', hmacSecret: SECRET });
    expect(delivery.onFull).toBe('drop');
    expect(delivery.room()).toBe(10_000);
    delivery.close();
  });
});

describe('outbound HTTP', () => {
  // A webhook double (no real receiver is reachable here), reached by its real address this time.
  let double: TWebhookDouble;
  beforeAll(async () => {
    double = await startWebhookDouble({ secret: SECRET });
  });
  afterAll(() => double.close());

  it('refuses a host name that resolves to loopback, unless the operator pinned it', async () => {
    const client = createHttpClient('the webhook', { ca: [double.caPem] });
    const url = new URL(`https://localhost:${double.port}/hook`);
    const error = await client.post(url, {}, Buffer.from('{}')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ retryable: false, message: "The webhook's host name resolves only to loopback or link-local addresses, which the key proxy refuses." });
    client.close();

    const pinned = createHttpClient('the webhook', double.sinkOptions());
    const answer = await pinned.post(new URL(double.url()), {}, Buffer.from('{}'));
    expect(answer.status).toBe(401);
    pinned.close();
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(1_000_000 + 5_000).toUTCString(), 1_000_000)).toBe(5_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('lib/siem import boundary', () => {
  it('imports nothing of Next.js, Prisma, React, lib/server, lib/client or lib/testing', () => {
    const dir = join(ROOT, 'lib/siem');
    const files = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(4);
    const problems: string[] = [];
    const specs = new Set<string>();
    for (const name of files) {
      for (const match of readFileSync(join(dir, name), 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/gm)) {
        const spec = (match[1] ?? match[2] ?? match[3]) as string;
        specs.add(spec);
        const forbidden = /^(next|react|react-dom|@prisma\/|server-only)|lib\/(server|client|testing|generated)\b|^@\/(app|components)\//.test(spec);
        const allowed = spec.startsWith('node:') || spec.startsWith('./') || spec === 'zod' || spec.startsWith('@/lib/schemas/') || spec === '@/lib/proxy-client/backoff' || spec === '@/lib/socket-errors';
        if (forbidden || !allowed) problems.push(`${relative(ROOT, join(dir, name))} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
    // The scan really read the imports (guards against a pattern that matches nothing).
    expect([...specs]).toEqual(expect.arrayContaining(['./types', 'node:https', '@/lib/proxy-client/backoff', '@/lib/schemas/providers/webhook']));
  });
});
