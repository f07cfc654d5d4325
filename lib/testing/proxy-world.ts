// A small world for proxy client tests: a broker key, one deployment, tenant
// "acme" with a primary KMS and a primary SIEM configuration (all real crypto,
// lib/testing/bundle-factory.ts), a temporary pins file, and an in-memory
// broker (fetch) whose bundle a test decides per request.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TBundle, TBundleTenant } from '@/lib/crypto/bundle';
import type { TProxyStatus } from '@/lib/schemas/deployments';

import {
  bundleTenant,
  createBroker,
  createDeployment,
  createTenant,
  publishState,
  sealTestConfig,
  signTestBundle,
  type TTestConfig,
  type TTestDeployment,
  type TTestTenant,
} from './bundle-factory';
import type { TTestSigner } from './test-keys';

export type TProxyWorld = {
  broker: TTestSigner;
  deployment: TTestDeployment;
  acme: TTestTenant;
  kms: TTestConfig;
  siem: TTestConfig;
  pinsFile: string;
};

export async function createProxyWorld(brokerUrl?: string): Promise<TProxyWorld> {
  const broker = await createBroker();
  const deployment = await createDeployment([broker], brokerUrl);
  const acme = await createTenant('acme', [deployment]);
  const kms = await sealTestConfig(acme, { provider: 'aws-kms', primary: true });
  const siem = await sealTestConfig(acme, { provider: 'splunk-hec', primary: true });
  await publishState(acme);
  const dir = await mkdtemp(join(tmpdir(), 'cmk-proxy-'));
  return { broker, deployment, acme, kms, siem, pinsFile: join(dir, 'creds.pins.json') };
}

/** What the fake broker answers for a configs request. */
export type TBundleAnswer = { tenants: TBundleTenant[]; overrides?: Partial<TBundle>; signer?: TTestSigner };

export type TFakeBroker = {
  fetch: typeof globalThis.fetch;
  statuses: TProxyStatus[];
  requests: string[];
  rotations: string[];
  /** Decides the next bundle; by default every tenant given, as they are now. */
  answer: (cursor: string | null) => TBundleAnswer | Promise<TBundleAnswer>;
};

export function createFakeBroker(world: TProxyWorld, tenants: () => TTestTenant[] = () => [world.acme]): TFakeBroker {
  const fake: TFakeBroker = {
    statuses: [],
    requests: [],
    rotations: [],
    answer: () => ({ tenants: tenants().map((t) => bundleTenant(t, world.deployment)) }),
    fetch: async (input, init) => {
      const url = new URL(String(input));
      fake.requests.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
      if (url.pathname === '/api/v1/proxy/status') {
        fake.statuses.push(JSON.parse(String(init?.body)) as TProxyStatus);
        return new Response(null, { status: 204 });
      }
      if (url.pathname === '/.well-known/cmk-key-rotations.json') return Response.json({ rotations: fake.rotations });
      const cursor = url.searchParams.get('cursor');
      const { tenants: list, overrides, signer } = await fake.answer(cursor);
      const jws = await signTestBundle(signer ?? world.broker, world.deployment, list, { cursor, ...overrides });
      return new Response(jws, { status: 200, headers: { 'content-type': 'application/jose', etag: `"${jws.slice(-12)}"` } });
    },
  };
  return fake;
}
