// What every compatibility test of a KMS driver does with the reference
// product's own Node client (@ironcorelabs/tenant-security-nodejs, AGPL, a
// devDependency for tests only; product code never imports this file): start
// the TSP world (lib/testing/tsp-world.ts, AWS tenants on the AWS double) with
// more tenants on the driver's own protocol double, point an unmodified client
// at it, and read the error code the client surfaces for a refusal. The
// driver's test says what differs: its double, its tenants' settings, and the
// codes it expects.
import { TenantSecurityClient, TenantSecurityErrorCode, type DocumentMetadata, type TenantSecurityException } from '@ironcorelabs/tenant-security-nodejs';
import { expect } from 'vitest';

import { createTenant, publishState, sealTestConfig, type TTestConfig } from '@/lib/testing/bundle-factory';
import { startTspWorld, TSP_API_KEY, type TTspWorld, type TTspWorldOptions } from '@/lib/testing/tsp-world';

type TSealInput = Parameters<typeof sealTestConfig>[1];
type TDocument = Record<string, Buffer>;
type TEncrypted = Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

export type TCompatWorld = {
  world: TTspWorld;
  client: TenantSecurityClient;
  /** The `index`th configuration sealed for an extra tenant (in the order given). */
  configOf(tenantId: string, index?: number): TTestConfig;
};

/** The TSP error code the client surfaced for a refusal (a success fails the test). */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as TenantSecurityException).errorCode;
  }
  throw new Error('expected a refusal');
}

/** The TSP world with `tenants` on the driver's double (each approving the world's deployment, its configurations sealed and published), and a client of it. */
export async function startCompatWorld(
  options: Omit<TTspWorldOptions, 'extraTenants'> & { tenants: Record<string, TSealInput[]> },
): Promise<TCompatWorld> {
  const { tenants, ...worldOptions } = options;
  const configs: Record<string, TTestConfig[]> = {};
  const world = await startTspWorld({
    ...worldOptions,
    extraTenants: async (deployment) => {
      const made = [];
      for (const [tenantId, inputs] of Object.entries(tenants)) {
        const tenant = await createTenant(tenantId, [deployment]);
        configs[tenantId] = [];
        for (const input of inputs) configs[tenantId].push(await sealTestConfig(tenant, input));
        await publishState(tenant);
        made.push(tenant);
      }
      return made;
    },
  });
  const configOf = (tenantId: string, index = 0) => {
    const config = configs[tenantId]?.[index];
    if (!config) throw new Error(`No configuration ${index} was sealed for ${tenantId}`);
    return config;
  };
  return { world, client: new TenantSecurityClient(world.url, TSP_API_KEY), configOf };
}

/** The text of one field of a document the client decrypted. */
export async function openedText(client: TenantSecurityClient, encrypted: TEncrypted, metadata: DocumentMetadata, field = 'body'): Promise<string | undefined> {
  return (await client.decryptDocument(encrypted, metadata)).plaintextDocument[field]?.toString();
}

/** Encrypts three copies of `doc` as one batch and decrypts them again: all three succeed both ways. Returns what was opened. */
export async function expectBatchRoundTrip(client: TenantSecurityClient, doc: TDocument, metadata: DocumentMetadata) {
  const batch = await client.encryptDocumentBatch({ a: doc, b: doc, c: doc }, metadata);
  expect(Object.keys(batch.successes).sort()).toEqual(['a', 'b', 'c']);
  const opened = await client.decryptDocumentBatch(batch.successes, metadata);
  expect(Object.keys(opened.successes).sort()).toEqual(['a', 'b', 'c']);
  expect(opened.hasFailures).toBe(false);
  return opened;
}

/** While the double's fault is switched on (`fault(true)`), `call` is refused with `code`; the fault is switched off again either way. */
export async function expectCodeWhile(fault: (on: boolean) => void, call: () => Promise<unknown>, code: TenantSecurityErrorCode): Promise<void> {
  fault(true);
  try {
    expect(await codeOf(call())).toBe(code);
  } finally {
    fault(false);
  }
}

/** The tenant disables the configuration in the broker (no longer primary); the TSP has applied it on return. */
export function disableConfig(world: TTspWorld, tenantId: string, config: TTestConfig): Promise<void> {
  return world.change(tenantId, (t) => void Object.assign(t.configs.get(config.configId)!, { status: 'disabled', primary: false }));
}
