// Operator console inputs: environment slugs, the vendor's tenant ids and record ids.
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- test-only: the ids the server makes must pass ZId
import { newId, type IdPrefix } from '@/lib/server/ids';
import { ZDisplayName, ZEnvironmentSlug, ZId, ZNewTenant, ZTenantExternalId } from './operator';

type Schema = { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } };
const messages = (schema: Schema, value: unknown) => schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

const SLUG_MESSAGE = 'Use 1–32 lower-case letters, digits and dashes, like prod-eu.';
const EXTERNAL_ID_MESSAGE = 'Use 1–64 lower-case letters, digits, dots, dashes and underscores, starting and ending with a letter or digit.';

describe('ZEnvironmentSlug', () => {
  it.each([['a'], ['7'], ['prod-eu'], ['prod-eu-2'], ['eu--west'], ['a'.repeat(32)], [`a${'-'.repeat(30)}z`]])('accepts %j', (slug) => {
    expect(ZEnvironmentSlug.parse(slug)).toBe(slug);
  });

  it('trims surrounding space', () => {
    expect(ZEnvironmentSlug.parse('  staging \t')).toBe('staging');
  });

  it.each([
    [''],
    ['   '],
    ['Prod'],
    ['PROD-EU'],
    ['-prod'],
    ['prod-'],
    ['-'],
    ['prod_eu'],
    ['prod.eu'],
    ['prod eu'],
    ['prød'],
    ['prod/eu'],
    ['a'.repeat(33)],
  ])('refuses %j with the slug message', (slug) => {
    expect(messages(ZEnvironmentSlug, slug)).toEqual([SLUG_MESSAGE]);
  });
});

describe('ZTenantExternalId', () => {
  it.each([['a'], ['1'], ['acme'], ['acme.corp'], ['acme_corp-1'], ['a.b_c-d'], ['x'.repeat(64)], ['4711']])('accepts %j', (id) => {
    expect(ZTenantExternalId.parse(id)).toBe(id);
  });

  it('trims surrounding space', () => {
    expect(ZTenantExternalId.parse(' acme ')).toBe('acme');
  });

  it.each([
    [''],
    ['Acme'],
    ['.acme'],
    ['acme.'],
    ['_acme'],
    ['acme-'],
    ['acme corp'],
    ['acme/eu'],
    ['acmé'],
    ['acme:1'],
    ['x'.repeat(65)],
  ])('refuses %j with the external-id message', (id) => {
    expect(messages(ZTenantExternalId, id)).toEqual([EXTERNAL_ID_MESSAGE]);
  });
});

describe('ZId', () => {
  const tail = 'AbCdEf0123_-xyzQ';

  it('accepts every kind of id the server makes', () => {
    const prefixes: IdPrefix[] = ['usr', 'ses', 'ten', 'adm', 'inv', 'env', 'kit', 'mfa', 'mail'];
    for (const prefix of prefixes) {
      for (let i = 0; i < 20; i++) {
        const id = newId(prefix);
        expect(ZId.safeParse(id).success, id).toBe(true);
      }
    }
  });

  it.each([[`us_${tail}`], [`usr_${tail}`], [`mail_${tail}`]])('accepts %j', (id) => {
    expect(ZId.parse(id)).toBe(id);
  });

  it.each([
    [''],
    [tail],
    [`u_${tail}`],
    [`users_${tail}`],
    [`USR_${tail}`],
    [`usr-${tail}`],
    [`usr_${tail.slice(1)}`],
    [`usr_${tail}A`],
    [`usr_${tail.slice(1)}$`],
    [`usr_${tail.slice(1)}=`],
    [` usr_${tail}`],
    [`us1_${tail}`],
  ])('refuses %j', (id) => {
    expect(messages(ZId, id)).toEqual(['Not a valid id.']);
  });
});

describe('ZDisplayName and ZNewTenant', () => {
  it('trims names and refuses empty, long and control-character names', () => {
    expect(ZDisplayName.parse('  Acme Corp ')).toBe('Acme Corp');
    expect(messages(ZDisplayName, '   ')).toEqual(['Enter a name.']);
    expect(messages(ZDisplayName, 'x'.repeat(101))).toEqual(['Use at most 100 characters.']);
    expect(messages(ZDisplayName, 'Acme\u0000Corp')).toEqual(['Control characters are not allowed.']);
    expect(messages(ZDisplayName, 'Acme\u007fCorp')).toEqual(['Control characters are not allowed.']);
  });

  it('normalises a new tenant and names each bad field', () => {
    expect(ZNewTenant.parse({ externalId: ' acme ', displayName: ' Acme ', environmentId: 'env_1', adminEmail: ' Admin@Acme.Example ' })).toEqual({
      externalId: 'acme',
      displayName: 'Acme',
      environmentId: 'env_1',
      adminEmail: 'admin@acme.example',
    });
    const result = ZNewTenant.safeParse({ externalId: 'Acme', displayName: 'Acme', environmentId: '', adminEmail: 'nope' });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['adminEmail', 'environmentId', 'externalId']);
  });
});
