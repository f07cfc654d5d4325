import { describe, expect, it } from 'vitest';
import { CryptoError } from './errors';
import { archiveSecret, checkSecretsTransition, readStateSecrets, rotateSecret, secretDigest, secretsOfPath, type TTenantStateSecret } from './tenant-secrets';
import { readTenantState } from './tenant-state';

const D1 = 'A'.repeat(42) + 'A';
const D2 = 'B'.repeat(42) + 'A';
const read = (v: unknown) => readStateSecrets(v, 'invalid_input');
const state = (extra: Record<string, unknown>) => ({ typ: 'tenant-state', tenantId: 'acme', seq: 1, configs: [], recipients: [], iat: 1764300000, ...extra });

describe('readStateSecrets', () => {
  it('accepts a rotation and sorts by path, then id', () => {
    const list = read([
      { secretPath: 'ssn', tenantSecretId: 2, status: 'current' },
      { secretPath: 'email', tenantSecretId: 1, status: 'current', digest: D1 },
      { secretPath: 'ssn', tenantSecretId: 1, status: 'rotating', digest: D2 },
    ]);
    expect(list.map((s) => `${s.secretPath}:${s.tenantSecretId}:${s.status}`)).toEqual(['email:1:current', 'ssn:1:rotating', 'ssn:2:current']);
  });

  it.each([
    ['two current secrets on a path', [{ secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }, { secretPath: 'p', tenantSecretId: 2, status: 'current' }], /exactly one current/],
    ['no current secret on a path', [{ secretPath: 'p', tenantSecretId: 1, status: 'archived', digest: D1 }], /exactly one current/],
    ['an older id current', [{ secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }, { secretPath: 'p', tenantSecretId: 2, status: 'rotating', digest: D2 }], /must be its newest \(id 2\)/],
    ['an id listed twice', [{ secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }, { secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }], /listed twice/],
    ['an old secret without digest', [{ secretPath: 'p', tenantSecretId: 1, status: 'rotating' }, { secretPath: 'p', tenantSecretId: 2, status: 'current' }], /without a digest/],
    ['id 0', [{ secretPath: 'p', tenantSecretId: 0, status: 'current' }], /tenantSecretId/],
    ['a control character in the path', [{ secretPath: 'a\nb', tenantSecretId: 1, status: 'current' }], /printable/],
    ['an unknown status', [{ secretPath: 'p', tenantSecretId: 1, status: 'revoked' }], /"status"/],
    ['an extra member', [{ secretPath: 'p', tenantSecretId: 1, status: 'current', note: 'x' }], /unexpected or missing/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => read(value)).toThrow(message);
  });

  it('is optional in a tenant state and checked when present', () => {
    expect(readTenantState(state({})).secrets).toBeUndefined();
    expect(readTenantState(state({ secrets: undefined })).secrets).toBeUndefined();
    expect(readTenantState(state({ secrets: [{ secretPath: 'p', tenantSecretId: 3, status: 'current' }] })).secrets).toEqual([{ secretPath: 'p', tenantSecretId: 3, status: 'current' }]);
    expect(() => readTenantState(state({ secrets: [{ secretPath: 'p', tenantSecretId: 1, status: 'archived', digest: D1 }] }))).toThrow(CryptoError);
  });
});

describe('the tenant’s rules for a change', () => {
  const before: TTenantStateSecret[] = [
    { secretPath: 'p', tenantSecretId: 1, status: 'rotating', digest: D1 },
    { secretPath: 'p', tenantSecretId: 2, status: 'current' },
  ];

  it('an unlisted path has its implicit secret 1, current', () => {
    expect(secretsOfPath(undefined, 'email')).toEqual([{ secretPath: 'email', tenantSecretId: 1, status: 'current' }]);
    expect(secretsOfPath(before, 'p')).toHaveLength(2);
  });

  it('rotation pins the current secret, makes it rotating and adds the next id as current', () => {
    const next = rotateSecret(undefined, 'email', new Map([[1, D1]]));
    expect(next).toEqual([
      { secretPath: 'email', tenantSecretId: 1, status: 'rotating', digest: D1 },
      { secretPath: 'email', tenantSecretId: 2, status: 'current' },
    ]);
    expect(() => checkSecretsTransition(undefined, next)).not.toThrow();
    const again = rotateSecret(before, 'p', new Map([[2, D2]]));
    expect(again.map((s) => [s.tenantSecretId, s.status, s.digest])).toEqual([[1, 'rotating', D1], [2, 'rotating', D2], [3, 'current', undefined]]);
    expect(() => checkSecretsTransition(before, again)).not.toThrow();
  });

  it('refuses to rotate a current secret that no proxy has made', () => {
    expect(() => rotateSecret(before, 'p', new Map())).toThrow(/nothing to rotate/);
  });

  it('archives only a secret in rotation', () => {
    const archived = archiveSecret(before, 'p', 1);
    expect(archived[0]!.status).toBe('archived');
    expect(() => checkSecretsTransition(before, archived)).not.toThrow();
    expect(() => archiveSecret(before, 'p', 2)).toThrow(/Only a secret in rotation/);
  });

  it.each([
    ['an archived secret put back as current', [{ secretPath: 'p', tenantSecretId: 1, status: 'archived', digest: D1 }, { secretPath: 'p', tenantSecretId: 2, status: 'current' }], [{ secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }], /back to current|dropped/],
    ['a rotating secret made current again', before, [{ secretPath: 'p', tenantSecretId: 1, status: 'current', digest: D1 }, { secretPath: 'p', tenantSecretId: 2, status: 'archived', digest: D2 }], /back to current/],
    ['a secret dropped', before, [{ secretPath: 'p', tenantSecretId: 2, status: 'current' }], /dropped/],
    ['a pinned digest changed', before, [{ secretPath: 'p', tenantSecretId: 1, status: 'rotating', digest: D2 }, { secretPath: 'p', tenantSecretId: 2, status: 'current' }], /pinned to another/],
  ])('refuses %s', (_what, from, to, message) => {
    // `to` unread: some of these are not even valid states, and the transition check must not rely on that.
    expect(() => checkSecretsTransition(read(from), to as TTenantStateSecret[])).toThrow(message);
  });

  it('refuses a reused id on a listed path', () => {
    const from = read([{ secretPath: 'p', tenantSecretId: 3, status: 'current', digest: D1 }]);
    // A state that drops 3 and lists 2 fails twice over; the id rule alone:
    expect(() => checkSecretsTransition(from, read([...from.map((s) => ({ ...s, status: 'archived' as const })), { secretPath: 'p', tenantSecretId: 3, status: 'current' }]))).toThrow(/listed twice/);
    expect(() => checkSecretsTransition([{ secretPath: 'p', tenantSecretId: 3, status: 'rotating', digest: D1 }, { secretPath: 'p', tenantSecretId: 4, status: 'current' }], [{ secretPath: 'p', tenantSecretId: 3, status: 'rotating', digest: D1 }, { secretPath: 'p', tenantSecretId: 4, status: 'current' }, { secretPath: 'p', tenantSecretId: 2, status: 'current' }])).toThrow(/reuses an id/);
  });
});

describe('secretDigest', () => {
  it('pins the wrapped bytes and the configuration, as base64url SHA-256 of "kmsConfigId.wrapped"', async () => {
    // echo -n '7.AAEC' | openssl dgst -sha256 -binary | basenc --base64url
    expect(await secretDigest(7, 'AAEC')).toBe('NbE4-bKhdoU-f3vjDarzQZN__hCJc_GKHKyebdjPnDY');
    expect(await secretDigest(8, 'AAEC')).not.toBe(await secretDigest(7, 'AAEC'));
  });
});
