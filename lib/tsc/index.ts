// The Tenant Security client (docs/client.md): what a vendor's Node service
// calls to encrypt and decrypt its tenants' documents under their own keys,
// through the Tenant Security Proxy. Writes and reads the reference client's
// document bytes, so data moves between the two clients with no
// re-encryption. Apache-2.0 like the project; needs only node: built-ins,
// zod and protobufjs — nothing of Next.js, the broker or the TSP
// (import-boundary.test.ts).
export { createTenantSecurityClient, type TTenantSecurityClient } from './client';
export type { TBatchResult } from './batch';
export type { TDecryptedDocument, TEncryptedDocument, TPlaintextDocument } from './documents';
export { TenantSecurityError, TSC_ERROR_CODES, type TTscErrorCode, type TTscErrorName } from './errors';
export { SECURITY_EVENTS, ZDocumentMetadata, ZEventMetadata, ZSecurityEvent, type TClientOptions, type TDocumentMetadata, type TEventMetadata, type TSecurityEvent } from './schemas';
