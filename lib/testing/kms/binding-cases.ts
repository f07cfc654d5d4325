// What every KMS driver test asks of a binding with context (issue 25): a
// 64-byte tenant secret wrapped for (tenant, secretPath, tenantSecretId)
// opens under that binding only, and a tenant-only EDEK made before keeps
// opening. Run against each KMS's protocol double, which enforces the binding
// as the real KMS does (encryption context, AAD, associated_data).
import { expect } from 'vitest';

import type { KmsError, TKmsBinding, TKmsDriver, TKmsErrorCode } from '@/lib/kms';

export const SECRET = Uint8Array.from({ length: 64 }, (_, i) => 255 - i * 3);

/**
 * `refusal` is the test kit's (a KmsError with the code, no secret printed);
 * `tenantOnlyEdek` was wrapped with `{ tenantId }` alone, `dek` being its key.
 */
export async function expectContextBinding(
  driver: TKmsDriver,
  options: { tenantId: string; dek: Uint8Array; tenantOnlyEdek: Uint8Array; refusal: (promise: Promise<unknown>, code: TKmsErrorCode) => Promise<KmsError> },
): Promise<void> {
  const { tenantId, refusal } = options;
  const bound: TKmsBinding = { tenantId, context: { secretPath: 'ssn', tenantSecretId: '1' } };
  const edek = await driver.wrap(SECRET, bound);
  expect(Buffer.from(edek).includes(Buffer.from(SECRET))).toBe(false);
  // The same binding, its pairs given in another order: the canonical form does not depend on it.
  expect(await driver.unwrap(edek, { tenantId, context: { tenantSecretId: '1', secretPath: 'ssn' } })).toEqual(SECRET);

  const others: TKmsBinding[] = [
    { tenantId, context: { secretPath: 'dob', tenantSecretId: '1' } },
    { tenantId, context: { secretPath: 'ssn', tenantSecretId: '2' } },
    { tenantId: `${tenantId}-other`, context: { secretPath: 'ssn', tenantSecretId: '1' } },
    { tenantId },
    { tenantId, context: {} },
    { tenantId, context: { secretPath: 'ssn' } },
  ];
  for (const other of others) await refusal(driver.unwrap(edek, other), 'kms_unwrap_failed');

  // A tenant-only EDEK opens as before, with no context and with an empty one; never with context.
  expect(await driver.unwrap(options.tenantOnlyEdek, { tenantId })).toEqual(options.dek);
  expect(await driver.unwrap(options.tenantOnlyEdek, { tenantId, context: {} })).toEqual(options.dek);
  await refusal(driver.unwrap(options.tenantOnlyEdek, bound), 'kms_unwrap_failed');

  // A context that cannot be bound is refused before any KMS call, as a missing tenant is.
  await refusal(driver.wrap(SECRET, { tenantId, context: { tenantId: 'x' } }), 'kms_wrap_failed');
  await refusal(driver.wrap(SECRET, { tenantId, context: { secretPath: 7 as unknown as string } }), 'kms_wrap_failed');
  await refusal(driver.unwrap(edek, { tenantId, context: { secretPath: 'x'.repeat(257), tenantSecretId: '1' } }), 'kms_unwrap_failed');
}
