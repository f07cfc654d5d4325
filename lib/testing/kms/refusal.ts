// What every KMS driver test asks of a refusal: it is a KmsError with the
// expected code, and nothing a log could print of it — message, cause, stack
// — holds any of the test's secrets (credentials, tokens, DEKs, EDEKs). And
// the rest each driver test repeats: the drivers it made (closed at the end),
// the secrets it planted, a closed port, a refusal within a time limit.
import { once } from 'node:events';
import { createServer } from 'node:net';

import { expect } from 'vitest';
import { KmsError, type TKmsBinding, type TKmsDriver, type TKmsErrorCode } from '@/lib/kms';
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

export type TDriverTestKit = {
  /** Every driver `keep` was given; `closeAll` closes them (afterAll). */
  readonly drivers: TKmsDriver[];
  /** The file's secrets: what no refusal may print. */
  readonly canaries: Canary[];
  keep<T extends TKmsDriver>(driver: T): T;
  closeAll(): void;
  /** A KmsError with `code`, and none of the file's secrets (nor `moreCanaries`) in what a log could print of it. */
  refusal(promise: Promise<unknown>, code: TKmsErrorCode): Promise<KmsError>;
  /** Wraps the file's DEK, and adds the EDEK to the secrets. */
  wrapWatched(driver: TKmsDriver, binding?: TKmsBinding): Promise<Uint8Array>;
};

export function createDriverTestKit(options: { dek: Uint8Array; tenant: TKmsBinding; moreCanaries?: () => Canary[] }): TDriverTestKit {
  const drivers: TKmsDriver[] = [];
  const canaries: Canary[] = [];
  return {
    drivers,
    canaries,
    keep: (driver) => (drivers.push(driver), driver),
    closeAll: () => {
      for (const driver of drivers) driver.close();
    },
    refusal: (promise, code) => expectKmsRefusal(promise, code, [...canaries, ...(options.moreCanaries?.() ?? [])]),
    wrapWatched: async (driver, binding = options.tenant) => {
      const edek = await driver.wrap(options.dek, binding);
      canaries.push({ label: 'EDEK', value: edek });
      return edek;
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (one that was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The refusal `call` gives, which must come within `limitMs` (a driver's time limit plus slack: a bound, not a measure). */
export async function refusedWithin(limitMs: number, call: () => Promise<KmsError>): Promise<KmsError> {
  const started = Date.now();
  const error = await call();
  expect(Date.now() - started).toBeLessThan(limitMs);
  return error;
}

/** Waits past half the life of a 2 s credential: the point where a driver must have renewed it. */
export const pastHalfLife = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

/** `n` wraps of `dek` at once (concurrent callers of one driver). */
export const wrapAtOnce = (driver: TKmsDriver, dek: Uint8Array, binding: TKmsBinding, n = 3): Promise<Uint8Array[]> =>
  Promise.all(Array.from({ length: n }, () => driver.wrap(dek, binding)));

/**
 * A driver whose credential lives 2 s signs in once for two wraps, and once more — not once per caller — for three
 * concurrent wraps past half that life; all five reach the KMS. `signIns` and `kmsSuccesses` count at the double.
 */
export async function expectRenewedOnce(driver: TKmsDriver, dek: Uint8Array, binding: TKmsBinding, counts: { signIns(): number; kmsSuccesses(): number }): Promise<void> {
  await driver.wrap(dek, binding);
  await driver.wrap(dek, binding);
  expect(counts.signIns()).toBe(1);
  await pastHalfLife();
  await wrapAtOnce(driver, dek, binding);
  expect(counts.signIns()).toBe(2);
  expect(counts.kmsSuccesses()).toBe(5);
}
