import { describe, expect, it } from 'vitest';
import { KMS_ERROR_CODES } from '@/lib/kms/types';
import { CONFIG_TEST_PICKUP_MS, CONFIG_TEST_STEPS } from '@/lib/schemas/config-tests';
import { SIEM_ERROR_CODES } from '@/lib/schemas/siem-health';
import { CODE_WORDS, failureWords, latencyWords, NOT_REACHED_WORDS, secondsLeft, startRefusedWords, STEP_WORDS, summaryWords, targetWords } from './config-test-words';

const result = (outcome: 'passed' | 'failed', step: (typeof CONFIG_TEST_STEPS)[number] | null = null, code: string | null = null) => ({
  instanceId: 'i-1',
  outcome,
  step,
  code,
  latencyMs: 85,
  at: '2026-01-01T00:00:00Z',
});

describe('config test words', () => {
  it('has words for every step and every KMS and SIEM code a proxy reports', () => {
    for (const step of CONFIG_TEST_STEPS) expect(STEP_WORDS[step]).toMatch(/\w/);
    for (const code of [...Object.keys(KMS_ERROR_CODES), ...SIEM_ERROR_CODES, 'not_applied', 'config_test_invalid']) expect(CODE_WORDS[code], code).toMatch(/\w/);
  });

  it('says the step and the code in words', () => {
    expect(failureWords('authentication', 'auth')).toBe('Signing in to the KMS/SIEM failed: the destination refused the credentials (token or key).');
    expect(failureWords('key_access', 'kms_unauthorized')).toMatch(/^The key could not be used: .*disabled/);
    expect(failureWords('tls', 'tls')).toMatch(/^The secure connection \(TLS\) failed/);
    expect(failureWords(null, null)).toBe('The test failed.');
    expect(failureWords('network', 'something_new')).toBe('The KMS/SIEM could not be reached: code something_new.');
  });

  it('words each state, with the latency and a bounded countdown', () => {
    expect(targetWords({ state: 'waiting', result: null }, 12)).toMatchObject({ label: 'Waiting', detail: expect.stringContaining('12 s left') });
    expect(targetWords({ state: 'running', result: null }, 0).label).toBe('Running');
    expect(targetWords({ state: 'not_reached', result: null }, 0)).toEqual({ label: 'Not reached', detail: NOT_REACHED_WORDS, tone: 'warning' });
    expect(NOT_REACHED_WORDS).toBe('No proxy of this deployment picked the test up within 15 s: it is offline or not running.');
    expect(targetWords({ state: 'no_result', result: null }, 0).label).toBe('No result');
    expect(targetWords({ state: 'done', result: result('passed') }, 0)).toEqual({ label: 'Passed', detail: 'Passed in 85 ms.', tone: 'success' });
    expect(targetWords({ state: 'done', result: result('failed', 'key_access', 'kms_unauthorized') }, 0)).toMatchObject({ label: 'Failed', tone: 'danger' });
    expect(latencyWords(2440)).toBe('2.4 s');
  });

  it('counts down to the pick-up deadline and never below 0 or beyond the window', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(secondsLeft('2026-01-01T00:00:10Z', now, CONFIG_TEST_PICKUP_MS)).toBe(10);
    expect(secondsLeft('2025-12-31T23:59:00Z', now, CONFIG_TEST_PICKUP_MS)).toBe(0);
    expect(secondsLeft('2026-01-01T01:00:00Z', now, CONFIG_TEST_PICKUP_MS)).toBe(15);
    expect(secondsLeft('not a date', now, CONFIG_TEST_PICKUP_MS)).toBe(0);
  });

  it('sums up a finished test for the live region', () => {
    expect(summaryWords([{ state: 'done', result: result('passed') }, { state: 'done', result: result('failed', 'network', 'timeout') }, { state: 'not_reached', result: null }])).toBe(
      'Test finished: 1 passed, 1 failed, 1 not reached.',
    );
    expect(summaryWords([])).toBe('Test finished.');
  });
});

describe('startRefusedWords', () => {
  it('words the refusals the broker documents', () => {
    expect(startRefusedWords({ status: 429, code: 'rate_limited', message: 'x' }).title).toBe('Too many tests');
    expect(startRefusedWords({ status: 409, code: 'tenant_suspended', message: 'x' }).title).toBe('The tenant is suspended');
    expect(startRefusedWords({ status: 409, code: 'no_approved_deployments', message: 'x' }).detail).toMatch(/Approve one/);
    expect(startRefusedWords({ status: 400, code: 'bad_request', message: 'The recipients are wrong.' })).toEqual({ title: 'The test could not be started', detail: 'The recipients are wrong.' });
  });
});
