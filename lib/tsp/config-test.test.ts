// Configuration tests end to end inside one process: the TSP world's
// in-memory broker hands tests to the real proxy client, which opens drafts
// and runs the TSP's handler against the AWS KMS double and the webhook and
// Splunk HEC doubles (protocol doubles: no cloud or SIEM is reachable here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { narrowJwe } from '@/lib/crypto/narrow-jwe';
import { sealConfigTest } from '@/lib/crypto/seal-config-test';
import type { TConfigTestResult } from '@/lib/schemas/config-tests';
import { sealTestConfig, type TTestConfig } from '@/lib/testing/bundle-factory';
import { newSigner, type TTestSigner } from '@/lib/testing/test-keys';
import { startTspWorld, type TTspWorld, type TWorldConfigTest } from '@/lib/testing/tsp-world';
import type { TTspLogger } from './log';

let world: TTspWorld;
const lines: string[] = [];
const record = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push(JSON.stringify({ level, ...fields, message }));
const logger: TTspLogger = { info: record('info'), warn: record('warn'), error: record('error') };

const CANARIES = { accessKeyId: 'AKIACANARYKEY1234567', secret: `CANARYsecret${'Q'.repeat(28)}`, hecToken: 'cafecafe-0000-4000-8000-c0ffeec0ffee', hmac: 'CANARY-hmac-secret-0123456789abcdef' };

const configOf = (name: 'acme', provider: string) => [...world.tenants[name].configs.values()].find((c) => c.provider === provider) as TTestConfig;
const saved = (config: TTestConfig, tenantId = 'acme'): TWorldConfigTest => ({ tenantId, kind: config.kind, configId: config.configId, version: config.version, draft: null });

async function draft(kind: 'kms' | 'siem', provider: string, settings: Record<string, unknown>, signer: TTestSigner = world.tenants.acme.signer): Promise<TWorldConfigTest & { testId: string }> {
  const testId = `ct_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')}`;
  const { jwe } = await sealConfigTest({
    document: { typ: 'config-test', testId, tenantId: 'acme', kind, configId: null, provider, settings, iat: Math.floor(Date.now() / 1000) },
    signingKey: signer.key,
    signingKid: signer.kid,
    recipients: [{ kid: world.deployment.kid, publicJwk: world.deployment.publicJwk }],
  });
  return { testId, tenantId: 'acme', kind, configId: null, version: null, draft: narrowJwe(jwe, world.deployment.kid) };
}

async function run(test: TWorldConfigTest): Promise<TConfigTestResult> {
  return world.configTestResult(world.startConfigTest(test));
}

const expectFailed = (result: TConfigTestResult, step: string, code: string) => expect(result).toMatchObject({ outcome: 'failed', step, code });

beforeAll(async () => {
  world = await startTspWorld({ tsp: { logger } });
}, 30_000);
afterAll(() => world?.stop());

describe('configuration tests in the TSP', () => {
  it('a saved KMS configuration passes: wrap and unwrap a random key with the tenant binding', async () => {
    const result = await run(saved(world.kmsConfig.acme as TTestConfig));
    expect(result).toMatchObject({ outcome: 'passed', step: null, code: null });
    expect(result.instanceId).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(lines.some((l) => l.includes('"message":"configuration test"') && l.includes('"outcome":"passed"') && l.includes('"tenantId":"acme"'))).toBe(true);
  });

  it('a saved KMS configuration fails at key access when the key is disabled, then passes again', async () => {
    const config = world.kmsConfig.acme as TTestConfig;
    world.kms.disableKey(String(config.settings.keyArn));
    try {
      expectFailed(await run(saved(config)), 'key_access', 'kms_unauthorized');
    } finally {
      world.kms.enableKey(String(config.settings.keyArn));
    }
    expect((await run(saved(config))).outcome).toBe('passed');
  });

  it('a saved KMS configuration with credentials AWS does not know fails at authentication', async () => {
    let wrong: TTestConfig | undefined;
    await world.change('quiet', async (tenant) => {
      const good = world.kmsConfig.quiet as TTestConfig;
      wrong = await sealTestConfig(tenant, { provider: 'aws-kms', settings: { ...good.settings, accessKeyId: CANARIES.accessKeyId, secretAccessKey: CANARIES.secret } });
    });
    expectFailed(await run(saved(wrong as TTestConfig, 'quiet')), 'authentication', 'kms_unauthorized');
  });

  it('a saved SIEM configuration passes: the webhook receives exactly one event of category test', async () => {
    const testId = world.startConfigTest(saved(configOf('acme', 'webhook')));
    expect(await world.configTestResult(testId)).toMatchObject({ outcome: 'passed', step: null, code: null });
    const received = world.webhook.events.filter((e) => e.category === 'test' && e.details?.testId === testId);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ source: 'cmk-tsp', event: 'config_test', outcome: 'success', tenantId: 'acme', deploymentId: world.deployment.id, details: { testId } });
  });

  it('a saved Splunk configuration with a wrong token fails at authentication (code auth)', async () => {
    let wrong: TTestConfig | undefined;
    await world.change('acme', async (tenant) => {
      wrong = await sealTestConfig(tenant, { provider: 'splunk-hec', settings: { ...configOf('acme', 'splunk-hec').settings, token: CANARIES.hecToken } });
    });
    expectFailed(await run(saved(wrong as TTestConfig)), 'authentication', 'auth');
  });

  it('drafts (KMS and SIEM) pass without any configuration stored', async () => {
    const before = world.client.getTenant('acme')?.configs.length;
    expect((await run(await draft('kms', 'aws-kms', (world.kmsConfig.acme as TTestConfig).settings))).outcome).toBe('passed');
    const siem = await draft('siem', 'webhook', configOf('acme', 'webhook').settings);
    expect((await run(siem)).outcome).toBe('passed');
    expect(world.webhook.events.filter((e) => e.details?.testId === siem.testId)).toHaveLength(1);
    expect(world.client.getTenant('acme')?.configs.length).toBe(before);
  });

  it('a draft signed by another key is refused (config_test_invalid); a version not applied is not_applied', async () => {
    const forged = await draft('kms', 'aws-kms', (world.kmsConfig.acme as TTestConfig).settings, await newSigner());
    expectFailed(await run(forged), 'configuration', 'config_test_invalid');
    const config = world.kmsConfig.acme as TTestConfig;
    expectFailed(await run({ ...saved(config), version: config.version + 5 }), 'not_applied', 'not_applied');
    expectFailed(await run({ ...saved(config), configId: 'c_AAAAAAAAAAAAAAAAAAAAAA' }), 'not_applied', 'not_applied');
  });

  it('canaries: no setting, token or key material in any result, log line or SIEM event', async () => {
    const settings = (world.kmsConfig.acme as TTestConfig).settings;
    const results = [
      await run(await draft('kms', 'aws-kms', { ...settings, accessKeyId: CANARIES.accessKeyId, secretAccessKey: CANARIES.secret })),
      await run(await draft('siem', 'splunk-hec', { ...configOf('acme', 'splunk-hec').settings, token: CANARIES.hecToken })),
      await run(await draft('siem', 'webhook', { ...configOf('acme', 'webhook').settings, hmacSecret: CANARIES.hmac })),
    ];
    expect(results.map((r) => `${r.step}/${r.code}`)).toEqual(['authentication/kms_unauthorized', 'authentication/auth', 'authentication/auth']);
    const seen = [JSON.stringify(world.testResults), ...lines, JSON.stringify(world.webhook.events), JSON.stringify(world.splunk.events)].join('\n');
    for (const canary of [...Object.values(CANARIES), String(settings.secretAccessKey), configOf('acme', 'webhook').settings.hmacSecret as string]) {
      expect(seen).not.toContain(canary);
    }
    // Every result is exactly the contract's members: no message slot to leak through.
    for (const { result } of world.testResults) expect(Object.keys(result).sort()).toEqual(['code', 'instanceId', 'latencyMs', 'outcome', 'step']);
  });
});
