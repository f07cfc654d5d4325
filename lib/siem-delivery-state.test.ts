import { describe, expect, it } from 'vitest';
import { SIEM_ERROR_CODES } from '@/lib/schemas/siem-health';
import { SIEM_DELIVERY_STATES, SIEM_DELIVERY_TEXT, SIEM_ERROR_TEXT, siemDeploymentState, siemErrorText, siemInstanceState, type TSiemInstanceInput } from './siem-delivery-state';

const NOW = Date.parse('2026-12-07T14:30:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;
const healthy: TSiemInstanceInput = { sent: 5, dropped: 0, backlog: 0, lastSuccessAt: ago(10_000), lastErrorCode: null, failingSince: null, droppedAt: null, reportedAt: ago(20_000) };

describe('siemInstanceState', () => {
  it('tells each state apart', () => {
    expect(siemInstanceState(healthy, NOW)).toBe('delivering');
    expect(siemInstanceState({ ...healthy, reportedAt: ago(16 * MIN) }, NOW)).toBe('stale');
    expect(siemInstanceState({ ...healthy, lastErrorCode: 'auth', failingSince: ago(MIN), backlog: 10 }, NOW)).toBe('failing');
    expect(siemInstanceState({ ...healthy, dropped: 3, droppedAt: ago(5 * MIN) }, NOW)).toBe('losing');
    // Dropped long ago, delivering since: no longer losing.
    expect(siemInstanceState({ ...healthy, dropped: 3, droppedAt: ago(2 * 60 * MIN) }, NOW)).toBe('delivering');
    expect(siemInstanceState({ ...healthy, backlog: 40, lastSuccessAt: ago(3 * MIN) }, NOW)).toBe('backlogged');
    expect(siemInstanceState({ ...healthy, backlog: 20_000 }, NOW)).toBe('backlogged');
    // A batch in flight right after a success is normal.
    expect(siemInstanceState({ ...healthy, backlog: 40 }, NOW)).toBe('delivering');
    expect(siemInstanceState({ ...healthy, sent: 0, lastSuccessAt: null }, NOW)).toBe('no_events_yet');
  });

  it('losing outranks failing; stale outranks everything', () => {
    expect(siemInstanceState({ ...healthy, lastErrorCode: 'network', failingSince: ago(MIN), dropped: 1, droppedAt: ago(MIN) }, NOW)).toBe('losing');
    expect(siemInstanceState({ ...healthy, lastErrorCode: 'network', failingSince: ago(MIN), reportedAt: ago(20 * MIN) }, NOW)).toBe('stale');
  });
});

describe('siemDeploymentState', () => {
  it('is the worst of the instances reporting now, stale only when none is', () => {
    const failing = { ...healthy, lastErrorCode: 'tls' as const, failingSince: ago(MIN) };
    expect(siemDeploymentState([healthy, failing], NOW)).toBe('failing');
    expect(siemDeploymentState([healthy, { ...failing, reportedAt: ago(30 * MIN) }], NOW)).toBe('delivering');
    expect(siemDeploymentState([{ ...healthy, reportedAt: ago(30 * MIN) }], NOW)).toBe('stale');
    expect(siemDeploymentState([{ ...healthy, sent: 0, lastSuccessAt: null }, healthy], NOW)).toBe('delivering');
  });
});

describe('words', () => {
  it('has a label and an explanation for every state and words for every SIEM error code', () => {
    for (const s of SIEM_DELIVERY_STATES) expect(SIEM_DELIVERY_TEXT[s].label && SIEM_DELIVERY_TEXT[s].explanation).toBeTruthy();
    for (const c of SIEM_ERROR_CODES) expect(SIEM_ERROR_TEXT[c]).toMatch(/^[A-Z]/);
    expect(siemErrorText('auth')).toBe('The SIEM refused the credentials');
    expect(siemErrorText('tls')).toBe('The SIEM’s TLS certificate is not trusted');
    expect(siemErrorText(null)).toBeNull();
    expect(siemErrorText('martian')).toBe('Unknown error (martian)');
  });
});
