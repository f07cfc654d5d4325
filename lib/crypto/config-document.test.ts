import { describe, expect, it } from 'vitest';

import { newConfigId, readConfigDocument, type TConfigDocument } from './config-document';
import { CryptoError } from './errors';

const DOC: TConfigDocument = {
  typ: 'kms',
  tenantId: 'acme',
  configId: 'c_AAAAAAAAAAAAAAAAAAAAAA',
  version: 3,
  provider: 'aws-kms',
  settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/x', nested: { list: [1, 'two', null, true] } },
  iat: 1764300000,
};

function expectInvalid(value: unknown) {
  let error: unknown;
  try {
    readConfigDocument(value);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe('invalid_input');
}

const withMember = (change: Record<string, unknown>) => ({ ...DOC, ...change });

describe('newConfigId', () => {
  it('is c_ + 22 base64url characters, fresh every time, and accepted by the reader', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const id = newConfigId();
      expect(id).toMatch(/^c_[A-Za-z0-9_-]{22}$/);
      expect(readConfigDocument(withMember({ configId: id })).configId).toBe(id);
      ids.add(id);
    }
    expect(ids.size).toBe(50);
  });
});

describe('readConfigDocument', () => {
  it('accepts a well-formed document and returns an equal, detached copy', () => {
    const input = structuredClone(DOC);
    const read = readConfigDocument(input);
    expect(read).toEqual(DOC);
    expect(read).not.toBe(input);
    (input.settings.nested as { list: unknown[] }).list.push('later');
    expect(read.settings).toEqual(DOC.settings);
    expect(readConfigDocument(withMember({ typ: 'siem', version: 1, iat: 0, settings: {} }))).toMatchObject({
      typ: 'siem',
    });
  });

  it('refuses non-objects, missing and extra members', () => {
    for (const value of [null, 'x', 1, [], undefined]) expectInvalid(value);
    for (const member of Object.keys(DOC)) {
      const copy: Record<string, unknown> = { ...DOC };
      delete copy[member];
      expectInvalid(copy);
    }
    expectInvalid(withMember({ label: 'extra' }));
  });

  it('checks typ, tenantId, configId and provider', () => {
    for (const typ of ['KMS', 'hsm', '', 1]) expectInvalid(withMember({ typ }));
    for (const tenantId of ['', 1, null, 'a'.repeat(257), '\ud800']) expectInvalid(withMember({ tenantId }));
    for (const configId of [
      'c_' + 'A'.repeat(15),
      'c_' + 'A'.repeat(33),
      'd_AAAAAAAAAAAAAAAAAAAAAA',
      'c_AAAAAAAAAAAAAAAAAAAA+/',
      'c_AAAAAAAAAAAAAAAAAAAAA=',
      1,
    ]) {
      expectInvalid(withMember({ configId }));
    }
    expect(readConfigDocument(withMember({ configId: 'c_' + 'A'.repeat(16) })).configId).toHaveLength(18);
    expect(readConfigDocument(withMember({ configId: 'c_' + 'A'.repeat(32) })).configId).toHaveLength(34);
    for (const provider of ['', 'AWS-KMS', '-kms', 'aws kms', 'a'.repeat(65), 1]) expectInvalid(withMember({ provider }));
  });

  it('needs a positive integer version and whole-second iat', () => {
    for (const version of [0, -1, 1.5, '3', Number.NaN, 2 ** 31, null]) expectInvalid(withMember({ version }));
    expect(readConfigDocument(withMember({ version: 2 ** 31 - 1 })).version).toBe(2 ** 31 - 1);
    for (const iat of [-1, 1.5, '1764300000', 1764300000123 * 1000, Infinity]) expectInvalid(withMember({ iat }));
  });

  it('needs settings to be plain JSON', () => {
    class Settings {
      a = 1;
    }
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 40; i++) {
      const next: Record<string, unknown> = {};
      cursor.n = next;
      cursor = next;
    }
    for (const settings of [
      null,
      [],
      'x',
      new Settings(),
      { a: undefined },
      { a: Number.NaN },
      { a: Infinity },
      { a: () => 1 },
      { a: new Date(0) },
      { a: new Map() },
      { a: [1, , 3] },
      { a: '\udc00' },
      deep,
    ]) {
      expectInvalid(withMember({ settings }));
    }
    expect(readConfigDocument(withMember({ settings: Object.assign(Object.create(null), { a: 1 }) })).settings).toEqual({
      a: 1,
    });
  });
});
