// The browser side of configuration tests, with fetch mocked: what is sent to
// start a saved or draft test, that answers are parsed, and that a draft is
// sealed to the approved deployments only — never the tenant key.
import type { JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateAdminKeyPair } from '@/lib/crypto/admin-key';
import { base64urlDecode } from '@/lib/crypto/encoding';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { ZConfigTestId, ZStartConfigTest, type TConfigTestView } from '@/lib/schemas/config-tests';
import { splunkHec } from '@/lib/schemas/providers/splunk-hec';
import { getConfigTest, newConfigTestId, sealDraftTest, startConfigTest } from './config-tests';
import type { TTenantContext } from './configs';

const VIEW: TConfigTestView = {
  testId: 'ct_AAAAAAAAAAAAAAAAAAAAAA',
  kind: 'kms',
  configId: null,
  version: null,
  draft: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  pickupBy: '2026-01-01T00:00:15.000Z',
  targets: [{ deploymentId: 'dep_AAAAAAAAAAAAAAAA', name: 'eu-1', state: 'waiting', pickedAt: null, result: null }],
  finished: false,
};

let ctx: TTenantContext;
let proxies: { publicJwk: JWK }[];
const sent: { url: string; method: string; body: unknown }[] = [];

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });
}

beforeAll(async () => {
  const tenant = await generateTenantKeys();
  const keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  ctx = {
    tenantId: 'acme',
    keys: { ...keys, encryptionPublicJwk: tenant.encryption.publicJwk, signingPublicJwk: tenant.signing.publicJwk },
    info: {} as TTenantContext['info'],
  };
  proxies = [await generateAdminKeyPair(), await generateAdminKeyPair()];
});

afterEach(() => {
  vi.unstubAllGlobals();
  sent.length = 0;
});

function stubBroker(handler: (url: string, method: string) => Response) {
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    sent.push({ url: input, method, body: init?.body ? JSON.parse(init.body as string) : undefined });
    return handler(input, method);
  });
}

const deploymentsAnswer = () => ({
  seq: 1,
  changedAt: VIEW.createdAt,
  generatedAt: VIEW.createdAt,
  recipients: proxies.map((p) => p.publicJwk.kid),
  deployments: proxies.map((p, i) => ({ id: `dep_${i}`, name: `d${i}`, environment: 'prod', kid: p.publicJwk.kid, publicJwk: p.publicJwk, status: 'active', approved: true, appliedSeq: 1, appliedAt: null, lastStatusAt: null, errors: [] })),
});

describe('configuration tests in the browser', () => {
  it('starts a saved test by id and version and polls its view', async () => {
    stubBroker((url, method) => (method === 'POST' ? answer(201, VIEW) : answer(200, { ...VIEW, finished: true })));
    expect(await startConfigTest('acme', { configId: 'c_0123456789abcdefghij', version: 3 })).toEqual(VIEW);
    expect(sent[0]).toEqual({ url: '/api/v1/tenants/acme/config-tests', method: 'POST', body: { configId: 'c_0123456789abcdefghij', version: 3 } });
    expect((await getConfigTest('acme', VIEW.testId)).finished).toBe(true);
    expect(sent[1]?.url).toBe(`/api/v1/tenants/acme/config-tests/${VIEW.testId}`);
  });

  it('refuses an answer it does not understand, and passes refusals on with their status and code', async () => {
    stubBroker(() => answer(201, { ...VIEW, targets: [{ state: 'maybe' }] }));
    await expect(startConfigTest('acme', { configId: 'c_0123456789abcdefghij', version: 1 })).rejects.toThrow();
    stubBroker(() => answer(429, { status: 429, code: 'rate_limited', detail: 'Too many.' }));
    await expect(startConfigTest('acme', { configId: 'c_0123456789abcdefghij', version: 1 })).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('makes test ids the contract accepts', () => {
    const id = newConfigTestId();
    expect(id).toMatch(/^ct_[A-Za-z0-9_-]{22}$/);
    expect(ZConfigTestId.safeParse(id).success).toBe(true);
    expect(newConfigTestId()).not.toBe(id);
  });

  it('seals a draft to the approved deployments only, never the tenant key', async () => {
    stubBroker(() => answer(200, deploymentsAnswer()));
    const state = { recipients: [...proxies.map((p) => p.publicJwk.kid as string), ctx.keys.encryptionKid] } as TTenantState;
    const body = await sealDraftTest(ctx, state, { kind: 'siem', provider: 'splunk-hec', configId: null, settings: { ...splunkHec.example } });
    expect(ZStartConfigTest.safeParse(body).success).toBe(true);
    if (!('draft' in body)) throw new Error('expected a draft');
    expect(body.draft).toMatchObject({ kind: 'siem', provider: 'splunk-hec', configId: null });
    const jwe = body.draft.jwe as { protected: string; recipients: { header: { kid: string } }[] };
    expect(jwe.recipients.map((r) => r.header.kid).sort()).toEqual(proxies.map((p) => p.publicJwk.kid as string).sort());
    expect(JSON.parse(new TextDecoder().decode(base64urlDecode(jwe.protected)))).toMatchObject({ cty: 'cmk-config-test+jws' });
    // The settings travel only sealed.
    expect(JSON.stringify(body)).not.toContain(splunkHec.example.token as string);
  });

  it('says so when no deployment is approved, and refuses settings the provider schema refuses', async () => {
    await expect(sealDraftTest(ctx, { recipients: [] as string[] } as TTenantState, { kind: 'siem', provider: 'splunk-hec', configId: null, settings: { ...splunkHec.example } })).rejects.toThrow(
      /No proxy deployment is approved/,
    );
    await expect(sealDraftTest(ctx, null, { kind: 'siem', provider: 'splunk-hec', configId: null, settings: { url: 'nope' } })).rejects.toThrow();
  });
});
