// Each delivery state and its boundaries: a deployment that never reported is
// "not connected yet" whatever it is behind by; one silent for more than five
// minutes is offline (since its last report); "withheld" needs a report made
// more than five minutes after the change that still lacks it.
import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES, DELIVERY_TEXT, deliveryLabel, deliveryState, OFFLINE_AFTER_MS, stoppedOf, stoppedSentence, WITHHELD_AFTER_MS, type TDeliveryInput } from './delivery-state';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const state = (input: Partial<TDeliveryInput>) => deliveryState({ lastReportAt: ago(10_000), appliedSeq: 3, currentSeq: 3, changedAt: ago(60_000), ...input }, NOW);

describe('deliveryState', () => {
  it('never: no status report ever, however far behind — not an alarm', () => {
    expect(state({ lastReportAt: null, appliedSeq: null, currentSeq: 9, changedAt: ago(86_400_000) })).toBe('never');
    expect(state({ lastReportAt: null, appliedSeq: null, currentSeq: 0 })).toBe('never');
  });

  it('offline: no report for more than five minutes, behind or not; exactly five minutes is still connected', () => {
    expect(state({ lastReportAt: ago(OFFLINE_AFTER_MS + 1) })).toBe('offline');
    expect(state({ lastReportAt: ago(OFFLINE_AFTER_MS + 1), appliedSeq: 1, changedAt: ago(86_400_000) })).toBe('offline');
    expect(state({ lastReportAt: ago(OFFLINE_AFTER_MS) })).toBe('current');
  });

  it('current: connected and applied the current seq (a tenant without a state yet counts as applied)', () => {
    expect(state({})).toBe('current');
    expect(state({ appliedSeq: null, currentSeq: 0 })).toBe('current');
  });

  it('behind: connected, behind, and its last report came within five minutes of the change', () => {
    expect(state({ appliedSeq: 2, changedAt: ago(1_000) })).toBe('behind');
    // The change came after the last report: the next report will tell.
    expect(state({ appliedSeq: 2, lastReportAt: ago(30_000), changedAt: ago(1_000) })).toBe('behind');
    // Reported exactly five minutes after the change: not yet evidence.
    expect(state({ appliedSeq: 2, lastReportAt: ago(60_000), changedAt: ago(60_000 + WITHHELD_AFTER_MS) })).toBe('behind');
    // Nothing applied yet, in a report just after connecting.
    expect(state({ appliedSeq: null, currentSeq: 4, lastReportAt: ago(1_000), changedAt: ago(2_000) })).toBe('behind');
    // When the change was made is unknown: never an accusation.
    expect(state({ appliedSeq: 2, changedAt: null })).toBe('behind');
  });

  it('withheld: connected and reporting, but a report made more than five minutes after the change still lacks it', () => {
    expect(state({ appliedSeq: 2, lastReportAt: ago(60_000), changedAt: ago(60_000 + WITHHELD_AFTER_MS + 1) })).toBe('withheld');
    expect(state({ appliedSeq: null, currentSeq: 1, lastReportAt: ago(5_000), changedAt: ago(3_600_000) })).toBe('withheld');
  });

  it('stopped: its proxies report the broker no longer hands the tenant over — before ahead, current or behind; not while offline', () => {
    const withheld = { code: 'tenant_withheld' as const, seq: 3 };
    expect(state({ stopped: withheld })).toBe('stopped');
    // A broker that dropped the tenant may also set its seq to 0, making the proxy look ahead: the proxy's word wins.
    expect(state({ stopped: withheld, appliedSeq: 3, currentSeq: 0 })).toBe('stopped');
    expect(state({ stopped: { code: 'tenant_suspended', seq: 2 }, appliedSeq: 2, currentSeq: 4, changedAt: ago(3_600_000) })).toBe('stopped');
    expect(state({ stopped: withheld, lastReportAt: ago(OFFLINE_AFTER_MS + 1) })).toBe('offline');
    expect(state({ stopped: withheld, lastReportAt: null })).toBe('never');
    expect(state({ stopped: null })).toBe('current');
  });

  it('ahead: it applied more than the broker has (lost changes), even while offline', () => {
    expect(state({ appliedSeq: 5, currentSeq: 3 })).toBe('ahead');
    expect(state({ appliedSeq: 5, currentSeq: 3, lastReportAt: ago(OFFLINE_AFTER_MS * 10) })).toBe('ahead');
  });
});

describe('the words', () => {
  it('every state has a label and an explanation; only "withheld" speaks of withholding', () => {
    for (const s of DELIVERY_STATES) {
      expect(DELIVERY_TEXT[s].label).toMatch(/^[A-Z][a-z ]+$/);
      expect(DELIVERY_TEXT[s].explanation.length).toBeGreaterThan(20);
      expect(`${DELIVERY_TEXT[s].label} ${DELIVERY_TEXT[s].explanation}`.includes('withholding')).toBe(s === 'withheld');
    }
    expect(DELIVERY_TEXT.never.label).toBe('Not connected yet');
  });

  it('"Stopped at change N", and the sentence a tenant admin reads, with why', () => {
    expect(deliveryLabel('stopped', ago(1), String, { code: 'tenant_withheld', seq: 12 })).toBe('Stopped at change 12');
    expect(deliveryLabel('stopped', ago(1), String, { code: 'tenant_withheld', seq: null })).toBe('Stopped receiving');
    expect(stoppedSentence({ code: 'tenant_withheld', seq: 12 }, 'tenant')).toBe(
      'This deployment stopped receiving your configuration at change 12: the broker left your tenant out of what it sends. Its proxies serve none of your configurations.',
    );
    expect(stoppedSentence({ code: 'tenant_suspended', seq: 4 }, 'tenant')).toMatch(/^This deployment stopped receiving your configuration at change 4: the broker marks your tenant suspended, a flag you do not sign\./);
    expect(stoppedSentence({ code: 'tenant_suspended', seq: 4 }, 'operator')).not.toMatch(/\byour?\b/);
  });

  it('stoppedOf reads the stopped code and seq from stored errors of any shape', () => {
    expect(stoppedOf([{ code: 'config_digest', configId: 'c' }, { code: 'tenant_suspended', seq: 7 }])).toEqual({ code: 'tenant_suspended', seq: 7 });
    expect(stoppedOf([{ code: 'tenant_withheld' }])).toEqual({ code: 'tenant_withheld', seq: null });
    expect(stoppedOf([{ code: 'siem_delivery' }])).toBeNull();
    expect(stoppedOf(null)).toBeNull();
    expect(stoppedOf('[]')).toBeNull();
    expect(stoppedOf([null, 3])).toBeNull();
  });

  it('"Offline since" carries the time of the last report', () => {
    expect(deliveryLabel('offline', '2030-01-01T11:00:00.000Z', (iso) => iso.slice(11, 16))).toBe('Offline since 11:00');
    expect(deliveryLabel('never', null, String)).toBe('Not connected yet');
    expect(deliveryLabel('withheld', ago(1), String)).toBe('Not receiving updates');
  });
});
