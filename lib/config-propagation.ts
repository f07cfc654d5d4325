// Whether the tenant's approved proxy deployments run a configuration as it
// is now — the configurations list's Propagation column, in words (never
// colour alone). A deployment has it once it reported applying the signed
// tenant state from which the configuration's entry is unchanged
// (`changedSeq`, lib/server/configs/propagation.ts) or a later one. Both
// numbers come from the broker, which is not trusted: like the delivery
// states (lib/delivery-state.ts) this is informational.
import { OFFLINE_AFTER_MS, stoppedOf, WITHHELD_AFTER_MS } from './delivery-state';

export type TPropagationState = 'no-deployments' | 'not-connected' | 'applied' | 'behind';

export type TPropagationInput = {
  /** The seq from which the configuration is as it is now. */
  changedSeq: number;
  /** The deployments the verified tenant state approves: what each reported applying (null: nothing) and when it last reported. */
  approved: { appliedSeq: number | null; lastStatusAt: string | null }[];
};

export type TPropagation = { state: TPropagationState; label: string; explanation: string; tone: 'neutral' | 'success' | 'warning' };

export const PROPAGATION_NOTE =
  'What the approved proxy deployments report to the broker. The broker is not trusted, so this is for information: your configurations are signed and sealed in your browser, and each proxy checks them itself.';

const deployments = (n: number) => `${n} deployment${n === 1 ? '' : 's'}`;

export function configPropagation({ changedSeq, approved }: TPropagationInput): TPropagation {
  const total = approved.length;
  if (total === 0) {
    return {
      state: 'no-deployments',
      label: 'No approved deployments',
      explanation: 'No proxy deployment is approved, so no key proxy can use this configuration yet. Approve one on the Deployments tab.',
      tone: 'neutral',
    };
  }
  const connected = approved.filter((d) => d.lastStatusAt !== null);
  if (connected.length === 0) {
    return {
      state: 'not-connected',
      label: 'No deployment connected yet',
      explanation: `${total === 1 ? 'The approved deployment has' : `None of the ${total} approved deployments has`} reported to the broker yet, so nothing has been applied. This is expected until the vendor starts its proxies.`,
      tone: 'neutral',
    };
  }
  const behind = approved.filter((d) => (d.appliedSeq ?? 0) < changedSeq).length;
  if (behind === 0) {
    return {
      state: 'applied',
      label: `Applied by ${total} of ${deployments(total)}`,
      explanation: `Every approved deployment reports having applied change ${changedSeq} or later, which holds this configuration’s current version and status.`,
      tone: 'success',
    };
  }
  const silent = total - connected.length;
  return {
    state: 'behind',
    label: `${behind} of ${deployments(total)} behind`,
    explanation:
      `${behind === 1 ? 'One approved deployment has' : `${behind} approved deployments have`} not yet reported applying change ${changedSeq}, which holds this configuration’s current version and status.` +
      `${silent > 0 ? ` ${silent} of the ${total} ${silent === 1 ? 'has' : 'have'} never connected.` : ''} A connected proxy normally applies a change within seconds; the Deployments tab shows where each one stands.`,
    tone: 'warning',
  };
}

// Per approved deployment, for one configuration (the configuration page's
// table and the list's details): has it applied this version, with what
// error, since when. "Not reported yet" (nothing can have been applied by a
// proxy that never spoke) is kept apart from "withheld" (reporting, and still
// without the change long after it) and "failing" (its proxies report an
// error for this configuration), as lib/delivery-state.ts does per tenant.

export type TDeploymentApplyState = 'not-reported' | 'offline' | 'stopped' | 'failing' | 'applied' | 'withheld' | 'behind';

export type TDeploymentApplyInput = {
  /** The seq from which the configuration is as it is now, and when that state was made (null: unknown). */
  changedSeq: number;
  changedAt: string | null;
  appliedSeq: number | null;
  appliedAt: string | null;
  lastStatusAt: string | null;
  /** The deployment's errors for this tenant, as the broker stores them. */
  errors: readonly { configId: string | null; code: string; message: string | null; seq?: number | null }[];
  configId: string;
};

export type TDeploymentApply = {
  state: TDeploymentApplyState;
  label: string;
  explanation: string;
  /** Since when it is so (ISO), when known. */
  since: string | null;
  /** The proxies' errors for this configuration (codes, and their message if any). */
  errors: { code: string; message: string | null }[];
  tone: 'neutral' | 'success' | 'warning' | 'danger';
};

const APPLY_TEXT: Record<TDeploymentApplyState, { label: string; explanation: string; tone: TDeploymentApply['tone'] }> = {
  'not-reported': {
    label: 'Not applied: not reported yet',
    explanation: 'No proxy of this deployment has reported to the broker yet, so nothing is known to be applied. Nothing was withheld: no proxy was there to ask.',
    tone: 'neutral',
  },
  offline: {
    label: 'Not applied: offline',
    explanation: 'Its proxies have not reported for more than 5 minutes and had not applied this version before. They keep what they last applied.',
    tone: 'warning',
  },
  stopped: {
    label: 'Withheld',
    explanation: 'Its proxies report that the broker no longer hands this tenant over, so they serve none of its configurations.',
    tone: 'danger',
  },
  failing: {
    label: 'Failing',
    explanation: 'Its proxies report an error for this configuration: they cannot use it as it is now.',
    tone: 'danger',
  },
  applied: { label: 'Applied', explanation: 'Its proxies report having applied this version and status (or a later change).', tone: 'success' },
  withheld: {
    label: 'Withheld',
    explanation: 'Connected and reporting, but still without this change more than 5 minutes after it was made: the broker may be withholding it.',
    tone: 'danger',
  },
  behind: { label: 'Catching up', explanation: 'Connected; this change is on its way (this normally takes seconds).', tone: 'neutral' },
};

export function deploymentApply(input: TDeploymentApplyInput, now: number): TDeploymentApply {
  const own = input.errors.filter((e) => e.configId === input.configId).map((e) => ({ code: e.code, message: e.message }));
  const make = (state: TDeploymentApplyState, since: string | null): TDeploymentApply => ({ state, ...APPLY_TEXT[state], since, errors: own });
  if (input.lastStatusAt === null) return make('not-reported', null);
  const reportAt = Date.parse(input.lastStatusAt);
  const current = now - reportAt <= OFFLINE_AFTER_MS;
  if (current && stoppedOf(input.errors)) return make('stopped', input.lastStatusAt);
  // Errors are the proxies' current list (each report replaces it): "since" is the report that still says so.
  if (current && own.length > 0) return make('failing', input.lastStatusAt);
  if ((input.appliedSeq ?? 0) >= input.changedSeq) return make('applied', input.appliedAt);
  if (!current) return make('offline', input.lastStatusAt);
  if (input.changedAt !== null && reportAt - Date.parse(input.changedAt) > WITHHELD_AFTER_MS) return make('withheld', input.changedAt);
  return make('behind', input.changedAt);
}

const SUMMARY_ORDER: TDeploymentApplyState[] = ['applied', 'behind', 'failing', 'withheld', 'stopped', 'offline', 'not-reported'];
const SUMMARY_WORDS: Record<TDeploymentApplyState, string> = {
  applied: 'applied',
  behind: 'catching up',
  failing: 'failing',
  withheld: 'withheld',
  stopped: 'withheld (stopped)',
  offline: 'offline',
  'not-reported': 'not reported yet',
};

/** "1 applied, 1 not reported yet": which case each approved deployment is in, for the list's cell. */
export function applySummary(applies: readonly Pick<TDeploymentApply, 'state'>[]): string {
  return SUMMARY_ORDER.map((state) => [state, applies.filter((a) => a.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${SUMMARY_WORDS[state]}`)
    .join(', ');
}

export type TDeploymentApplyRow = { kid: string; name: string; apply: TDeploymentApply };

/**
 * Each deployment the verified state approves (`recipients`), with the broker's report about it. A kid the broker no
 * longer lists has reported nothing. `changedSeq` is never taken past the verified state's seq.
 */
export function applyPerDeployment(input: {
  recipients: readonly string[];
  deployments: readonly { kid: string; name: string | null; appliedSeq: number | null; appliedAt?: string | null; lastStatusAt: string | null; errors: TDeploymentApplyInput['errors'] }[];
  configId: string;
  changedSeq: number;
  changedAt: string | null;
  verifiedSeq: number;
  now: number;
}): TDeploymentApplyRow[] {
  const changedSeq = Math.min(input.changedSeq, input.verifiedSeq);
  return input.recipients.map((kid) => {
    const d = input.deployments.find((x) => x.kid === kid);
    const apply = deploymentApply(
      {
        configId: input.configId,
        changedSeq,
        changedAt: input.changedAt,
        appliedSeq: d?.appliedSeq ?? null,
        appliedAt: d?.appliedAt ?? null,
        lastStatusAt: d?.lastStatusAt ?? null,
        errors: d?.errors ?? [],
      },
      input.now,
    );
    return { kid, name: d?.name ?? `Deployment ${kid.slice(0, 8)}…`, apply };
  });
}
