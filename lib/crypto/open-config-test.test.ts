// sealConfigTest (browser) and openConfigTest (proxy): the round trip, the
// separation from configurations in both directions, and each refusal with
// its own error.
import { beforeAll, describe, expect, it } from 'vitest';

import type { TConfigTestDocument } from '@/lib/schemas/config-tests';
import { findProvider } from '@/lib/schemas/providers/registry';
import { createDeployment, createTenant, type TTestDeployment, type TTestTenant } from '@/lib/testing/bundle-factory';
import { cryptoRejection } from '@/lib/testing/test-keys';

import { base64urlDecode, base64urlEncode } from './encoding';
import { narrowJwe } from './narrow-jwe';
import { openConfig } from './open-config';
import { openConfigTest, type TOpenConfigTestInput } from './open-config-test';
import { sealConfig } from './seal-config';
import { sealConfigTest } from './seal-config-test';
import { newConfigId } from './config-document';

let tenant: TTestTenant;
let stranger: TTestTenant;
let proxy: TTestDeployment;
let proxy2: TTestDeployment;
let document: TConfigTestDocument;
const NOW = 1_780_000_000;

const recipient = (d: TTestDeployment) => ({ kid: d.kid, publicJwk: d.publicJwk });

function seal(doc: Partial<TConfigTestDocument> = {}, signer = tenant.signer) {
  return sealConfigTest({ document: { ...document, ...doc }, signingKey: signer.key, signingKid: signer.kid, recipients: [recipient(proxy), recipient(proxy2)] });
}

function open(jwe: TOpenConfigTestInput['jwe'], change: Partial<TOpenConfigTestInput> = {}) {
  return openConfigTest({
    jwe,
    decryptionKey: proxy.key,
    decryptionKid: proxy.kid,
    verifyKey: tenant.signer.publicJwk,
    expected: { tenantId: 'acme', testId: document.testId, kind: 'kms', configId: null },
    now: NOW,
    ...change,
  });
}

beforeAll(async () => {
  [proxy, proxy2] = await Promise.all([createDeployment([]), createDeployment([])]);
  [tenant, stranger] = await Promise.all([createTenant('acme', [proxy]), createTenant('stranger', [proxy])]);
  document = {
    typ: 'config-test',
    testId: 'ct_AAAAAAAAAAAAAAAAAAAAAA',
    tenantId: 'acme',
    kind: 'kms',
    configId: null,
    provider: 'aws-kms',
    settings: findProvider('aws-kms')?.example as Record<string, unknown>,
    iat: NOW - 5,
  };
});

describe('sealConfigTest → openConfigTest', () => {
  it('round trip, general or narrowed, for each approved deployment; the settings come back parsed', async () => {
    const { jwe } = await seal();
    expect(jwe.recipients.map((r) => r.header.kid).sort()).toEqual([proxy.kid, proxy2.kid].sort());
    expect(JSON.parse(Buffer.from(base64urlDecode(jwe.protected)).toString())).toEqual({ enc: 'A256GCM', cty: 'cmk-config-test+jws' });
    expect(await open(jwe)).toEqual(document);
    expect(await open(narrowJwe(jwe, proxy.kid))).toEqual(document);
    expect(await open(narrowJwe(jwe, proxy2.kid), { decryptionKey: proxy2.key, decryptionKid: proxy2.kid })).toEqual(document);
  });

  it('a configuration is refused as a test, and a test as a configuration', async () => {
    const { jwe: config } = await sealConfig({
      document: { typ: 'kms', tenantId: 'acme', configId: newConfigId(), version: 1, provider: 'aws-kms', settings: document.settings, iat: NOW },
      signingKey: tenant.signer.key,
      signingKid: tenant.signer.kid,
      recipients: [recipient(proxy)],
    });
    const asTest = await cryptoRejection(open(narrowJwe(config, proxy.kid)));
    expect([asTest.code, asTest.check]).toEqual(['unsupported', 'recipient']);

    const { jwe: test } = await seal();
    const asConfig = await cryptoRejection(openConfig({ jwe: narrowJwe(test, proxy.kid), decryptionKey: proxy.key, decryptionKid: proxy.kid, verifyKey: tenant.signer.publicJwk, expected: { tenantId: 'acme' } }));
    expect([asConfig.code, asConfig.check]).toEqual(['unsupported', 'recipient']);
  });

  it('refuses each wrong thing with its own error', async () => {
    const { jwe } = await seal();
    const failures = {
      tenant: await cryptoRejection(open(jwe, { expected: { tenantId: 'globex', testId: document.testId } })),
      test: await cryptoRejection(open(jwe, { expected: { tenantId: 'acme', testId: 'ct_BBBBBBBBBBBBBBBBBBBBBB' } })),
      stale: await cryptoRejection(open(jwe, { now: NOW + 11 * 60 })),
      tampered: await cryptoRejection(open({ ...jwe, ciphertext: flip(jwe.ciphertext) })),
      otherKey: await cryptoRejection(open(jwe, { verifyKey: stranger.signer.publicJwk })),
      notSealedToUs: await cryptoRejection(open(jwe, { decryptionKey: (await createDeployment([])).key, decryptionKid: (await createDeployment([])).kid })),
    };
    const seen = Object.fromEntries(Object.entries(failures).map(([name, e]) => [name, `${e.code}/${e.check}`]));
    expect(seen).toEqual({
      tenant: 'decrypt_failed/tenant',
      test: 'decrypt_failed/test',
      stale: 'expired/age',
      tampered: 'decrypt_failed/decrypt',
      otherKey: 'wrong_key/signature',
      notSealedToUs: 'wrong_key/recipient',
    });
  });

  it('a draft signed by another tenant key (kid of ours) does not verify; bad settings name paths, never values', async () => {
    const { jwe: forged } = await seal({}, { ...stranger.signer, kid: tenant.signer.kid });
    const forgedError = await cryptoRejection(open(forged));
    expect(`${forgedError.code}/${forgedError.check}`).toBe('decrypt_failed/signature');

    const { jwe: bad } = await seal({ settings: { ...document.settings, region: 'SECRET-CANARY-REGION' } });
    const error = await cryptoRejection(open(bad));
    expect(`${error.code}/${error.check}`).toBe('invalid_input/settings');
    expect(error.message).toMatch(/settings\.region/);
    expect(error.message).not.toContain('SECRET-CANARY');
  });

  it('sealConfigTest refuses a malformed document without quoting it', async () => {
    const error = await cryptoRejection(seal({ testId: 'SECRET-not-a-test-id' }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain('SECRET');
  });
});

function flip(b64: string): string {
  const bytes = base64urlDecode(b64);
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return base64urlEncode(bytes);
}
