// The proxy client: what a key proxy embeds to receive its tenants' KMS and
// SIEM configurations from the broker without trusting the broker
// (PROTOCOL.md "Proxy API", docs/proxy-api.md). Node only; imports nothing of
// Next.js, React, Prisma or lib/server (proven by import-boundary.test.ts).
//
//   const credentials = await loadCredentials('prod-eu.json');      // zod-checked, clear messages
//   const client = createProxyClient({ credentials, pinsFile: defaultPinsFile('prod-eu.json') });
//   await client.syncOnce();                      // full sync (paged) or delta, until complete
//   await client.reportStatus();                  // POST /api/v1/proxy/status
//   void client.run({ wait: 30, signal });        // long-poll loop; reports after each change, ≥ 1/min
//   client.getTenant('acme')?.primary.kms;        // last good, verified, schema-checked config
//   findKmsConfig(client.getTenant('acme'), 3);   // the KMS configuration an EDEK names by its kmsConfigId
//   client.summary();                             // counts, tenants, configs (no settings), errors, staleness
//   client.onConfigTest(async (test, { tenant, draft }) => ({ outcome, step, code, latencyMs }));  // before run()
//   client.stop();
//
// Every tenant's update is verified end to end (broker signature → tenant
// key pin or rotation chain → tenant state signature and seq → digest →
// decrypt → inner signature → identity → provider schema); a failure keeps
// that tenant's last good configuration and is reported with a stable code
// (PROXY_ERROR_CODES). Settings stay in memory; only public-key pins and seqs
// are written, to the pins file.
export { createProxyClient, FULL_SYNC_EVERY_MS, type TProxyClient, type TProxyClientOptions } from './client';
export { loadCredentials, CredentialsError } from './credentials';
export { BrokerHttpError, type TFetch } from './http';
export { CONFIG_TEST_CONCURRENCY, type TConfigTestContext, type TConfigTestHandler, type TConfigTestOutcome } from './config-tests';
export { defaultPinsFile, loadPins, savePins, type TPins } from './pins';
export { BundleRefusedError, type TStoppedListener } from './sync-core';
export { formatSummary } from './format-summary';
export { findKmsConfig, type TKnownKmsConfigIds } from './kms-config-ids';
export type { TProxyConfig, TProxyError, TProxyLogger, TProxySummary, TProxyTenant } from './types';
export { verifyTenant, type TDeploymentKey, type TTenantPin, type TTenantVerdict } from './verify-tenant';
