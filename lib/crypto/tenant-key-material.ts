// What a tenant's first admin makes in their browser: the tenant's key pairs,
// their private halves wrapped to the admin's key, and optionally a recovery
// kit with its one-time code. Only `body` is sent; `privates` and the code
// never leave the caller.
import type { JWK } from 'jose';
import { generateRecoveryCode, sealRecoveryKit } from './recovery-kit';
import { generateTenantKeys, wrapTenantKeys, type TTenantPrivateKeys } from './tenant-keys';

export type TTenantKeyMaterial = {
  body: { encPublicJwk: JWK; sigPublicJwk: JWK; wrappedTenantKeys: string; recoveryKit?: string };
  privates: TTenantPrivateKeys;
  recoveryCode?: string;
};

export async function createTenantKeyMaterial(tenantId: string, adminPublicJwk: JWK, withRecoveryKit: boolean): Promise<TTenantKeyMaterial> {
  const pairs = await generateTenantKeys();
  const privates = { encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk };
  const wrappedTenantKeys = await wrapTenantKeys(privates, adminPublicJwk, tenantId);
  const recoveryCode = withRecoveryKit ? generateRecoveryCode() : undefined;
  const recoveryKit = recoveryCode ? await sealRecoveryKit(privates, recoveryCode, tenantId) : undefined;
  return {
    body: { encPublicJwk: pairs.encryption.publicJwk, sigPublicJwk: pairs.signing.publicJwk, wrappedTenantKeys, recoveryKit },
    privates,
    recoveryCode,
  };
}
