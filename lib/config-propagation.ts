// Whether the tenant's approved proxy deployments run a configuration as it
// is now — the configurations list's Propagation column, in words (never
// colour alone). A deployment has it once it reported applying the signed
// tenant state from which the configuration's entry is unchanged
// (`changedSeq`, lib/server/configs/propagation.ts) or a later one. Both
// numbers come from the broker, which is not trusted: like the delivery
// states (lib/delivery-state.ts) this is informational.

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
