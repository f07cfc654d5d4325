// A Tenant Security Proxy in the Playwright process, for specs that follow a
// key from the tenant admin's click to the application: the real proxy client
// (credentials file as downloaded from the operator UI, pins in a temp dir)
// long-polling the e2e broker, and createTsp on free ports with the KMS
// drivers pointed at a protocol double. And the small waits those specs need
// around the reference client's answers.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import { createProxyClient } from '@/lib/proxy-client';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { createTsp, SILENT_LOGGER, type TTsp, type TTspOptions } from '@/lib/tsp';

export type TRunningTsp = { tsp: TTsp; url: string; apiKey: string; stop: () => Promise<void> };

/** Starts a TSP for the deployment in `credentials` and resolves once its first full sync with the broker has verified. */
/** `extra`: further createTsp options (e.g. usage.reportOpenMinute, so usage shows without waiting for the minute to end). */
export async function startTsp(credentials: TProxyCredentials, kms: TKmsDriverOptions, siem?: TTspOptions['siem'], extra: Partial<TTspOptions> = {}): Promise<TRunningTsp> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cmk-e2e-tsp-'));
  const client = createProxyClient({ credentials, pinsFile: path.join(dir, 'pins.json') });
  // Base64 of 32 random bytes: what docs/tsp.md asks of TSP_API_KEY (the Rust client insists on base64).
  const apiKey = randomBytes(32).toString('base64');
  const tsp = createTsp({ client, deploymentId: credentials.deploymentId, apiKeys: [apiKey], port: 0, healthPort: 0, kms, ...(siem ? { siem } : {}), wait: 30, logger: SILENT_LOGGER, ...extra });
  const { url } = await tsp.start();
  const stop = async () => {
    await tsp.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await tsp.ready();
  } catch (error) {
    await stop();
    throw error;
  }
  return { tsp, url, apiKey, stop };
}

/** The reference client's error code of a refused call, or null when it succeeded. */
export async function refusalCode(call: Promise<unknown>): Promise<number | null> {
  try {
    await call;
    return null;
  } catch (error) {
    const code = (error as { errorCode?: unknown }).errorCode;
    if (typeof code !== 'number') throw error;
    return code;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` every `everyMs` until `done` holds for its answer or
 * `timeoutMs` passes; returns the answer and when it arrived (performance.now()).
 */
export async function pollUntil<T>(attempt: () => Promise<T>, done: (value: T) => boolean, { everyMs = 50, timeoutMs = 5_000 } = {}): Promise<{ value: T; at: number; attempts: number }> {
  const deadline = performance.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    const value = await attempt();
    const at = performance.now();
    if (done(value)) return { value, at, attempts };
    if (at > deadline) throw new Error(`no expected answer after ${attempts} attempts in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await sleep(everyMs);
  }
}
