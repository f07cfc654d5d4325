// What a tenant admin's browser gets of the tenant's secrets
// (GET /api/v1/tenants/[tenant]/secrets): each wrapped secret as the broker
// stores it. The browser recomputes every digest itself (secretDigest) and
// takes the rotation state only from the signed tenant state.
export type TTenantSecretListingRow = {
  secretPath: string;
  tenantSecretId: number;
  kmsConfigId: number;
  /** base64url of the KMS's ciphertext: never the secret. */
  wrapped: string;
  /** The broker's word only: never pinned without recomputing it. */
  digest: string;
  createdAt: string;
  createdByDeploymentName: string | null;
};

export type TTenantSecretListing = { secrets: TTenantSecretListingRow[] };
