import { describe, expect, it } from 'vitest';
import { configPropagation } from './config-propagation';

const at = '2026-01-01T00:00:00.000Z';

describe('configPropagation', () => {
  it('says when no deployment is approved', () => {
    expect(configPropagation({ changedSeq: 3, approved: [] })).toMatchObject({ state: 'no-deployments', label: 'No approved deployments' });
  });

  it('says when no approved deployment has ever reported, not "behind"', () => {
    const p = configPropagation({ changedSeq: 3, approved: [{ appliedSeq: null, lastStatusAt: null }, { appliedSeq: null, lastStatusAt: null }] });
    expect(p).toMatchObject({ state: 'not-connected', label: 'No deployment connected yet' });
    expect(p.explanation).toContain('None of the 2 approved deployments');
  });

  it('counts deployments that applied the change or a later one', () => {
    expect(configPropagation({ changedSeq: 3, approved: [{ appliedSeq: 3, lastStatusAt: at }, { appliedSeq: 7, lastStatusAt: at }] })).toMatchObject({
      state: 'applied',
      label: 'Applied by 2 of 2 deployments',
      tone: 'success',
    });
    expect(configPropagation({ changedSeq: 3, approved: [{ appliedSeq: 3, lastStatusAt: at }] }).label).toBe('Applied by 1 of 1 deployment');
  });

  it('counts deployments behind, those never connected among them', () => {
    const one = configPropagation({ changedSeq: 4, approved: [{ appliedSeq: 3, lastStatusAt: at }, { appliedSeq: 4, lastStatusAt: at }] });
    expect(one).toMatchObject({ state: 'behind', label: '1 of 2 deployments behind', tone: 'warning' });
    expect(one.explanation).toContain('One approved deployment has not yet reported applying change 4');
    expect(one.explanation).not.toContain('never connected');
    const two = configPropagation({ changedSeq: 4, approved: [{ appliedSeq: null, lastStatusAt: null }, { appliedSeq: 2, lastStatusAt: at }, { appliedSeq: 5, lastStatusAt: at }] });
    expect(two.label).toBe('2 of 3 deployments behind');
    expect(two.explanation).toContain('1 of the 3 has never connected');
    // A report of errors only (applied seq 0) is nothing applied.
    expect(configPropagation({ changedSeq: 1, approved: [{ appliedSeq: 0, lastStatusAt: at }] }).label).toBe('1 of 1 deployment behind');
  });
});
