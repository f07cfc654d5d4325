// POST /api/v1/proxy/secrets (docs/proxy-api.md "Tenant secrets"): a proxy
// stores the wrapped form of a tenant secret it made. The checks are the ones
// the tenant state and the bundle reader use, so the three agree.
import { z } from 'zod';
import { isTenantId } from '@/lib/crypto/config-document';
import { isSecretPath, isTenantSecretId, MAX_SECRET_PATH_LENGTH, MAX_TENANT_SECRET_ID } from '@/lib/crypto/tenant-secrets';
import { isKmsConfigId, MAX_KMS_CONFIG_ID } from '@/lib/crypto/tenant-state';
import { isWrappedSecret, MAX_WRAPPED_SECRET_LENGTH } from '@/lib/crypto/wrapped-secret';

/** As many distinct secret paths as the broker stores for one tenant. */
export const MAX_SECRET_PATHS_PER_TENANT = 1000;

export const ZStoreTenantSecret = z.strictObject({
  tenantId: z.string().refine(isTenantId, { error: 'Not a tenant id.' }),
  secretPath: z.string().refine(isSecretPath, { error: `A secret path is 1 to ${MAX_SECRET_PATH_LENGTH} printable characters.` }),
  tenantSecretId: z.number().refine(isTenantSecretId, { error: `tenantSecretId is an integer from 1 to ${MAX_TENANT_SECRET_ID}.` }),
  kmsConfigId: z.number().refine(isKmsConfigId, { error: `kmsConfigId is an integer from 1 to ${MAX_KMS_CONFIG_ID}.` }),
  wrapped: z.string().refine(isWrappedSecret, { error: `wrapped is canonical base64url of 1 to ${MAX_WRAPPED_SECRET_LENGTH} characters.` }),
});

export type TStoreTenantSecret = z.infer<typeof ZStoreTenantSecret>;

/** A stored secret as the proxy API answers it (and as bundles carry it). */
export type TStoredSecretAnswer = { secretPath: string; tenantSecretId: number; kmsConfigId: number; wrapped: string; createdAt: string };
