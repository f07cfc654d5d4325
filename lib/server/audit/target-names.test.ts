import { describe, expect, it, vi } from 'vitest';
import { resolveTargetNames, vendorViewAllows, type TTargetLookup, type TTargetName, type TTargetRef } from './target-names';

const ref = (targetType: string | null, targetId: string | null, tenantExternalId: string | null = 'acme'): TTargetRef => ({ targetType, targetId, tenantExternalId });

/** A lookup over fixed records that records the ids it was asked for. */
function lookup(records: Record<string, TTargetName>) {
  return vi.fn<TTargetLookup>(async (ids) => new Map(ids.flatMap((id) => (records[id] ? [[id, records[id]] as const] : []))));
}

describe('resolveTargetNames', () => {
  it('names each target by its type, with one lookup per type for the whole page', async () => {
    const config = lookup({ cfg_1: { name: 'Primary KMS', tenantExternalId: 'acme' }, cfg_2: { name: 'Splunk', tenantExternalId: 'acme' } });
    const deployment = lookup({ dep_1: { name: 'prod-eu-1' } });
    const rows = [ref('config', 'cfg_1'), ref('deployment', 'dep_1'), ref('config', 'cfg_2'), ref('config', 'cfg_1'), ref(null, null), ref('recovery_kit', 'kit_1')];
    expect(await resolveTargetNames(rows, { config, deployment })).toEqual(['Primary KMS', 'prod-eu-1', 'Splunk', 'Primary KMS', null, null]);
    expect(config).toHaveBeenCalledTimes(1);
    expect(config).toHaveBeenCalledWith(['cfg_1', 'cfg_2']);
    expect(deployment).toHaveBeenCalledWith(['dep_1']);
  });

  it('leaves the id alone when the record is gone', async () => {
    expect(await resolveTargetNames([ref('config', 'cfg_deleted')], { config: lookup({}) })).toEqual([null]);
  });

  it('never shows a name that belongs to another tenant than the event’s', async () => {
    // Another tenant's configuration id, planted in acme's chain.
    const config = lookup({ cfg_globex: { name: 'Globex secret project', tenantExternalId: 'globex' } });
    expect(await resolveTargetNames([ref('config', 'cfg_globex', 'acme')], { config })).toEqual([null]);
    expect(await resolveTargetNames([ref('config', 'cfg_globex', 'globex')], { config })).toEqual(['Globex secret project']);
    // A vendor-only event (only operators see those) may name any tenant's record.
    expect(await resolveTargetNames([ref('config', 'cfg_globex', null)], { config })).toEqual(['Globex secret project']);
  });

  it('asks nothing for types without a lookup, for rows the view does not allow, or for an empty page', async () => {
    const user = lookup({ usr_1: { name: 'alice@acme.example' } });
    const rows = [ref('user', 'usr_1', 'acme'), ref('user', 'usr_1', null)];
    expect(await resolveTargetNames(rows, { user }, vendorViewAllows)).toEqual([null, 'alice@acme.example']);
    expect(user).toHaveBeenCalledWith(['usr_1']);
    const none = lookup({});
    expect(await resolveTargetNames([], { config: none })).toEqual([]);
    expect(await resolveTargetNames([ref('constructor', 'x'), ref('toString', 'y')], {})).toEqual([null, null]);
    expect(none).not.toHaveBeenCalled();
  });
});

describe('the operators’ view', () => {
  it('names tenants, deployments and configurations on a tenant’s event, never a person', () => {
    for (const type of ['tenant', 'deployment', 'config']) expect(vendorViewAllows(ref(type, 'x', 'acme'))).toBe(true);
    for (const type of ['user', 'admin', 'invitation', 'recovery_kit']) expect(vendorViewAllows(ref(type, 'x', 'acme'))).toBe(false);
    for (const type of ['user', 'environment', 'api_token']) expect(vendorViewAllows(ref(type, 'x', null))).toBe(true);
  });
});
