// Re-issuing a tenant's state after the broker lost changes — an older
// database restored, or a broker withholding them. Proxies and this admin's
// browser refuse any state older than the newest they have seen, so the next
// state must come after that one, not after the broker's: it is built on the
// broker's current state (what the configurations now are) and signed with a
// seq one past the highest seen. It changes nothing else, except that the
// admin may disable configurations in it — a revocation lost with the
// restored changes is made again in the same stroke, so the re-issue never
// brings back into use what had been disabled.
import { MAX_REISSUE_JUMP } from '@/lib/schemas/config-change';
import { assignKmsConfigIds } from './kms-config-ids';
import { signTenantState, type TTenantState } from './tenant-state';

export type TReissueInput = {
  tenantId: string;
  signingKey: CryptoKey;
  signingKid: string;
  /** The broker's current state, verified with the tenant signing key. */
  current: TTenantState;
  /** The highest seq seen anywhere: by this browser, or applied by a proxy deployment. */
  highestSeen: number;
  /** Configurations to disable in the re-issued state. */
  disable: ReadonlySet<string>;
  /**
   * The highest kmsConfigId known to have been given (the broker's record and
   * what this browser saw): a configuration lost with the broker's changes may
   * have held one above the current state's, and ids are never reused.
   */
  highestKmsConfigId?: number;
  now?: number;
};

export type TReissue = { state: TTenantState; change: { state: string; reissue: { fromSeq: number } } };

export async function buildReissue(input: TReissueInput): Promise<TReissue> {
  const { current, highestSeen } = input;
  if (current.tenantId !== input.tenantId) throw new Error('The current state belongs to another tenant.');
  if (!Number.isSafeInteger(highestSeen) || highestSeen <= current.seq) {
    throw new Error(`Nothing was lost: the broker’s state (change ${current.seq}) is the newest seen. Make a normal change instead.`);
  }
  const seq = highestSeen + 1;
  if (seq - current.seq > MAX_REISSUE_JUMP) {
    throw new Error(`Change ${highestSeen} is more than ${MAX_REISSUE_JUMP - 1} changes ahead of the broker’s (${current.seq}). That is not a lost backup’s worth; ask the vendor what happened before re-issuing.`);
  }
  for (const configId of input.disable) {
    if (!current.configs.some((c) => c.configId === configId)) throw new Error('A configuration to disable is not in the current state. Reload.');
  }
  const edited = current.configs.map((c) => (input.disable.has(c.configId) ? { ...c, status: 'disabled' as const, primary: false } : { ...c }));
  const configs = assignKmsConfigIds({ configs: edited, previous: current.configs, highestGiven: input.highestKmsConfigId });
  const state: TTenantState = {
    typ: 'tenant-state',
    tenantId: input.tenantId,
    seq,
    configs,
    recipients: [...current.recipients],
    iat: Math.floor((input.now ?? Date.now()) / 1000),
    ...(current.secrets ? { secrets: current.secrets } : {}),
  };
  return { state, change: { state: await signTenantState(state, input.signingKey, input.signingKid), reissue: { fromSeq: current.seq } } };
}
