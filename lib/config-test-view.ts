// What a configuration test looks like to the tenant admin, computed from
// times alone (docs/configurations.md "Testing a configuration"): the broker
// stores when each deployment picked the test up and what it reported, and
// every reader derives the states from those times and the deadlines, so no
// job has to flip a state and no spinner waits for one. Pure: shared by the
// broker's view and its tests.
import { CONFIG_TEST_RESULT_MS, type TConfigTestResult, type TConfigTestTarget, type TConfigTestView } from '@/lib/schemas/config-tests';

export type TConfigTestTargetRow = {
  deploymentId: string;
  name: string;
  pickedAt: Date | null;
  result: TConfigTestResult | null;
  resultAt: Date | null;
};

export type TConfigTestRow = {
  id: string;
  kind: 'kms' | 'siem';
  configId: string | null;
  version: number | null;
  draft: boolean;
  createdAt: Date;
  pickupBy: Date;
  targets: TConfigTestTargetRow[];
};

/** waiting → (picked) running → (result) done; past the pick-up deadline not_reached; past the result deadline no_result. */
export function targetState(target: Pick<TConfigTestTargetRow, 'pickedAt' | 'result' | 'resultAt'>, pickupBy: Date, now: Date): TConfigTestTarget['state'] {
  if (target.result && target.resultAt) return 'done';
  if (!target.pickedAt) return now.getTime() < pickupBy.getTime() ? 'waiting' : 'not_reached';
  return now.getTime() < resultDeadline(target.pickedAt).getTime() ? 'running' : 'no_result';
}

/** The last moment a result is accepted for a test picked up at `pickedAt`. */
export function resultDeadline(pickedAt: Date): Date {
  return new Date(pickedAt.getTime() + CONFIG_TEST_RESULT_MS);
}

export function configTestView(row: TConfigTestRow, now: Date): TConfigTestView {
  const targets = row.targets.map((t): TConfigTestTarget => {
    const state = targetState(t, row.pickupBy, now);
    return {
      deploymentId: t.deploymentId,
      name: t.name,
      state,
      pickedAt: t.pickedAt?.toISOString() ?? null,
      result: state === 'done' && t.result && t.resultAt ? { ...t.result, at: t.resultAt.toISOString() } : null,
    };
  });
  return {
    testId: row.id,
    kind: row.kind,
    configId: row.configId,
    version: row.version,
    draft: row.draft,
    createdAt: row.createdAt.toISOString(),
    pickupBy: row.pickupBy.toISOString(),
    targets,
    finished: targets.every((t) => t.state !== 'waiting' && t.state !== 'running'),
  };
}
