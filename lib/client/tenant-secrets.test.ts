// The deterministic-keys page's view of the secrets: the signed state decides
// what exists and its status; the broker's rows only add metadata, and a row
// whose recomputed digest is not the one pinned is flagged, never trusted.
import { describe, expect, it } from 'vitest';
import { secretDigest, type TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import type { TTenantSecretListingRow } from '@/lib/schemas/tenant-secret-listing';
import { checkSecretRows, mergeSecrets, nextSecrets, pinsOf } from './tenant-secrets';

const row = (secretPath: string, tenantSecretId: number, wrapped: string, kmsConfigId = 7): TTenantSecretListingRow => ({
  secretPath,
  tenantSecretId,
  kmsConfigId,
  wrapped,
  // The broker's digest: deliberately wrong, so that a test passes only if it is ignored.
  digest: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: '2026-12-07T10:00:00.000Z',
  createdByDeploymentName: 'eu-proxies',
});
const labelOf = (id: number) => (id === 7 ? 'AWS eu-west-1' : null);
const state = (secrets?: TTenantStateSecret[]) => ({ secrets }) as TTenantState;

describe('mergeSecrets', () => {
  it('shows nothing when neither the state nor the broker has a secret', async () => {
    expect(mergeSecrets(undefined, await checkSecretRows([]), labelOf)).toEqual([]);
  });

  it('shows a path the state does not list as its implicit secret 1, current, with the broker’s metadata', async () => {
    const [path] = mergeSecrets(undefined, await checkSecretRows([row('users.email', 1, 'd3JhcHBlZC0x')]), labelOf);
    expect(path).toMatchObject({ secretPath: 'users.email', canRotate: true });
    expect(path!.secrets).toEqual([
      { tenantSecretId: 1, status: 'current', isMade: true, kmsConfigId: 7, configLabel: 'AWS eu-west-1', createdAt: '2026-12-07T10:00:00.000Z', createdBy: 'eu-proxies', problem: null },
    ]);
  });

  it('lists a rotation newest first, with the new secret not made yet and no rotation until it is', async () => {
    const rows = await checkSecretRows([row('p', 1, 'd3JhcHBlZC0x', 3)]);
    const digest = rows[0]!.computedDigest;
    const [path] = mergeSecrets(
      [
        { secretPath: 'p', tenantSecretId: 1, status: 'rotating', digest },
        { secretPath: 'p', tenantSecretId: 2, status: 'current' },
      ],
      rows,
      labelOf,
    );
    expect(path!.secrets.map((s) => [s.tenantSecretId, s.status, s.isMade, s.problem])).toEqual([
      [2, 'current', false, null],
      [1, 'rotating', true, null],
    ]);
    expect(path!.secrets[1]!.configLabel).toBeNull();
    expect(path!.canRotate).toBe(false);
  });

  it('flags a stored secret that is not the one the state pins, and one the broker lost, and refuses to rotate from them', async () => {
    const pinned = await secretDigest(7, 'b3JpZ2luYWw');
    const [path] = mergeSecrets(
      [
        { secretPath: 'p', tenantSecretId: 1, status: 'archived', digest: pinned },
        { secretPath: 'p', tenantSecretId: 2, status: 'current', digest: pinned },
      ],
      await checkSecretRows([row('p', 2, 'c3dhcHBlZA')]),
      labelOf,
    );
    expect(path!.secrets[0]!.problem).toMatch(/not the secret your signed state pins/);
    expect(path!.secrets[1]!.problem).toMatch(/no longer has this secret/);
    expect(path!.canRotate).toBe(false);
  });

  it('leaves out a stored secret the state does not list', async () => {
    const [path] = mergeSecrets(undefined, await checkSecretRows([row('p', 1, 'b25l'), row('p', 5, 'Zml2ZQ')]), labelOf);
    expect(path!.secrets.map((s) => s.tenantSecretId)).toEqual([1]);
  });
});

describe('nextSecrets', () => {
  it('rotates with the digest computed in the browser, never the broker’s', async () => {
    const rows = await checkSecretRows([row('p', 1, 'd3JhcHBlZC0x')]);
    const next = nextSecrets(state(undefined), rows, { type: 'rotate', secretPath: 'p' });
    expect(next).toEqual([
      { secretPath: 'p', tenantSecretId: 1, status: 'rotating', digest: await secretDigest(7, 'd3JhcHBlZC0x') },
      { secretPath: 'p', tenantSecretId: 2, status: 'current' },
    ]);
    expect(pinsOf(rows, 'other').size).toBe(0);
  });

  it('refuses to rotate a path whose current secret no proxy has made', async () => {
    expect(() => nextSecrets(state(undefined), [], { type: 'rotate', secretPath: 'p' })).toThrow(/nothing to rotate/);
  });

  it('archives a secret in rotation and nothing else', async () => {
    const digest = await secretDigest(7, 'd3JhcHBlZC0x');
    const before: TTenantStateSecret[] = [
      { secretPath: 'p', tenantSecretId: 1, status: 'rotating', digest },
      { secretPath: 'p', tenantSecretId: 2, status: 'current' },
    ];
    expect(nextSecrets(state(before), [], { type: 'archive', secretPath: 'p', tenantSecretId: 1 })[0]).toEqual({ ...before[0], status: 'archived' });
    expect(() => nextSecrets(state(before), [], { type: 'archive', secretPath: 'p', tenantSecretId: 2 })).toThrow(/Only a secret in rotation/);
  });
});
