// Test material made with the real crypto, as a tenant's browser, the broker
// and an operator would make it: tenant keys, configurations sealed with
// sealConfig to the tenant key and the approved deployment keys, signed tenant
// states, rotation statements, JWEs narrowed per deployment, and bundles signed
// by a broker key. Tests tamper with the result to prove the proxy notices.
import type { JWK } from 'jose';

import { signBundle, type TBundle, type TBundleSecret, type TBundleTenant } from '@/lib/crypto/bundle';
import { newConfigId } from '@/lib/crypto/config-document';
import { base64urlEncode, randomBytes } from '@/lib/crypto/encoding';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { narrowJwe } from '@/lib/crypto/narrow-jwe';
import { generateJwkPair, importPrivateKey, readPrivateJwk } from '@/lib/crypto/p256-jwk';
import { sealConfig, type TGeneralJwe } from '@/lib/crypto/seal-config';
import type { TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import { signTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProxyConfig } from '@/lib/proxy-client/types';
import type { TProxyCredentials } from '@/lib/schemas/deployments';

import { newSigner, type TTestSigner } from './test-keys';

export type TTestDeployment = {
  id: string;
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
  key: CryptoKey;
  credentials: TProxyCredentials;
};

/** A configuration as the proxy should read it back, plus what the broker stores. */
export type TTestConfig = TProxyConfig & { jwe: TGeneralJwe; digest: string };

export type TTestTenant = {
  tenantId: string;
  status: 'active' | 'suspended';
  signer: TTestSigner;
  encryptionJwk: JWK;
  /** Deployments the tenant has approved (each configuration is sealed to them). */
  approved: TTestDeployment[];
  configs: Map<string, TTestConfig>;
  keyRotations: string[];
  seq: number;
  state: string;
  /** The secrets' rotation state its next state signs (absent: none listed). */
  secretStates?: TTenantStateSecret[];
  /** Wrapped secrets the broker holds for it, handed over to approved deployments. */
  secretRows?: TBundleSecret[];
};

const randomId = (bytes: number) => base64urlEncode(randomBytes(bytes));

export async function createBroker(): Promise<TTestSigner> {
  return newSigner();
}

export async function createDeployment(brokers: TTestSigner[], brokerUrl = 'http://127.0.0.1:1'): Promise<TTestDeployment> {
  const { publicJwk, privateJwk } = await generateJwkPair('ecdh');
  const key = await importPrivateKey(readPrivateJwk(privateJwk, 'ecdh', 'invalid_input'), 'ecdh', ['deriveBits'], 'invalid_input');
  // 12 random bytes are 16 base64url characters, as ZDeploymentId wants.
  const id = `dep_${randomId(12)}`;
  const credentials = {
    brokerUrl,
    deploymentId: id,
    apiKey: `cmkp_${randomId(32)}`,
    privateJwk,
    brokerJwks: { keys: brokers.map((b) => b.publicJwk) },
  } as TProxyCredentials;
  return { id, kid: publicJwk.kid as string, publicJwk, privateJwk, key, credentials };
}

function stateOf(tenant: TTestTenant, seq: number): TTenantState {
  return {
    typ: 'tenant-state',
    tenantId: tenant.tenantId,
    seq,
    configs: [...tenant.configs.values()].map(({ configId, kind, version, status, primary, digest, kmsConfigId }) => ({
      configId,
      kind,
      version,
      status,
      primary,
      digest,
      ...(kmsConfigId === null ? {} : { kmsConfigId }),
    })),
    recipients: tenant.approved.map((d) => d.kid),
    iat: Math.floor(Date.now() / 1000),
    ...(tenant.secretStates ? { secrets: tenant.secretStates } : {}),
  };
}

/** Signs the tenant's next state (seq + 1, or `seq`), after `edit` may change it. */
export async function publishState(
  tenant: TTestTenant,
  options: { seq?: number; edit?: (state: TTenantState) => void } = {},
): Promise<string> {
  const state = stateOf(tenant, options.seq ?? tenant.seq + 1);
  options.edit?.(state);
  tenant.seq = Math.max(tenant.seq, state.seq);
  tenant.state = await signTenantState(state, tenant.signer.key, tenant.signer.kid);
  return tenant.state;
}

export async function createTenant(tenantId: string, approved: TTestDeployment[]): Promise<TTestTenant> {
  const [signer, encryption] = await Promise.all([newSigner(), generateJwkPair('ecdh')]);
  const tenant: TTestTenant = {
    tenantId,
    status: 'active',
    signer,
    encryptionJwk: encryption.publicJwk,
    approved,
    configs: new Map(),
    keyRotations: [],
    seq: 0,
    state: '',
  };
  await publishState(tenant);
  return tenant;
}

/** Seals `settings` as a configuration (a new one, or the next version of `configId`); publish a state to list it. */
export async function sealTestConfig(
  tenant: TTestTenant,
  input: {
    provider: string;
    settings?: Record<string, unknown>;
    configId?: string;
    primary?: boolean;
    status?: 'active' | 'disabled';
    /** KMS only; by default the previous version's, or for a new configuration the next after the tenant's highest (null: none). */
    kmsConfigId?: number | null;
    /** The broker's name for it, sent beside the JWE (null: none sent). */
    label?: string | null;
  },
  signer: TTestSigner = tenant.signer,
): Promise<TTestConfig> {
  const provider = findProvider(input.provider);
  if (!provider) throw new Error(`Unknown provider ${input.provider}`);
  const previous = input.configId ? tenant.configs.get(input.configId) : undefined;
  const configId = input.configId ?? newConfigId();
  const version = (previous?.version ?? 0) + 1;
  const settings = input.settings ?? (provider.example as Record<string, unknown>);
  const document = { typ: provider.kind, tenantId: tenant.tenantId, configId, version, provider: provider.id, settings, iat: 1_764_300_000 };
  const recipients = [tenant.encryptionJwk, ...tenant.approved.map((d) => d.publicJwk)].map((publicJwk) => ({
    kid: publicJwk.kid as string,
    publicJwk,
  }));
  const { jwe, digest } = await sealConfig({ document, signingKey: signer.key, signingKid: signer.kid, recipients });
  const nextKmsConfigId = Math.max(0, ...[...tenant.configs.values()].map((c) => c.kmsConfigId ?? 0)) + 1;
  const kmsConfigId = provider.kind === 'kms' ? (input.kmsConfigId !== undefined ? input.kmsConfigId : (previous?.kmsConfigId ?? nextKmsConfigId)) : null;
  const config: TTestConfig = {
    configId,
    label: input.label !== undefined ? input.label : (previous?.label ?? null),
    kind: provider.kind,
    provider: provider.id,
    version,
    status: input.status ?? previous?.status ?? 'active',
    primary: input.primary ?? previous?.primary ?? false,
    kmsConfigId,
    settings,
    jwe,
    digest,
  };
  tenant.configs.set(configId, config);
  return config;
}

/**
 * A new tenant signing key: every configuration re-sealed (next version)
 * under it, optionally announced by a rotation statement from the old key,
 * and a new state signed by the new key.
 */
export async function rotateTenantKey(tenant: TTestTenant, options: { withStatement: boolean }): Promise<void> {
  const previous = tenant.signer;
  const next = await newSigner();
  if (options.withStatement) {
    tenant.keyRotations.push(
      await signKeyRotation({ subject: `tenant:${tenant.tenantId}`, next: next.publicJwk }, previous.key, previous.kid),
    );
  }
  tenant.signer = next;
  for (const configId of [...tenant.configs.keys()]) {
    const { provider, settings } = tenant.configs.get(configId) as TTestConfig;
    await sealTestConfig(tenant, { provider, settings, configId });
  }
  await publishState(tenant);
}

/** What the broker puts in a bundle for this tenant and deployment: configs narrowed to the deployment's entry. */
export function bundleTenant(tenant: TTestTenant, deployment: TTestDeployment): TBundleTenant {
  const approved = tenant.approved.some((d) => d.kid === deployment.kid);
  return {
    tenantId: tenant.tenantId,
    status: tenant.status,
    signingKey: tenant.signer.publicJwk,
    state: tenant.state,
    keyRotations: [...tenant.keyRotations],
    configs: approved
      ? [...tenant.configs.values()].map((c) => ({ configId: c.configId, version: c.version, jwe: narrowJwe(c.jwe, deployment.kid), ...(c.label === null ? {} : { label: c.label }) }))
      : [],
    ...(approved && tenant.secretRows?.length ? { secrets: [...tenant.secretRows] } : {}),
  };
}

/** A bundle signed by `broker` for `deployment`; lifetime 5 minutes from now unless overridden. */
export async function signTestBundle(
  broker: TTestSigner,
  deployment: TTestDeployment,
  tenants: TBundleTenant[],
  overrides: Partial<TBundle> = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const bundle: TBundle = { aud: deployment.id, iat, exp: iat + 300, cursor: null, next: `cur_${randomId(6)}`, complete: true, tenants, ...overrides };
  return signBundle(bundle, broker.key, broker.kid);
}
