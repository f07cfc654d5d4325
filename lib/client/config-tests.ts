// The browser side of configuration tests (docs/configurations.md "Testing a
// configuration"): start one for a saved version, or seal a draft to the
// approved deployments' keys only and start that, then read how each
// deployment is doing. A draft is never sealed to the tenant key, so the
// broker cannot keep it as a configuration and nothing of it is stored.
import { base64urlEncode, randomBytes } from '@/lib/crypto/encoding';
import { sealConfigTest } from '@/lib/crypto/seal-config-test';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { ZConfigTestView, type TConfigTestDocument, type TConfigTestView, type TStartConfigTest } from '@/lib/schemas/config-tests';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TTenantContext } from './configs';
import { fetchJson, sendJson } from './fetchers';
import { tenantKeys } from './query-keys';
import { deploymentRecipients } from './recipients';

const base = (tenant: string) => `/api/v1/tenants/${encodeURIComponent(tenant)}/config-tests`;

export const configTestKey = (tenant: string, testId: string) => [...tenantKeys.all(tenant), 'config-tests', testId] as const;

/** POST …/config-tests; the answer is parsed, so a page never shows what it does not understand. */
export async function startConfigTest(tenant: string, body: TStartConfigTest): Promise<TConfigTestView> {
  return ZConfigTestView.parse(await sendJson<unknown>('POST', base(tenant), body));
}

export async function getConfigTest(tenant: string, testId: string): Promise<TConfigTestView> {
  return ZConfigTestView.parse(await fetchJson<unknown>(`${base(tenant)}/${encodeURIComponent(testId)}`));
}

/** `ct_` and 22 base64url characters (128 random bits). */
export function newConfigTestId(): string {
  return `ct_${base64urlEncode(randomBytes(16))}`;
}

export type TDraftInput = { kind: 'kms' | 'siem'; provider: string; configId: string | null; settings: Record<string, unknown> };

/**
 * Signs and seals a draft for a test, to the deployments the verified state
 * approves — and only those. Throws (in words) when no deployment is approved:
 * there would be nobody to test it.
 */
export async function sealDraftTest(ctx: TTenantContext, state: TTenantState | null, input: TDraftInput): Promise<TStartConfigTest> {
  const provider = findProvider(input.provider);
  if (!provider || provider.kind !== input.kind) throw new Error('Unknown provider.');
  const settings = provider.schema.parse(input.settings) as Record<string, unknown>;
  const kids = (state?.recipients ?? []).filter((kid) => kid !== ctx.keys.encryptionKid);
  if (kids.length === 0) throw new Error('No proxy deployment is approved, so there is nothing to test with. Approve one on the Deployments tab.');
  const testId = newConfigTestId();
  const document: TConfigTestDocument = {
    typ: 'config-test',
    testId,
    tenantId: ctx.tenantId,
    kind: input.kind,
    configId: input.configId,
    provider: provider.id,
    settings,
    iat: Math.floor(Date.now() / 1000),
  };
  const { jwe } = await sealConfigTest({ document, signingKey: ctx.keys.signingKey, signingKid: ctx.keys.signingKid, recipients: await deploymentRecipients(ctx.tenantId, kids) });
  return { draft: { testId, kind: input.kind, provider: provider.id, configId: input.configId, jwe: jwe as unknown as Record<string, unknown> } };
}
