import { describe, expect, it } from 'vitest';
import { CONFIG_TEST_PICKUP_MS, CONFIG_TEST_RESULT_MS, ZConfigTestView, type TConfigTestResult } from '@/lib/schemas/config-tests';
import { configTestView, targetState, type TConfigTestRow } from './config-test-view';

const created = new Date('2030-01-01T00:00:00.000Z');
const pickupBy = new Date(created.getTime() + CONFIG_TEST_PICKUP_MS);
const at = (ms: number) => new Date(created.getTime() + ms);
const passed: TConfigTestResult = { instanceId: 'tsp-1', outcome: 'passed', step: null, code: null, latencyMs: 12 };

function row(targets: TConfigTestRow['targets']): TConfigTestRow {
  return { id: 'ct_AAAAAAAAAAAAAAAAAAAAAA', kind: 'kms', configId: 'c_AAAAAAAAAAAAAAAAAAAA', version: 2, draft: false, createdAt: created, pickupBy, targets };
}
const target = (over: Partial<TConfigTestRow['targets'][number]> = {}) => ({ deploymentId: 'dep_AAAAAAAAAAAAAAAA', name: 'eu-1', pickedAt: null, result: null, resultAt: null, ...over });

describe('configuration test states from times', () => {
  it('waits for a pick-up until the deadline, then says not reached', () => {
    expect(targetState(target(), pickupBy, at(0))).toBe('waiting');
    expect(targetState(target(), pickupBy, at(CONFIG_TEST_PICKUP_MS - 1))).toBe('waiting');
    expect(targetState(target(), pickupBy, at(CONFIG_TEST_PICKUP_MS))).toBe('not_reached');
  });

  it('runs after a pick-up until the result deadline, then says no result', () => {
    const picked = target({ pickedAt: at(1_000) });
    expect(targetState(picked, pickupBy, at(1_000))).toBe('running');
    expect(targetState(picked, pickupBy, at(1_000 + CONFIG_TEST_RESULT_MS - 1))).toBe('running');
    expect(targetState(picked, pickupBy, at(1_000 + CONFIG_TEST_RESULT_MS))).toBe('no_result');
  });

  it('is done with a result, whatever the time', () => {
    const done = target({ pickedAt: at(1_000), result: passed, resultAt: at(2_000) });
    expect(targetState(done, pickupBy, at(10 * CONFIG_TEST_RESULT_MS))).toBe('done');
  });

  it('is finished only when no target waits or runs, and shows results with their time', () => {
    const test = row([target({ deploymentId: 'dep_A', pickedAt: at(500), result: passed, resultAt: at(900) }), target({ deploymentId: 'dep_B' })]);
    const early = configTestView(test, at(1_000));
    expect(early.finished).toBe(false);
    expect(early.targets.map((t) => t.state)).toEqual(['done', 'waiting']);
    expect(early.targets[0]?.result).toEqual({ ...passed, at: at(900).toISOString() });
    expect(early.targets[1]?.result).toBeNull();
    const late = configTestView(test, at(CONFIG_TEST_PICKUP_MS + 1));
    expect(late.finished).toBe(true);
    expect(late.targets.map((t) => t.state)).toEqual(['done', 'not_reached']);
  });

  it('builds what the schema the page parses accepts', () => {
    const view = configTestView(row([target({ deploymentId: 'dep_AAAAAAAAAAAAAAAA', pickedAt: at(500) })]), at(1_000));
    expect(ZConfigTestView.parse(view)).toEqual(view);
    expect(view).toMatchObject({ kind: 'kms', version: 2, draft: false, createdAt: created.toISOString(), pickupBy: pickupBy.toISOString(), finished: false });
  });

  it('a test without targets is finished at once (nothing to wait for)', () => {
    expect(configTestView(row([]), at(0)).finished).toBe(true);
  });
});
