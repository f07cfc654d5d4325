// For SIEM sink tests: awaits a send that must fail, checks it is a
// SiemError, and keeps every text the error shows (message, cause, JSON) plus
// any log lines, so that one scan at the end proves no canary — a planted
// credential or event field — ever appeared in them.
import { expect } from 'vitest';
import { SiemError } from '@/lib/siem/types';

export type TFailureRecorder = {
  /** The SiemError the promise rejects with; fails the test if it resolves or throws something else. */
  failure(promise: Promise<unknown>): Promise<SiemError>;
  /** Log lines (or any other text) to scan too. */
  record(...texts: string[]): void;
  /** Asserts that no recorded text contains any of the canaries. */
  expectNoCanaries(canaries: readonly string[]): void;
};

export function createFailureRecorder(): TFailureRecorder {
  const seen: string[] = [];
  return {
    async failure(promise) {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SiemError);
      const siem = error as SiemError;
      seen.push(siem.message, String(siem.cause ?? ''), JSON.stringify(siem));
      return siem;
    },
    record: (...texts) => void seen.push(...texts),
    expectNoCanaries(canaries) {
      expect(seen.length).toBeGreaterThan(0);
      for (const text of seen) for (const canary of canaries) expect(text).not.toContain(canary);
    },
  };
}
