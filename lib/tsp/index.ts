// The Tenant Security Proxy (TSP.md, docs/tsp.md): a stateless service the
// vendor's application calls to wrap and unwrap data keys with each tenant's
// KMS, that sends every key use to the tenant's SIEM, and that refuses the
// moment a tenant revokes. Speaks the wire API of the reference product's
// open clients. A library first (createTsp, started in-process by tests), a
// process second (scripts/tsp.ts). Imports nothing of Next.js, Prisma or
// lib/server.
export { createTsp, type TTsp, type TTspOptions } from './tsp';
export { decodeEdek, encodeEdek, type TEncryptedDek } from './edek';
export { TSP_ERRORS, TspError, type TTspErrorKind } from './errors';
export { createTspLogger, SILENT_LOGGER, type TTspLogger } from './log';
export { outboundOptions, parseTspSettings, TspSettingsError, type TTspFlags, type TTspSettings } from './settings';
export { deriveKey, secretBinding, SECRET_BYTES } from './secrets';
