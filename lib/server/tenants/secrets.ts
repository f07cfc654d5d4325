import 'server-only';
// The tenant's secrets as its admins see them: wrapped ciphertext and
// metadata (lib/server/dal/tenant-secrets.ts). The rotation state is not here:
// it lives in the tenant's signed state, which the browser verifies.
import type { TTenantSecretListing } from '@/lib/schemas/tenant-secret-listing';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { listTenantSecrets } from '@/lib/server/dal/tenant-secrets';

export async function listSecretsForAdmin(access: TenantAccess): Promise<TTenantSecretListing> {
  const rows = await listTenantSecrets(await getPrisma(), access.tenant.id);
  // Named member by member: whatever else a row carries stays at the broker.
  return {
    secrets: rows.map((r) => ({
      secretPath: r.secretPath,
      tenantSecretId: r.tenantSecretId,
      kmsConfigId: r.kmsConfigId,
      wrapped: r.wrapped,
      digest: r.digest,
      createdAt: r.createdAt.toISOString(),
      createdByDeploymentName: r.createdByDeploymentName,
    })),
  };
}
