// Giving KMS configurations their kmsConfigId (TSP.md "Decisions"), for every
// builder of a new tenant state: the browser's changes, approvals, key
// rotations and re-issues, and Node callers acting as a tenant admin. Ids
// already given are carried from the previous state whatever the builder did
// with the entry; each KMS configuration still without one gets the next
// number above every id ever given, in configId order, so that states signed
// before ids existed gain them at the tenant's next change.
//
// "Ever given" matters because a deleted configuration leaves the state: its
// id must not come back. The state alone cannot say what was deleted, so the
// caller passes the highest id it knows was given — the broker's high-water
// mark and what this browser has seen — and the broker refuses any new id
// that is not above its own record (lib/server/configs/kms-config-ids.ts).
import { CryptoError } from './errors';
import { MAX_KMS_CONFIG_ID, type TTenantStateConfig } from './tenant-state';

/** The highest kmsConfigId among `configs`, 0 when none has one. */
export function highestKmsConfigId(configs: readonly Pick<TTenantStateConfig, 'kmsConfigId'>[]): number {
  return configs.reduce((max, c) => Math.max(max, c.kmsConfigId ?? 0), 0);
}

export type TAssignKmsConfigIds = {
  /** The entries of the state being built. */
  configs: readonly TTenantStateConfig[];
  /** The entries of the state it follows (empty for the first). */
  previous: readonly TTenantStateConfig[];
  /** The highest id known to have been given, including to configurations deleted since. */
  highestGiven?: number;
};

/**
 * `configs` with every KMS entry's id: the previous state's id for a
 * configuration it listed, otherwise max(highestGiven, every id in either
 * state) + 1, + 2, … in configId order. Entries are copied, order kept.
 */
export function assignKmsConfigIds({ configs, previous, highestGiven = 0 }: TAssignKmsConfigIds): TTenantStateConfig[] {
  if (!Number.isSafeInteger(highestGiven) || highestGiven < 0) throw new CryptoError('invalid_input', 'highestGiven must be a non-negative integer.');
  const given = new Map(previous.flatMap((c) => (c.kind === 'kms' && c.kmsConfigId !== undefined ? [[c.configId, c.kmsConfigId] as const] : [])));
  // An id once given stays with its configuration: the previous state's wins over whatever the builder copied.
  const carried = configs.map((c): TTenantStateConfig => {
    const id = c.kind === 'kms' ? (given.get(c.configId) ?? c.kmsConfigId) : undefined;
    const { kmsConfigId: _, ...rest } = c;
    return id === undefined ? rest : { ...rest, kmsConfigId: id };
  });
  let next = Math.max(highestGiven, highestKmsConfigId(previous), highestKmsConfigId(carried)) + 1;
  const lacking = carried.filter((c) => c.kind === 'kms' && c.kmsConfigId === undefined).sort((a, b) => (a.configId < b.configId ? -1 : a.configId > b.configId ? 1 : 0));
  if (next + lacking.length - 1 > MAX_KMS_CONFIG_ID) throw new CryptoError('invalid_input', 'No KMS configuration id is left for this tenant.');
  for (const entry of lacking) entry.kmsConfigId = next++;
  return carried;
}
