// What a SIEM sink test asks of a failed delivery: a SiemError, whose message,
// cause and JSON go into `seen` for the file's canary scan at the end (no
// credential or event content may appear in any of them).
import { expect } from 'vitest';
import { SiemError } from '@/lib/siem/types';

export async function siemFailure(promise: Promise<unknown>, seen: string[]): Promise<SiemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SiemError);
  const siem = error as SiemError;
  seen.push(siem.message, String(siem.cause ?? ''), JSON.stringify(siem));
  return siem;
}
