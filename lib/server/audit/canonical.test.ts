import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, type TAuditHashedFields } from './canonical';

const event: TAuditHashedFields = {
  id: 'aud_1',
  vendorSeq: 1,
  tenantExternalId: 'initech',
  tenantSeq: 1,
  actorType: 'user',
  actorId: 'usr_1',
  actorLabel: 'admin@initech.example',
  action: 'config.create',
  targetType: 'config',
  targetId: 'cfg_1',
  outcome: 'success',
  ip: '203.0.113.7',
  userAgent: 'test',
  requestId: 'req-12345678',
  at: '2026-11-28T22:00:00.000Z',
  details: { kind: 'kms', version: 1 },
};

describe('canonicalJson', () => {
  it('sorts members at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('sorts by UTF-16 code units and escapes as JSON.stringify does', () => {
    // "é" (U+00E9) sorts after "z"; the emoji's surrogate pair (U+D83D…) sorts after U+00E9 but before U+FFFD.
    expect(canonicalJson({ '\ufffd': 1, '😀': 2, é: 3, z: 4 })).toBe('{"z":4,"é":3,"😀":2,"\ufffd":1}');
    expect(canonicalJson('line\nbreak "quoted" \u0001')).toBe('"line\\nbreak \\"quoted\\" \\u0001"');
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
  });

  it('writes numbers as ECMAScript does (RFC 8785)', () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.000001, 1e-7, 123.456])).toBe('[1,0,1e+21,0.000001,1e-7,123.456]');
  });

  it('drops undefined members and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Infinity)).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson(1n)).toThrow(TypeError);
    expect(() => canonicalJson(new Date())).toThrow(TypeError);
  });
});

describe('eventHash', () => {
  it('is base64url SHA-256, stable, and independent of property order', () => {
    const hash = eventHash(null, event);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as TAuditHashedFields;
    expect(eventHash(null, reordered)).toBe(hash);
    expect(eventHash(null, { ...event, details: { version: 1, kind: 'kms' } })).toBe(hash);
  });

  it('changes when the previous hash or any field changes', () => {
    const hash = eventHash('prev', event);
    expect(eventHash(null, event)).not.toBe(hash);
    expect(eventHash('prev2', event)).not.toBe(hash);
    const changed: Record<keyof TAuditHashedFields, unknown> = {
      id: 'aud_2',
      vendorSeq: 2,
      tenantExternalId: null,
      tenantSeq: null,
      actorType: 'operator',
      actorId: 'usr_2',
      actorLabel: 'other@example.com',
      action: 'config.delete',
      targetType: 'deployment',
      targetId: 'cfg_2',
      outcome: 'failure',
      ip: '203.0.113.8',
      userAgent: 'other',
      requestId: 'req-87654321',
      at: '2026-11-28T22:00:00.001Z',
      details: { kind: 'kms', version: 2 },
    };
    for (const [key, value] of Object.entries(changed)) {
      expect(eventHash('prev', { ...event, [key]: value }), key).not.toBe(hash);
    }
  });

  it('ignores properties that are not hashed fields', () => {
    expect(eventHash('p', { ...event, hash: 'x', prevHash: 'y' } as TAuditHashedFields)).toBe(eventHash('p', event));
  });
});
