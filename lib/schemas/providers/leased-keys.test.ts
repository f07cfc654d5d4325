// The leased-key lifetime every KMS provider carries (TSP.md "Leased keys"):
// off unless chosen, one of the offered lifetimes from 1 minute to 24 hours,
// configurations sealed before the field existed still validate (and mean
// off), and a bad value gets one clear message at the field.
import { describe, expect, it } from 'vitest';
import { LEASED_KEY_LIFETIMES, leasedKeyLifetimeField, leasedKeyLifetimeLabel, leasedKeyLifetimeSeconds, leasedKeyWarning, MAX_LEASED_KEY_LIFETIME_S, MIN_LEASED_KEY_LIFETIME_S, ZLeasedKeyLifetime } from './common';
import { KMS_PROVIDERS } from './kms';

const problems = (schema: { safeParse(value: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown) =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

describe('ZLeasedKeyLifetime', () => {
  it.each([
    ['absent', undefined, undefined],
    ['blank, as an untouched form select sends it', '', undefined],
    ['1 minute', '60', '60'],
    ['24 hours with stray spaces', ' 86400 ', '86400'],
  ])('reads %s', (_kind, value, expected) => {
    expect(ZLeasedKeyLifetime.parse(value)).toBe(expected);
  });

  it.each([
    ['a lifetime not offered', '61'],
    ['more than 24 hours', '172800'],
    ['zero', '0'],
    ['a unit', '1h'],
    ['a number, not text', 3600],
    ['null', null],
  ])('refuses %s with one clear message', (_kind, value) => {
    const found = problems(ZLeasedKeyLifetime, value);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/^Choose a lifetime for leased keys \(1 minute, .*24 hours\), or leave it empty to keep leasing off\.$/);
  });

  it('offers 1 minute to 24 hours, in order, each a whole number of seconds', () => {
    const seconds = LEASED_KEY_LIFETIMES.map((l) => Number(l.value));
    expect(seconds[0]).toBe(MIN_LEASED_KEY_LIFETIME_S);
    expect(seconds.at(-1)).toBe(MAX_LEASED_KEY_LIFETIME_S);
    expect([...seconds].sort((a, b) => a - b)).toEqual(seconds);
    expect(seconds.every(Number.isInteger)).toBe(true);
  });

  it('turns settings into seconds, and anything else into off', () => {
    expect(leasedKeyLifetimeSeconds({ leasedKeyLifetime: '900' })).toBe(900);
    expect(leasedKeyLifetimeSeconds({})).toBeUndefined();
    expect(leasedKeyLifetimeSeconds({ leasedKeyLifetime: '61' })).toBeUndefined();
    expect(leasedKeyLifetimeSeconds(null)).toBeUndefined();
    expect(leasedKeyLifetimeLabel('3600')).toBe('1 hour');
    expect(leasedKeyLifetimeLabel(undefined)).toBeUndefined();
  });

  it('warns in plain words that a key disabled in the KMS keeps working for the lifetime, and that disabling here stops it at once', () => {
    const text = leasedKeyWarning('4 hours');
    expect(text).toContain('keeps working for up to 4 hours');
    expect(text).toContain('Disabling this configuration here stops it at once.');
  });
});

describe.each(KMS_PROVIDERS.map((p) => [p.label, p] as const))('%s', (_label, provider) => {
  it('lists the leased-key lifetime last, optional, as a select of exactly the schema values', () => {
    expect(provider.fields.at(-1)).toBe(leasedKeyLifetimeField);
    expect(leasedKeyLifetimeField.required).toBe(false);
    expect(leasedKeyLifetimeField.options).toBe(LEASED_KEY_LIFETIMES);
  });

  it('keeps a lifetime through its settings schema, and reads a configuration sealed before the field as off', () => {
    const example = provider.example as Record<string, unknown>;
    expect((provider.schema.parse({ ...example, leasedKeyLifetime: '3600' }) as Record<string, unknown>).leasedKeyLifetime).toBe('3600');
    const { leasedKeyLifetime: _none, ...before } = example;
    expect((provider.schema.parse(before) as Record<string, unknown>).leasedKeyLifetime).toBeUndefined();
    expect(problems(provider.schema, { ...example, leasedKeyLifetime: '7' }).map((p) => p.path)).toEqual([['leasedKeyLifetime']]);
  });
});
