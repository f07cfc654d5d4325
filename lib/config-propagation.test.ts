import { describe, expect, it } from 'vitest';
import { applySummary, configPropagation, deploymentApply } from './config-propagation';

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

describe('deploymentApply', () => {
  const now = Date.parse('2026-01-01T01:00:00.000Z');
  const base = { configId: 'cfg_1', changedSeq: 5, changedAt: '2026-01-01T00:59:00.000Z', appliedSeq: 4, appliedAt: '2026-01-01T00:30:00.000Z', lastStatusAt: '2026-01-01T00:59:30.000Z', errors: [] };

  it('tells "no proxy has reported yet" apart from withheld or failing', () => {
    expect(deploymentApply({ ...base, appliedSeq: null, appliedAt: null, lastStatusAt: null }, now)).toMatchObject({ state: 'not-reported', since: null, label: 'Not applied: not reported yet' });
  });

  it('says applied, since the report of applying it, once the applied seq reaches the change', () => {
    expect(deploymentApply({ ...base, appliedSeq: 5, appliedAt: '2026-01-01T00:59:05.000Z' }, now)).toMatchObject({ state: 'applied', since: '2026-01-01T00:59:05.000Z', tone: 'success' });
    expect(deploymentApply({ ...base, appliedSeq: 9 }, now).state).toBe('applied');
  });

  it('says catching up since the change, then withheld when reports keep coming without it', () => {
    expect(deploymentApply(base, now)).toMatchObject({ state: 'behind', since: base.changedAt });
    const late = { ...base, changedAt: '2026-01-01T00:40:00.000Z', lastStatusAt: '2026-01-01T00:59:30.000Z' };
    expect(deploymentApply(late, now)).toMatchObject({ state: 'withheld', since: late.changedAt, tone: 'danger' });
  });

  it('says failing with the proxies’ errors for this configuration only, since the report that says so', () => {
    const errors = [
      { configId: 'cfg_1', code: 'config_settings', message: 'Unknown provider.' },
      { configId: 'cfg_2', code: 'config_digest', message: null },
    ];
    const failing = deploymentApply({ ...base, appliedSeq: 5, errors }, now);
    expect(failing).toMatchObject({ state: 'failing', since: base.lastStatusAt, errors: [{ code: 'config_settings', message: 'Unknown provider.' }] });
    expect(deploymentApply({ ...base, configId: 'cfg_3', appliedSeq: 5, errors }, now).state).toBe('applied');
  });

  it('says withheld (stopped) when the proxies report the tenant is no longer handed over', () => {
    expect(deploymentApply({ ...base, errors: [{ configId: null, code: 'tenant_withheld', message: null, seq: 4 }] }, now).state).toBe('stopped');
  });

  it('says offline when an old report had not applied it; an old error is not current', () => {
    const old = { ...base, lastStatusAt: '2026-01-01T00:10:00.000Z', errors: [{ configId: 'cfg_1', code: 'config_settings', message: null }] };
    expect(deploymentApply(old, now)).toMatchObject({ state: 'offline', since: old.lastStatusAt });
  });

  it('sums the cases up in words', () => {
    expect(applySummary([{ state: 'not-reported' }, { state: 'applied' }, { state: 'applied' }, { state: 'failing' }])).toBe('2 applied, 1 failing, 1 not reported yet');
  });
});
