import { describe, expect, it } from 'vitest';
import { detailEntries, detailsPreview, targetTypeLabel, wrapSegments } from './audit-format';

describe('wrapSegments', () => {
  it('splits an email before its dots, @ and hyphens, never inside a word', () => {
    expect(wrapSegments('first.admin@audit-walk.example')).toEqual(['first', '.admin', '@audit', '-walk', '.example']);
    expect(wrapSegments('plain')).toEqual(['plain']);
    expect(wrapSegments('.hidden')).toEqual(['.hidden']);
    expect(wrapSegments('')).toEqual([]);
  });

  it('keeps short pieces with their neighbours, and every character', () => {
    expect(wrapSegments('usr_BQVOB9Sr8IRFCAbf')).toEqual(['usr_BQVOB9Sr8IRFCAbf']);
    expect(wrapSegments('ops@vendor.example')).toEqual(['ops@vendor', '.example']);
    expect(wrapSegments('alice@example.io')).toEqual(['alice', '@example.io']);
    expect(wrapSegments('a.b')).toEqual(['a.b']);
    for (const text of ['cfg_01HZX/a+b', 'x-y-z.example', 'first.administrator.of.audit-walk@audit-walk-department.example']) expect(wrapSegments(text).join('')).toBe(text);
  });
});

describe('detailEntries', () => {
  it('lists every detail, flattening nested values into paths', () => {
    const details = {
      seq: 4,
      configId: 'cfg_1',
      kinds: ['kms', 'siem'],
      errors: [{ configId: 'cfg_1', code: 'kms_denied' }, { configId: 'cfg_2', code: 'timeout' }],
      retired: false,
      previous: null,
      changed: {},
      none: [],
      note: '',
    };
    expect(detailEntries(details)).toEqual([
      { key: 'seq', value: '4' },
      { key: 'configId', value: 'cfg_1' },
      { key: 'kinds', value: 'kms, siem' },
      { key: 'errors[0].configId', value: 'cfg_1' },
      { key: 'errors[0].code', value: 'kms_denied' },
      { key: 'errors[1].configId', value: 'cfg_2' },
      { key: 'errors[1].code', value: 'timeout' },
      { key: 'retired', value: 'false' },
      { key: 'previous', value: '—' },
      { key: 'changed', value: 'none' },
      { key: 'none', value: 'none' },
      { key: 'note', value: '(empty)' },
    ]);
  });

  it('has nothing for absent or empty details, and names a bare value', () => {
    expect(detailEntries(null)).toEqual([]);
    expect(detailEntries(undefined)).toEqual([]);
    expect(detailEntries({})).toEqual([]);
    expect(detailEntries('odd')).toEqual([{ key: 'details', value: 'odd' }]);
  });
});

describe('detailsPreview', () => {
  it('shows the first two details and cuts a long line', () => {
    const entries = detailEntries({ status: 'suspended', previousStatus: 'active', extra: 1 });
    expect(detailsPreview(entries)).toBe('status: suspended · previousStatus: active');
    expect(detailsPreview(detailEntries({ a: 'x'.repeat(200) }), 20)).toBe(`a: ${'x'.repeat(16)}…`);
    expect(detailsPreview([])).toBe('');
  });
});

describe('targetTypeLabel', () => {
  it('names the known target types and keeps an unknown one', () => {
    expect(targetTypeLabel('config')).toBe('Configuration');
    expect(targetTypeLabel('deployment')).toBe('Proxy deployment');
    expect(targetTypeLabel('something_new')).toBe('something_new');
  });
});
