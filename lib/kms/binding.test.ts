// The canonical binding forms every KMS driver binds (binding.ts). Pure
// functions: no KMS and no double. A tenant alone must give exactly the forms
// the drivers bound before context existed, or older EDEKs would stop opening.
import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { bindKey, openKeyBinding } from './azure-key-vault-envelope';
import { bindingJson, bindingPairs, bindingRecord, bindingText, hasContext, MAX_CONTEXT_PAIRS } from './binding';
import type { TKmsBinding } from './types';

const secretBinding: TKmsBinding = { tenantId: 'acme', context: { tenantSecretId: '1', secretPath: 'ssn' } };

/** A KmsError with `code`, whose message names no value of the binding. */
const refused = (code: string) => expect.objectContaining({ name: 'KmsError', code, message: expect.not.stringMatching(/SSSS|NNNN|other/) as unknown });

describe('binding forms', () => {
  it('a tenant alone (no context, or an empty one) gives the forms of before', () => {
    for (const binding of [{ tenantId: 'acme' }, { tenantId: 'acme', context: {} }]) {
      expect(hasContext(binding)).toBe(false);
      expect(bindingPairs(binding, 'kms_wrap_failed')).toEqual([['tenantId', 'acme']]);
      expect(bindingRecord(binding, 'kms_wrap_failed')).toEqual({ tenantId: 'acme' });
      expect(bindingJson(binding, 'kms_wrap_failed')).toBe(JSON.stringify({ tenantId: 'acme' }));
      expect(bindingText(binding, 'kms_wrap_failed')).toBe('acme');
    }
  });

  it('with context: the tenant first, then the pairs sorted by name, whatever their order', () => {
    expect(hasContext(secretBinding)).toBe(true);
    expect(bindingPairs(secretBinding, 'kms_wrap_failed')).toEqual([
      ['tenantId', 'acme'],
      ['secretPath', 'ssn'],
      ['tenantSecretId', '1'],
    ]);
    const json = '{"tenantId":"acme","secretPath":"ssn","tenantSecretId":"1"}';
    expect(bindingJson(secretBinding, 'kms_wrap_failed')).toBe(json);
    expect(bindingText(secretBinding, 'kms_wrap_failed')).toBe(json);
    expect(bindingRecord(secretBinding, 'kms_wrap_failed')).toEqual({ tenantId: 'acme', secretPath: 'ssn', tenantSecretId: '1' });
    // Integer-like names stay in sorted place (a JS object would move them first), and values are JSON-escaped.
    expect(bindingJson({ tenantId: 'acme', context: { b: 'x"y', '2': 'z' } }, 'kms_wrap_failed')).toBe('{"tenantId":"acme","2":"z","b":"x\\"y"}');
  });

  it('refuses a binding no driver can bind, with the operation’s code and no value in the message', () => {
    const bad: unknown[] = [
      { tenantId: '' },
      {},
      { tenantId: 'acme', context: { tenantId: 'other' } },
      { tenantId: 'acme', context: { secretPath: 7 } },
      { tenantId: 'acme', context: { secretPath: '' } },
      { tenantId: 'acme', context: { '': 'ssn' } },
      { tenantId: 'acme', context: { secretPath: 'S'.repeat(257) } },
      { tenantId: 'acme', context: { ['N'.repeat(257)]: 'ssn' } },
      { tenantId: 'acme', context: Object.fromEntries(Array.from({ length: MAX_CONTEXT_PAIRS + 1 }, (_, i) => [`k${i}`, 'v'])) },
      { tenantId: 'acme', context: ['ssn'] },
      { tenantId: 'acme', context: null },
    ];
    for (const binding of bad) {
      expect(() => bindingJson(binding as TKmsBinding, 'kms_unwrap_failed')).toThrow(refused('kms_unwrap_failed'));
      expect(() => bindingJson(binding as TKmsBinding, 'kms_unwrap_failed')).toThrow(/^No tenant to bind the key to/);
    }
    expect(bindingText({ tenantId: 'acme', context: { secretPath: 'S'.repeat(256) } }, 'kms_wrap_failed')).toContain('S'.repeat(256));
  });
});

describe('Azure Key Vault binding inside the RSA plaintext', () => {
  const dek = Uint8Array.from({ length: 32 }, (_, i) => i);
  const secret = Uint8Array.from({ length: 64 }, (_, i) => 200 - i);

  it('a tenant alone: DEK ‖ SHA-256("cmk-tsp azure tenant\\0" ‖ tenantId), as before', () => {
    const digest = createHash('sha256').update('cmk-tsp azure tenant\0acme').digest();
    expect(Buffer.from(bindKey(dek, { tenantId: 'acme' }))).toEqual(Buffer.concat([dek, digest]));
  });

  it('with context: the digest of the canonical JSON under its own label; fits RSA 2048 with a 64-byte secret', () => {
    const bound = bindKey(secret, secretBinding);
    const digest = createHash('sha256').update('cmk-tsp azure binding\0{"tenantId":"acme","secretPath":"ssn","tenantSecretId":"1"}').digest();
    expect(Buffer.from(bound)).toEqual(Buffer.concat([secret, digest]));
    expect(bound.length).toBeLessThanOrEqual(190);
    expect(openKeyBinding(bound, { tenantId: 'acme', context: { secretPath: 'ssn', tenantSecretId: '1' } })).toEqual(secret);
    for (const other of [{ tenantId: 'acme' }, { tenantId: 'acme', context: { secretPath: 'ssn', tenantSecretId: '2' } }]) {
      expect(() => openKeyBinding(bound, other)).toThrow(refused('kms_unwrap_failed'));
    }
  });
});
