import { CompactSign, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { bundleTenant, createDeployment, createTenant, publishState, sealTestConfig } from '@/lib/testing/bundle-factory';
import { cryptoRejection, newSigner, type TTestSigner } from '@/lib/testing/test-keys';

import { BUNDLE_TYP, BundleError, signBundle, signBundleJson, verifyBundle, type TBundle, type TBundleSecret } from './bundle';
import { newConfigId } from './config-document';
import { utf8 } from './encoding';
import { MAX_STATE_SECRETS } from './tenant-secrets';
import { MAX_WRAPPED_SECRET_LENGTH } from './wrapped-secret';

const rejection = (promise: Promise<unknown>) => cryptoRejection<BundleError>(promise);
const verify = (jws: string, now = NOW) => verifyBundle(jws, [broker.publicJwk], { deploymentId: DEP, now });

const DEP = 'dep_AAAAAAAAAAAAAAAA';
const NOW = 1_764_300_000;
let broker: TTestSigner;
let tenantKey: TTestSigner;

function bundle(change: Partial<TBundle> = {}): TBundle {
  return { aud: DEP, iat: NOW, exp: NOW + 300, cursor: null, next: 'cur_1', complete: true, tenants: [], ...change };
}

beforeAll(async () => {
  broker = await newSigner();
  tenantKey = await newSigner();
});

describe('signBundle / verifyBundle', () => {
  it('round-trips with the exact header', async () => {
    const tenants = [
      { tenantId: 'acme', status: 'active' as const, signingKey: tenantKey.publicJwk, state: 'a.b.c', keyRotations: [], configs: [] },
    ];
    const jws = await signBundle(bundle({ tenants }), broker.key, broker.kid);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: broker.kid, typ: BUNDLE_TYP });
    const read = await verify(jws);
    expect(read).toEqual(bundle({ tenants }));
  });

  it('signBundleJson gives the same payload from a serialized tenants array', async () => {
    const { tenants: _t, ...head } = bundle();
    const jws = await signBundleJson(head, '[]', broker.key, broker.kid);
    expect(await verify(jws)).toEqual(bundle());
  });

  it('refuses an unknown broker key as wrong_key', async () => {
    const other = await newSigner();
    const jws = await signBundle(bundle(), other.key, other.kid);
    const e = await rejection(verify(jws));
    expect(e.code).toBe('wrong_key');
    expect(e.check).toBe('key');
  });

  it('refuses a bad signature as decrypt_failed', async () => {
    const other = await newSigner();
    // Claims the pinned kid but is signed by another key.
    const jws = await signBundle(bundle(), other.key, broker.kid);
    const e = await rejection(verify(jws));
    expect(e.code).toBe('decrypt_failed');
    expect(e.check).toBe('signature');
  });

  it('refuses another audience', async () => {
    const jws = await signBundle(bundle({ aud: 'dep_BBBBBBBBBBBBBBBB' }), broker.key, broker.kid);
    const e = await rejection(verify(jws));
    expect(e.code).toBe('decrypt_failed');
    expect(e.check).toBe('audience');
    expect(e.message).toMatch(/another deployment/);
  });

  it('refuses an expired bundle, tolerating 60 s of skew', async () => {
    const jws = await signBundle(bundle(), broker.key, broker.kid);
    await expect(verify(jws, NOW + 359)).resolves.toBeTruthy();
    const e = await rejection(verify(jws, NOW + 360));
    expect(e.code).toBe('expired');
    const early = await rejection(verify(jws, NOW - 61));
    expect(early.code).toBe('expired');
  });

  it('refuses a lifetime over 600 s', async () => {
    const jws = await signBundle(bundle({ exp: NOW + 601 }), broker.key, broker.kid);
    const e = await rejection(verify(jws));
    expect(e.check).toBe('lifetime');
  });

  it('refuses another typ, an extra header member and alg none', async () => {
    const payload = utf8(JSON.stringify(bundle()));
    const otherTyp = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid: broker.kid, typ: 'JWT' }).sign(broker.key);
    expect((await rejection(verify(otherTyp))).code).toBe('unsupported');
    const extra = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'ES256', kid: broker.kid, typ: BUNDLE_TYP, jku: 'https://x' })
      .sign(broker.key);
    expect((await rejection(verify(extra))).code).toBe('unsupported');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: BUNDLE_TYP })).toString('base64url')}.${Buffer.from(payload).toString('base64url')}.`;
    expect((await rejection(verify(none))).code).toBe('invalid_input');
  });

  it('refuses unknown members at every level and malformed tenants', async () => {
    const cases: unknown[] = [
      { ...bundle(), extra: 1 },
      bundle({ next: '' }),
      bundle({ tenants: [{ tenantId: 'acme' }] as never }),
      bundle({
        tenants: [{ tenantId: 'acme', status: 'active', signingKey: { ...tenantKey.publicJwk, d: 'x' }, state: 's', keyRotations: [], configs: [] }],
      }),
      bundle({
        tenants: [{ tenantId: 'acme', status: 'gone' as never, signingKey: tenantKey.publicJwk, state: 's', keyRotations: [], configs: [] }],
      }),
      bundle({
        tenants: [
          {
            tenantId: 'acme',
            status: 'active',
            signingKey: tenantKey.publicJwk,
            state: 's',
            keyRotations: [],
            configs: [{ configId: newConfigId(), version: 1, jwe: { protected: 'x' } as never }],
          },
        ],
      }),
    ];
    for (const payload of cases) {
      const jws = await new CompactSign(utf8(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: broker.kid, typ: BUNDLE_TYP })
        .sign(broker.key);
      const e = await rejection(verify(jws));
      expect(e.check).toBe('structure');
    }
  });

  it("carries a configuration's name from the broker (display only), and refuses one that is not a plain name", async () => {
    const deployment = await createDeployment([broker]);
    const tenant = await createTenant('acme', [deployment]);
    await sealTestConfig(tenant, { provider: 'aws-kms', primary: true, label: 'Production KMS (eu-west-1)' });
    await publishState(tenant);
    const entry = bundleTenant(tenant, deployment);
    const read = await verify(await signBundle(bundle({ tenants: [entry] }), broker.key, broker.kid));
    expect(read.tenants[0]?.configs[0]?.label).toBe('Production KMS (eu-west-1)');
    // Without one, as older brokers send: accepted, and no label.
    const { label: _label, ...unnamed } = entry.configs[0] as TBundle['tenants'][number]['configs'][number];
    const plain = await verify(await signBundle(bundle({ tenants: [{ ...entry, configs: [unnamed] }] }), broker.key, broker.kid));
    expect(plain.tenants[0]?.configs[0]).not.toHaveProperty('label');
    for (const label of ['', 'x'.repeat(101), 'line\nbreak', 'nul\u0000', '\ud800', 5, null]) {
      const jws = await signBundle(bundle({ tenants: [{ ...entry, configs: [{ ...unnamed, label: label as string }] }] }), broker.key, broker.kid);
      expect((await rejection(verify(jws))).check, JSON.stringify(label)).toBe('structure');
    }
  });

  it('carries wrapped tenant secrets exactly, and leaves the member out when there are none', async () => {
    const base = { tenantId: 'acme', status: 'active' as const, signingKey: tenantKey.publicJwk, state: 'a.b.c', keyRotations: [], configs: [] };
    const secrets: TBundleSecret[] = [
      { secretPath: 'orders/email', tenantSecretId: 1, kmsConfigId: 1, wrapped: 'AAECAwQ', createdAt: '2026-12-07T13:00:00.000Z' },
      { secretPath: 'orders/email', tenantSecretId: 2, kmsConfigId: 3, wrapped: 'x'.repeat(MAX_WRAPPED_SECRET_LENGTH), createdAt: '2026-12-07T13:05:00.123Z' },
    ];
    const read = await verify(await signBundle(bundle({ tenants: [{ ...base, secrets }] }), broker.key, broker.kid));
    expect(read.tenants[0]?.secrets).toEqual(secrets);
    const without = await verify(await signBundle(bundle({ tenants: [base] }), broker.key, broker.kid));
    expect(without.tenants[0]).not.toHaveProperty('secrets');
    expect(Object.keys(without.tenants[0]!)).toEqual(['tenantId', 'status', 'signingKey', 'state', 'keyRotations', 'configs']);
  });

  it('refuses a malformed secret entry, a duplicate, or more than a state may list', async () => {
    const base = { tenantId: 'acme', status: 'active' as const, signingKey: tenantKey.publicJwk, state: 'a.b.c', keyRotations: [], configs: [] };
    const good: TBundleSecret = { secretPath: 'p', tenantSecretId: 1, kmsConfigId: 1, wrapped: 'AAECAwQ', createdAt: '2026-12-07T13:00:00.000Z' };
    const bad: [string, unknown][] = [
      ['not an array', { p: good }],
      ['extra member', [{ ...good, digest: 'x' }]],
      ['missing member', [{ secretPath: 'p', tenantSecretId: 1, kmsConfigId: 1, wrapped: 'AAECAwQ' }]],
      ['empty path', [{ ...good, secretPath: '' }]],
      ['control character in path', [{ ...good, secretPath: 'a\nb' }]],
      ['id 0', [{ ...good, tenantSecretId: 0 }]],
      ['fractional id', [{ ...good, tenantSecretId: 1.5 }]],
      ['kmsConfigId 0', [{ ...good, kmsConfigId: 0 }]],
      ['wrapped not base64url', [{ ...good, wrapped: 'AA+/' }]],
      ['wrapped not canonical', [{ ...good, wrapped: 'AB' }]],
      ['wrapped empty', [{ ...good, wrapped: '' }]],
      ['wrapped too long', [{ ...good, wrapped: 'x'.repeat(MAX_WRAPPED_SECRET_LENGTH + 4) }]],
      ['createdAt not ISO', [{ ...good, createdAt: 'yesterday' }]],
      ['createdAt not a date', [{ ...good, createdAt: '2026-02-30T00:00:00.000Z' }]],
      ['createdAt a number', [{ ...good, createdAt: 1764300000 }]],
      ['listed twice', [good, { ...good, wrapped: 'AAAA' }]],
      ['too many', Array.from({ length: MAX_STATE_SECRETS + 1 }, (_, i) => ({ ...good, tenantSecretId: i + 1 }))],
    ];
    for (const [what, secrets] of bad) {
      const jws = await signBundle(bundle({ tenants: [{ ...base, secrets: secrets as TBundleSecret[] }] }), broker.key, broker.kid);
      expect((await rejection(verify(jws))).check, what).toBe('structure');
    }
    // The bounds themselves are accepted.
    const most = Array.from({ length: MAX_STATE_SECRETS }, (_, i) => ({ ...good, tenantSecretId: i + 1 }));
    const read = await verify(await signBundle(bundle({ tenants: [{ ...base, secrets: most }] }), broker.key, broker.kid));
    expect(read.tenants[0]?.secrets).toHaveLength(MAX_STATE_SECRETS);
  });

  it('refuses a pinned key whose kid is not its thumbprint', async () => {
    const jws = await signBundle(bundle(), broker.key, broker.kid);
    const e = await rejection(verifyBundle(jws, [{ ...broker.publicJwk, kid: tenantKey.kid }], { deploymentId: DEP, now: NOW }));
    expect(e.code).toBe('invalid_input');
  });
});
