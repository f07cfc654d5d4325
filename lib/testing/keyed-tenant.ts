// An active tenant with real tenant keys (encryption and signing) and one of
// its admins' access, for integration tests that apply configuration changes.
import type { JWK } from 'jose';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import type { TenantAccess } from '@/lib/server/authz';

export type KeyedTenant = { keys: TImportedTenantKeys; encPublic: JWK; sigPublic: JWK; access: TenantAccess };

/** Ids are `ten_<suffix>`, `usr_<suffix>`, `adm_<suffix>`; the environment must exist. */
export async function createKeyedTenant(
  prisma: PrismaClient,
  t: { suffix: string; externalId: string; displayName: string; environmentId: string; adminEmail: string },
): Promise<KeyedTenant> {
  const pairs = await generateTenantKeys();
  const keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
  const encPublic = pairs.encryption.publicJwk;
  const sigPublic = pairs.signing.publicJwk;
  const tenant = await prisma.tenant.create({
    data: {
      id: `ten_${t.suffix}`,
      externalId: t.externalId,
      displayName: t.displayName,
      environmentId: t.environmentId,
      status: 'active',
      encPublicJwk: encPublic as object,
      encKid: keys.encryptionKid,
      sigPublicJwk: sigPublic as object,
      sigKid: keys.signingKid,
    },
  });
  const access: TenantAccess = {
    user: { id: `usr_${t.suffix}`, email: t.adminEmail, isOperator: false, adminKeyKid: 'x', totpEnabled: false, sessionId: 'ses' },
    tenant: { id: tenant.id, externalId: t.externalId, displayName: t.displayName, status: 'active', requireMfa: false },
    membership: { id: `adm_${t.suffix}`, status: 'confirmed' },
  };
  return { keys, encPublic, sigPublic, access };
}
