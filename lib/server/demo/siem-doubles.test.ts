// The demo's SIEM doubles (PROTOCOL DOUBLES: no Splunk, Datadog or Elastic is
// reachable here), as seeded: each SIEM configuration the seed writes for
// acme (Splunk, Datadog) and globex (Elastic) delivers through the real sink
// with the TSP options read from the written tsp.env — Elastic through
// TSP_RESOLVE, Datadog's fixed intake host through TSP_SIEM_CONNECT_TO — and
// what each double accepts lands in DATA_DIR/demo/siem-events.jsonl, named by
// provider. A demo seeded before the Datadog and Elastic doubles (no entries
// in doubles.json) still starts and keeps the examples' settings for them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createSiemSink } from '@/lib/siem';
import type { TSiemSinkOptions } from '@/lib/siem/types';
import { makeSiemEvent } from '@/lib/testing/siem/events';
import { outboundOptions, parseTspSettings } from '@/lib/tsp/settings';
import { createDemoDoublesSpec, demoDoubleSettings, demoEventsFile, demoTspEnvFile, startDemoDoubles, type TDemoDoubles, type TDemoSiemLine } from './doubles';

const dataDir = mkdtempSync(path.join(tmpdir(), 'demo-siem-doubles-'));
mkdirSync(path.join(dataDir, 'demo'), { recursive: true });
let running: TDemoDoubles | null = null;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const SIEMS = [
  ['acme', 'splunk-hec'],
  ['acme', 'datadog'],
  ['globex', 'elastic'],
] as const;

function tspSiemOptions(): TSiemSinkOptions {
  const env = parseEnv(readFileSync(demoTspEnvFile(dataDir), 'utf8'));
  const { ca, resolve, connectTo } = outboundOptions(parseTspSettings({ credentials: demoTspEnvFile(dataDir) }, env)).siem;
  return { ...(ca ? { ca } : {}), ...(resolve ? { resolve } : {}), ...(connectTo ? { connectTo } : {}), timeoutMs: 10_000 };
}

const fileLines = () =>
  readFileSync(demoEventsFile(dataDir), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TDemoSiemLine);

describe('the demo SIEM doubles', () => {
  it('take the seeded Splunk, Datadog and Elastic configurations’ events through the real sinks, into siem-events.jsonl', async () => {
    const spec = await createDemoDoublesSpec(dataDir);
    expect(spec.datadog).toBeTruthy();
    expect(spec.elastic).toBeTruthy();
    const settingsOf = demoDoubleSettings(spec);
    expect(settingsOf('acme').datadog).toMatchObject({ site: 'datadoghq.eu', apiKey: spec.datadog?.apiKey });
    expect(settingsOf('globex').elastic).toMatchObject({ url: `https://elastic.demo.test:${spec.elastic?.port}` });
    expect(settingsOf('initech').datadog).toBeUndefined();
    running = await startDemoDoubles(dataDir);
    expect(running?.datadogUrl).toBe(`https://http-intake.logs.datadoghq.eu:${spec.datadog?.port}`);
    expect(running?.elasticUrl).toBe(`https://elastic.demo.test:${spec.elastic?.port}`);

    const sent = SIEMS.map(([tenant], n) => makeSiemEvent(n, { tenantId: tenant }));
    for (const [n, [tenant, provider]] of SIEMS.entries()) {
      const sink = createSiemSink(provider, settingsOf(tenant)[provider], tspSiemOptions());
      try {
        await sink.send([sent[n] as (typeof sent)[number]]);
      } finally {
        await sink.close();
      }
    }
    await expect.poll(() => fileLines().length, { timeout: 5_000 }).toBe(SIEMS.length);
    const lines = fileLines();
    expect(Object.fromEntries(lines.map((line) => [line.siem, line.event]))).toEqual(Object.fromEntries(SIEMS.map(([, provider], n) => [provider, sent[n]])));
  }, 60_000);

  it('a demo seeded before the Datadog and Elastic doubles still starts, and keeps the examples for them', async () => {
    await running?.stop();
    running = null;
    const file = path.join(dataDir, 'demo', 'doubles.json');
    const { datadog: _datadog, elastic: _elastic, ...older } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(older));
    running = await startDemoDoubles(dataDir);
    expect(running?.splunkUrl).toMatch(/^https:\/\/splunk\.demo\.test:/);
    expect(running?.datadogUrl).toBeNull();
    expect(running?.elasticUrl).toBeNull();
    const settingsOf = demoDoubleSettings(JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof demoDoubleSettings>[0]);
    expect(settingsOf('acme').datadog).toBeUndefined();
    expect(settingsOf('globex').elastic).toBeUndefined();
    expect(settingsOf('acme')['splunk-hec']).toBeDefined();
  }, 30_000);
});
