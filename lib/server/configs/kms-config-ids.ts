import 'server-only';
// The broker's checks of kmsConfigIds (TSP.md "Decisions"; docs/configurations.md
// "KMS configuration ids"). The ids are signed by the tenant, so the broker
// cannot forge or re-point one; what it can do is refuse a tenant-signed
// state that breaks the rules a single state cannot show: an id, once given,
// stays with its configuration in every later state, and a new id is above
// every id ever given — including to configurations deleted since, which the
// tenant row's high-water mark remembers (tenant.kms_config_id_max).
import { highestKmsConfigId } from '@/lib/crypto/kms-config-ids';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import { AppError } from '@/lib/server/errors';

const refuse = (message: string) => new AppError('validation_failed', { message, fields: [{ path: 'state.configs', message }] });

/**
 * Checks `next` against the state it follows and the high-water mark, and
 * returns the new high-water mark. Duplicates within `next` and ids on SIEM
 * entries were already refused by the state reader.
 */
export function checkKmsConfigIds(previous: TTenantState | null, next: TTenantState, highWater: number): number {
  const before = new Map((previous?.configs ?? []).map((c) => [c.configId, c.kmsConfigId]));
  const floor = Math.max(highWater, highestKmsConfigId(previous?.configs ?? []));
  for (const entry of next.configs) {
    const given = before.get(entry.configId);
    if (given !== undefined && entry.kmsConfigId === undefined) {
      throw refuse(`Configuration ${entry.configId} lost its KMS configuration id ${given}: an id once given stays with its configuration.`);
    }
    if (given !== undefined && entry.kmsConfigId !== given) {
      throw refuse(`Configuration ${entry.configId} has KMS configuration id ${given}; a state cannot change it (to ${entry.kmsConfigId}).`);
    }
    if (given === undefined && entry.kmsConfigId !== undefined && entry.kmsConfigId <= floor) {
      throw refuse(`KMS configuration id ${entry.kmsConfigId} for ${entry.configId} is not above ${floor}, the highest given so far: ids are never reused. Reload and try again.`);
    }
  }
  return Math.max(floor, highestKmsConfigId(next.configs));
}
