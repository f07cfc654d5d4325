// A fleet of tenants with real key material, sealed configurations and
// signed states, written straight into the broker's tables in bulk — for
// integration tests, benchmarks and seeding large installations. Every value
// is what the browser flow would have produced (lib/crypto); only the
// per-change HTTP round trips are skipped. The private keys stay in memory
// so tests can make further changes and tamper with what is stored.
import type { JWK } from 'jose';
import { newConfigId, type TConfigKind } from '@/lib/crypto/config-document';
import type { TGeneralJwe } from '@/lib/crypto/seal-config';
import { sealHeldConfig, signNextState, type THeldConfig, type THeldTenant, type TRecipientKey } from '@/lib/crypto/tenant-changes';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import { findProvider } from '@/lib/schemas/providers/registry';

export type FleetConfig = THeldConfig;
export type FleetTenant = THeldTenant & { id: string; sigPublicJwk: JWK };
export type FleetRecipient = TRecipientKey;
export { signNextState };
/** Seals one configuration version to the tenant key and `recipients`. */
export const sealFor = sealHeldConfig;

const PROVIDERS: { kind: TConfigKind; provider: string }[] = [
  { kind: 'kms', provider: 'aws-kms' },
  { kind: 'siem', provider: 'splunk-hec' },
  { kind: 'kms', provider: 'hashicorp-vault-transit' },
];

function exampleSettings(provider: string): Record<string, unknown> {
  const found = findProvider(provider);
  if (!found) throw new Error(`unknown provider ${provider}`);
  return structuredClone(found.example) as Record<string, unknown>;
}

export type SeedFleetOptions = {
  environmentId: string;
  count: number;
  configsPerTenant: number;
  /** Deployments every tenant has approved (their keys are in each state and JWE). */
  recipients: FleetRecipient[];
  prefix?: string;
  /** Number of the first tenant (`<prefix>-<first>`), for seeding in several calls. */
  first?: number;
  batch?: number;
};

/**
 * Creates `count` active tenants, each with its own key pairs, `configsPerTenant`
 * configurations (the first of each kind primary) sealed to its key and the
 * recipients, and one signed state (seq 1) whose KMS configurations carry
 * their kmsConfigIds from the start. Delivery seqs follow creation order.
 */
export async function seedFleet(db: PrismaClient, options: SeedFleetOptions): Promise<FleetTenant[]> {
  const { environmentId, count, configsPerTenant, recipients, prefix = 'tenant', first = 0, batch = 250 } = options;
  const base = (await db.environment.findUniqueOrThrow({ where: { id: environmentId }, select: { deliverySeq: true } })).deliverySeq;
  const fleet: FleetTenant[] = [];
  for (let start = 0; start < count; start += batch) {
    const tenants: FleetTenant[] = [];
    const versions: { configId: string; version: number; label: string; provider: string; jwe: TGeneralJwe; digest: string; sizeBytes: number; stateSeq: number }[] = [];
    const states: { tenantId: string; seq: number; jws: string }[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const pairs = await generateTenantKeys();
      const keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
      const tenant: FleetTenant = {
        id: `ten_${prefix}_${String(first + i).padStart(6, '0')}`,
        externalId: `${prefix}-${String(first + i).padStart(6, '0')}`,
        keys,
        encPublicJwk: pairs.encryption.publicJwk,
        sigPublicJwk: pairs.signing.publicJwk,
        seq: 0,
        recipients: recipients.map((r) => r.kid),
        configs: [],
      };
      const primaries = new Set<TConfigKind>();
      for (let c = 0; c < configsPerTenant; c++) {
        const { kind, provider } = PROVIDERS[c % PROVIDERS.length] as (typeof PROVIDERS)[number];
        const config = { configId: newConfigId(), kind, provider, settings: exampleSettings(provider) };
        const sealed = await sealFor(tenant, config, 1, recipients);
        tenant.configs.push({ ...config, version: 1, status: 'active', primary: !primaries.has(kind), digest: sealed.digest });
        primaries.add(kind);
        versions.push({ configId: config.configId, version: 1, label: `${provider} ${c + 1}`, provider, jwe: sealed.jwe, digest: sealed.digest, sizeBytes: JSON.stringify(sealed.jwe).length, stateSeq: 1 });
      }
      const { jws } = await signNextState(tenant);
      states.push({ tenantId: tenant.id, seq: 1, jws });
      tenants.push(tenant);
    }
    await db.$transaction(async (tx) => {
      await tx.tenant.createMany({
        data: tenants.map((t, j) => ({
          id: t.id,
          externalId: t.externalId,
          displayName: `Tenant ${t.externalId}`,
          environmentId,
          status: 'active',
          encPublicJwk: t.encPublicJwk as object,
          encKid: t.keys.encryptionKid,
          sigPublicJwk: t.sigPublicJwk as object,
          sigKid: t.keys.signingKid,
          stateSeq: 1,
          deliverySeq: base + start + j + 1,
          recipientKids: t.recipients,
          kmsConfigIdMax: t.kmsConfigIdMax ?? 0,
          ...summary(t.configs),
        })),
      });
      await tx.tenantConfig.createMany({
        data: tenants.flatMap((t) =>
          t.configs.map((c, k) => ({ id: c.configId, tenantId: t.id, kind: c.kind, provider: c.provider, label: `${c.provider} ${k + 1}`, latestVersion: 1, status: c.status, isPrimary: c.primary })),
        ),
      });
      await tx.tenantConfigVersion.createMany({ data: versions.map((v) => ({ ...v, jwe: v.jwe as object })) });
      await tx.tenantState.createMany({ data: states });
      await tx.environment.update({ where: { id: environmentId }, data: { deliverySeq: base + start + tenants.length } });
    });
    fleet.push(...tenants);
  }
  return fleet;
}

/** The tenant columns lib/server/dal/tenant-summary.ts keeps: active configurations per kind, the primaries' providers. */
function summary(configs: FleetConfig[]) {
  const active = (kind: TConfigKind) => configs.filter((c) => c.kind === kind && c.status === 'active').length;
  const primary = (kind: TConfigKind) => configs.find((c) => c.kind === kind && c.primary)?.provider ?? null;
  return { kmsCount: active('kms'), kmsPrimaryProvider: primary('kms'), siemCount: active('siem'), siemPrimaryProvider: primary('siem') };
}
