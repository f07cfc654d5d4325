// What a configuration test's result means, in the admin's words: one table
// for the failing step and one for the proxy's code (KMS codes from
// lib/kms/types.ts, SIEM codes from lib/schemas/siem-health.ts, and the
// test's own), plus the sentence for each target state. Shared by the
// configuration page, the forms' "Test before saving" and the docs
// (docs/configurations.md "Testing a configuration"). A proxy reports codes,
// never messages, so these words are all the admin gets: they say where to
// look, not what the receiver answered.
import { CONFIG_TEST_PICKUP_MS, CONFIG_TEST_RESULT_MS, CONFIG_TESTS_PER_MINUTE, type TConfigTestStep, type TConfigTestTarget } from '@/lib/schemas/config-tests';

export const STEP_WORDS: Record<TConfigTestStep, string> = {
  authentication: 'Signing in to the KMS/SIEM failed',
  key_access: 'The key could not be used',
  tls: 'The secure connection (TLS) failed',
  network: 'The KMS/SIEM could not be reached',
  configuration: 'The settings were refused',
  not_applied: 'This deployment has not applied this version yet',
  internal: 'The proxy failed unexpectedly',
};

export const CODE_WORDS: Record<string, string> = {
  // KMS (lib/kms/types.ts)
  kms_wrap_failed: 'the KMS refused to wrap (encrypt) the test key',
  kms_unwrap_failed: 'unwrapping did not give back the key that was wrapped',
  kms_unauthorized: 'the KMS refused the credentials or the key (disabled, not allowed by its policy, or pending deletion)',
  kms_config_invalid: 'the KMS says the settings are wrong (an unknown key or region?)',
  kms_unreachable: 'no answer from the KMS (address, firewall or DNS?)',
  kms_throttled: 'the KMS asked the proxy to slow down',
  kms_account_issue: 'the KMS account has a problem (billing, quota or a suspended subscription)',
  // SIEM (lib/schemas/siem-health.ts)
  auth: 'the destination refused the credentials (token or key)',
  tls: 'the destination’s certificate is not trusted, or the TLS handshake failed',
  network: 'no connection to the destination (DNS, refused or unreachable)',
  timeout: 'the destination did not answer in time',
  throttled: 'the destination asked the proxy to slow down',
  unavailable: 'the destination is up but failing',
  not_found: 'nothing receives events at the configured place (index, log or stream)',
  rejected: 'the destination refused the test event',
  config: 'the settings cannot be used',
  cancelled: 'the proxy stopped while testing (shutting down)',
  internal: 'the proxy failed in a way it did not foresee',
  // The test itself
  not_applied: 'this deployment has not applied this version yet; try again in a few seconds',
  config_test_invalid: 'the proxy could not open or verify the sealed draft',
};

/** "Signing in to the KMS/SIEM failed: the destination refused the credentials (token or key)". Unknown codes are named as they are. */
export function failureWords(step: TConfigTestStep | null, code: string | null): string {
  const head = step ? STEP_WORDS[step] : 'The test failed';
  if (!code) return `${head}.`;
  return `${head}: ${CODE_WORDS[code] ?? `code ${code}`}.`;
}

export const NOT_REACHED_WORDS = `No proxy of this deployment picked the test up within ${CONFIG_TEST_PICKUP_MS / 1000} s: it is offline or not running.`;
export const NO_RESULT_WORDS = `A proxy of this deployment picked the test up but sent no result within ${CONFIG_TEST_RESULT_MS / 1000} s.`;

/** How long the test took inside the proxy, for people: "85 ms", "2.4 s". */
export function latencyWords(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export type TTargetTone = 'neutral' | 'success' | 'warning' | 'danger';

/** One target's short label, its sentence and its tone; `secondsLeft` is the pick-up countdown while waiting. */
export function targetWords(target: Pick<TConfigTestTarget, 'state' | 'result'>, secondsLeft: number): { label: string; detail: string; tone: TTargetTone } {
  switch (target.state) {
    case 'waiting':
      return { label: 'Waiting', detail: `Waiting for a proxy of this deployment to pick the test up (${secondsLeft} s left).`, tone: 'neutral' };
    case 'running':
      return { label: 'Running', detail: 'A proxy picked the test up and is running it.', tone: 'neutral' };
    case 'not_reached':
      return { label: 'Not reached', detail: NOT_REACHED_WORDS, tone: 'warning' };
    case 'no_result':
      return { label: 'No result', detail: NO_RESULT_WORDS, tone: 'warning' };
    case 'done': {
      const r = target.result;
      if (!r) return { label: 'No result', detail: NO_RESULT_WORDS, tone: 'warning' };
      if (r.outcome === 'passed') return { label: 'Passed', detail: `Passed in ${latencyWords(r.latencyMs)}.`, tone: 'success' };
      return { label: 'Failed', detail: `${failureWords(r.step, r.code)} (after ${latencyWords(r.latencyMs)})`, tone: 'danger' };
    }
  }
}

/** Seconds until the pick-up deadline, never below 0 nor above the pick-up window (a skewed clock cannot make an endless countdown). */
export function secondsLeft(pickupBy: string, now: number, windowMs: number): number {
  const left = Date.parse(pickupBy) - now;
  if (!Number.isFinite(left)) return 0;
  return Math.ceil(Math.min(Math.max(left, 0), windowMs) / 1000);
}

/** The sentence the live region announces once a test is finished: "2 passed, 1 failed, 1 not reached." */
export function summaryWords(targets: readonly Pick<TConfigTestTarget, 'state' | 'result'>[]): string {
  const counts = { passed: 0, failed: 0, 'not reached': 0, 'no result': 0 };
  for (const t of targets) {
    if (t.state === 'not_reached') counts['not reached'] += 1;
    else if (t.state === 'no_result' || (t.state === 'done' && !t.result)) counts['no result'] += 1;
    else if (t.state === 'done' && t.result) counts[t.result.outcome] += 1;
  }
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length ? `Test finished: ${parts.join(', ')}.` : 'Test finished.';
}

/** Why the broker refused to start a test, in words (the error's status and stable code; its own detail otherwise). */
export function startRefusedWords(error: { status?: number; code?: string; message: string }): { title: string; detail: string } {
  if (error.status === 429) return { title: 'Too many tests', detail: `At most ${CONFIG_TESTS_PER_MINUTE} tests a minute for this tenant. Wait a minute and test again.` };
  if (error.code === 'tenant_suspended') return { title: 'The tenant is suspended', detail: 'Tests are refused while the vendor has suspended this tenant.' };
  if (error.code === 'no_approved_deployments') {
    return { title: 'No approved deployment', detail: 'No proxy deployment is approved, so nothing can run the test. Approve one on the Deployments tab.' };
  }
  if (error.status === 404) return { title: 'Nothing to test', detail: 'This configuration or version no longer exists. Reload the page.' };
  if (error.status === 0) return { title: 'The broker could not be reached', detail: error.message };
  return { title: 'The test could not be started', detail: error.message };
}
