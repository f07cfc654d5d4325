// The queue-full policy every SIEM provider carries: configurations sealed
// before it existed still validate (and mean "drop"), the form offers it as an
// optional select whose options are exactly the schema's values, and a bad
// value gets one clear message at the field.
import { describe, expect, it } from 'vitest';
import { SIEM_QUEUE_FULL_POLICIES, siemQueueFullField, ZSiemQueueFull } from './common';
import { SIEM_PROVIDERS } from './siem';

const MESSAGE = 'Choose what the key proxies do when events back up: "drop" (drop and count them) or "refuse" (refuse key use).';

const problems = (schema: { safeParse(value: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown) =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

/** The example as a configuration sealed before the field existed would hold it. */
function withoutPolicy(example: unknown): Record<string, unknown> {
  const { onQueueFull: _ignored, ...rest } = example as Record<string, unknown>;
  return rest;
}

describe('ZSiemQueueFull', () => {
  it.each([
    ['absent', undefined, 'drop'],
    ['blank, as an untouched form select sends it', '', 'drop'],
    ['drop', 'drop', 'drop'],
    ['refuse', 'refuse', 'refuse'],
    ['refuse with stray spaces', ' refuse ', 'refuse'],
  ])('reads %s as %s', (_kind, value, expected) => {
    expect(ZSiemQueueFull.parse(value)).toBe(expected);
  });

  it.each([
    ['an unknown policy', 'block'],
    ['another case', 'DROP'],
    ['a boolean', true],
    ['a number', 1],
    ['null', null],
  ])('refuses %s with one clear message', (_kind, value) => {
    expect(problems(ZSiemQueueFull, value)).toEqual([{ path: [], message: MESSAGE }]);
  });

  it('is offered as an optional select whose options are exactly the values', () => {
    expect(siemQueueFullField).toMatchObject({ name: 'onQueueFull', input: 'select', required: false, secret: false, example: 'drop' });
    expect(siemQueueFullField.options?.map((option) => option.value)).toEqual(['drop', 'refuse']);
    expect(SIEM_QUEUE_FULL_POLICIES.map((option) => option.label)).toEqual([
      'Drop the oldest events and count them (key use continues)',
      'Refuse key use until the SIEM catches up',
    ]);
    expect(siemQueueFullField.help).toMatch(/drops the oldest waiting events and counts them.*refuses key use until the SIEM catches up/);
  });
});

describe.each(SIEM_PROVIDERS.map((provider) => [provider.id, provider] as const))('%s settings', (_id, provider) => {
  it('lists the policy last, both in the schema and in the form', () => {
    expect(provider.fields.at(-1)).toBe(siemQueueFullField);
    const shape = (provider.schema as unknown as { shape: Record<string, unknown> }).shape;
    expect(Object.keys(shape).at(-1)).toBe('onQueueFull');
  });

  it('still accepts a configuration sealed without the policy, reading it as drop', () => {
    const parsed = provider.schema.parse(withoutPolicy(provider.example)) as Record<string, unknown>;
    expect(parsed.onQueueFull).toBe('drop');
  });

  it('keeps refuse, and reports a bad value at the field only', () => {
    const base = withoutPolicy(provider.example);
    expect((provider.schema.parse({ ...base, onQueueFull: 'refuse' }) as Record<string, unknown>).onQueueFull).toBe('refuse');
    expect(problems(provider.schema, { ...base, onQueueFull: 'sometimes' })).toEqual([{ path: ['onQueueFull'], message: MESSAGE }]);
  });
});
