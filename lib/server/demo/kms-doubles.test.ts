// The demo's five KMS doubles, as seeded: each configuration the seed writes
// (the settings as sealed for the tenant) wraps through the real driver with
// the TSP options read from the written tsp.env, and after the doubles stop
// and start again from DATA_DIR/demo/ — a new `npm start` — every EDEK made
// before still unwraps, and only for its own tenant. The demo's certificate
// lasts as long as a demo may.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createKmsDriver, type TKmsDriverOptions } from '@/lib/kms';
import { outboundOptions, parseTspSettings } from '@/lib/tsp/settings';
import { createDemoDoublesSpec, demoDoubleSettings, demoTspEnvFile, startDemoDoubles, type TDemoDoubles } from './doubles';

const dataDir = mkdtempSync(path.join(tmpdir(), 'demo-kms-doubles-'));
mkdirSync(path.join(dataDir, 'demo'), { recursive: true });
let running: TDemoDoubles | null = null;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const KMS = [
  ['acme', 'aws-kms'],
  ['acme', 'hashicorp-vault-transit'],
  ['globex', 'google-cloud-kms'],
  ['initech', 'azure-key-vault'],
  ['hooli', 'hashicorp-vault-transit'],
  ['umbrella', 'thales-ciphertrust'],
] as const;

function tspKmsOptions(): TKmsDriverOptions {
  const env = parseEnv(readFileSync(demoTspEnvFile(dataDir), 'utf8'));
  return { ...outboundOptions(parseTspSettings({ credentials: demoTspEnvFile(dataDir) }, env)).kms, timeoutMs: 10_000 };
}

describe('the demo KMS doubles', () => {
  it('wrap through every seeded KMS configuration, and unwrap after a restart from DATA_DIR/demo/', async () => {
    const spec = await createDemoDoublesSpec(dataDir);
    expect(spec.otherKms).not.toBeNull();
    // Kept across restarts, so the demo's certificate and CA outlive the tests' week.
    const year = Date.now() + 365 * 24 * 3600 * 1000;
    for (const pem of [spec.otherKms?.tls.certPem, spec.otherKms?.tls.caPem]) expect(Date.parse(new X509Certificate(pem ?? '').validTo)).toBeGreaterThan(year);
    const settingsOf = demoDoubleSettings(spec);
    running = await startDemoDoubles(dataDir);
    expect(running?.otherKmsUrls).toEqual({ google: expect.stringMatching(/^https:/), azure: expect.stringMatching(/^https:\/\/localhost:/), vault: expect.stringMatching(/^https:/), ciphertrust: expect.stringMatching(/^https:/) });

    const dek = new Uint8Array(32).fill(7);
    const wrapped: Uint8Array[] = [];
    for (const [tenant, provider] of KMS) {
      const driver = createKmsDriver(provider, settingsOf(tenant)[provider], tspKmsOptions());
      try {
        wrapped.push(await driver.wrap(dek, { tenantId: tenant }));
      } finally {
        driver.close();
      }
    }

    await running?.stop();
    running = await startDemoDoubles(dataDir);
    for (const [i, [tenant, provider]] of KMS.entries()) {
      const driver = createKmsDriver(provider, settingsOf(tenant)[provider], tspKmsOptions());
      try {
        expect(await driver.unwrap(wrapped[i] as Uint8Array, { tenantId: tenant }), `${tenant} ${provider}`).toEqual(dek);
        await expect(driver.unwrap(wrapped[i] as Uint8Array, { tenantId: 'someone-else' }), `${tenant} ${provider}`).rejects.toMatchObject({ name: 'KmsError' });
      } finally {
        driver.close();
      }
    }
  }, 60_000);
});
