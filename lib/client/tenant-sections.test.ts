import { describe, expect, it } from 'vitest';
import { currentSection, landingSection, sectionLabel, tenantHref, TENANT_SECTIONS } from './tenant-sections';

describe('the tenant area sections', () => {
  it('are the five tabs, in order', () => {
    expect(TENANT_SECTIONS.map((s) => s.label)).toEqual(['Configurations', 'Deployments', 'Deterministic keys', 'Audit', 'Admins & keys']);
    expect(tenantHref('acme', 'admins')).toBe('/t/acme/admins');
    expect(tenantHref('acme')).toBe('/t/acme');
    expect(sectionLabel('audit')).toBe('Audit');
  });

  it('mark the section of a page and of the pages below it', () => {
    expect(currentSection('/t/acme/configs', 'acme')).toBe('configs');
    expect(currentSection('/t/acme/configs/new', 'acme')).toBe('configs');
    expect(currentSection('/t/acme/configs/c_AAAAAAAAAAAAAAAAAAAAAA', 'acme')).toBe('configs');
    expect(currentSection('/t/acme/deployments', 'acme')).toBe('deployments');
    expect(currentSection('/t/acme/secrets', 'acme')).toBe('secrets');
    expect(currentSection('/t/acme/audit', 'acme')).toBe('audit');
    expect(currentSection('/t/acme/admins', 'acme')).toBe('admins');
  });

  it('mark nothing for another tenant or a look-alike path', () => {
    expect(currentSection('/t/acme-2/configs', 'acme')).toBeNull();
    expect(currentSection('/t/acme/configsx', 'acme')).toBeNull();
    expect(currentSection('/t/acme', 'acme')).toBeNull();
  });

  it('land a confirmed admin on the configurations and a pending one on their fingerprint', () => {
    expect(landingSection('confirmed')).toBe('configs');
    expect(landingSection('pending')).toBe('admins');
  });
});
