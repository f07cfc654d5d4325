import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS } from './audit';
import { auditActionArea, auditActionGroups, searchAuditActionGroups, setAuditActions } from './audit-groups';

const names = (groups: { id: string; actions: string[] }[]) => Object.fromEntries(groups.map((g) => [g.id, g.actions]));

describe('audit action groups', () => {
  it('places every catalogue action in exactly one area', () => {
    expect(AUDIT_ACTION_NAMES.filter((a) => auditActionArea(a) === undefined)).toEqual([]);
    const grouped = auditActionGroups().flatMap((g) => g.actions);
    expect(grouped.toSorted()).toEqual(AUDIT_ACTION_NAMES.toSorted());
    expect(new Set(grouped).size).toBe(grouped.length);
  });

  it('groups by area in a fixed order, each group sorted by label', () => {
    const groups = auditActionGroups();
    expect(groups.map((g) => g.id)).toEqual(['auth', 'account', 'admins', 'tenant', 'config', 'deployment', 'vendor']);
    const byId = names(groups);
    expect(byId.auth).toEqual(['auth.sign_in', 'auth.sign_out', 'access.denied']); // Signed in, Signed out, Was refused a change
    expect(byId.config).toContain('config.edit');
    expect(byId.tenant).toEqual(expect.arrayContaining(['tenant.suspend', 'tenant.resume', 'recovery_kit.create']));
    expect(byId.deployment).toEqual(expect.arrayContaining(['deployment.approve', 'delivery.apply']));
    expect(byId.vendor).toEqual(expect.arrayContaining(['environment.create', 'api_token.create', 'signing_key.rotate', 'broker.settings_update']));
    for (const g of groups) {
      const labels = g.actions.map((a) => AUDIT_ACTIONS[a].label);
      expect(labels).toEqual(labels.toSorted((x, y) => x.localeCompare(y)));
    }
  });

  it('leaves vendor-only actions out of a tenant’s picker', () => {
    const tenant = auditActionGroups({ tenantOnly: true }).flatMap((g) => g.actions);
    expect(tenant).not.toContain('deployment.create');
    expect(tenant).not.toContain('api_token.create');
    expect(tenant).toContain('deployment.approve');
    expect(tenant).toContain('auth.sign_in');
    expect(tenant.every((a) => AUDIT_ACTIONS[a].scope !== 'vendor')).toBe(true);
    // The vendor area holds only vendor-only actions, so it disappears.
    expect(auditActionGroups({ tenantOnly: true }).map((g) => g.id)).not.toContain('vendor');
  });
});

describe('searching the picker', () => {
  const groups = auditActionGroups();

  it('matches labels, names and group labels, case-insensitively, every word', () => {
    expect(names(searchAuditActionGroups(groups, 'SUSPENDED'))).toEqual({ tenant: ['tenant.suspend'] });
    expect(names(searchAuditActionGroups(groups, 'config.edit'))).toEqual({ config: ['config.edit'] });
    expect(names(searchAuditActionGroups(groups, 'sign_in'))).toEqual({ auth: ['auth.sign_in'] });
    // "Configurations" is the group's label: every action in it matches.
    expect(searchAuditActionGroups(groups, 'configurations')[0]?.actions).toHaveLength(names(groups).config!.length);
    expect(names(searchAuditActionGroups(groups, 'configurations disabled'))).toEqual({ config: ['config.disable'] });
  });

  it('drops groups without a match and keeps everything for an empty search', () => {
    expect(searchAuditActionGroups(groups, 'no such action')).toEqual([]);
    expect(searchAuditActionGroups(groups, '   ')).toBe(groups);
  });
});

describe('changing the selection', () => {
  it('adds and removes several at once, in catalogue order, without duplicates', () => {
    const tenantGroup = auditActionGroups().find((g) => g.id === 'tenant')!.actions;
    const selected = setAuditActions(['config.edit', 'tenant.resume'], tenantGroup, true);
    expect(selected).toEqual(AUDIT_ACTION_NAMES.filter((a) => a === 'config.edit' || tenantGroup.includes(a)));
    expect(setAuditActions(selected, tenantGroup, false)).toEqual(['config.edit']);
    expect(setAuditActions(['tenant.resume', 'auth.sign_in'], [], true)).toEqual(['auth.sign_in', 'tenant.resume']);
  });
});
