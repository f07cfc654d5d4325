// What every KMS driver test asks of a refusal: it is a KmsError with the
// expected code, and nothing a log could print of it — message, cause, stack
// — holds any of the test's secrets (credentials, tokens, DEKs, EDEKs).
import { expect } from 'vitest';
import { KmsError, type TKmsErrorCode } from '@/lib/kms';
import { scanForSecrets, type Canary } from '@/lib/testing/secret-scan';

export async function expectKmsRefusal(promise: Promise<unknown>, code: TKmsErrorCode, canaries: readonly Canary[]): Promise<KmsError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (!(error instanceof KmsError)) throw error;
  expect(error.code, error.message).toBe(code);
  const printed = JSON.stringify({ message: error.message, cause: error.cause, stack: error.stack });
  expect(scanForSecrets([{ where: error.code, value: printed }], canaries).findings).toEqual([]);
  return error;
}
