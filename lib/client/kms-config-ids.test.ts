// The browser's next tenant state and kmsConfigIds (lib/client/configs.ts
// signNext, used by every change, approval and deletion): ids carried from the
// verified state, missing ones given above the highest ever given — the
// broker's record or what this browser saw, whichever is higher — so a
// deleted configuration's id never comes back. localStorage is an in-memory
// stand-in (Node has none).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { newConfigId } from '@/lib/crypto/config-document';
import { generateTenantKeys, importTenantKeys } from '@/lib/crypto/tenant-keys';
import { verifyTenantState, type TTenantState, type TTenantStateConfig } from '@/lib/crypto/tenant-state';
import type { JWK } from 'jose';
import { highestGivenKmsConfigId, rememberState, seenKmsConfigId, signNext, type TTenantContext } from './configs';

const T = 'acme';
let ctx: TTenantContext;
let publicJwk: JWK;

beforeAll(async () => {
  const pairs = await generateTenantKeys();
  const keys = await importTenantKeys({ encryption: pairs.encryption.privateJwk, signing: pairs.signing.privateJwk });
  publicJwk = pairs.signing.publicJwk;
  // signNext uses the signing key and the tenant id only.
  ctx = { tenantId: T, keys: { signingKey: keys.signingKey, signingKid: keys.signingKid }, info: {} } as unknown as TTenantContext;
});

beforeEach(() => {
  const items = new Map<string, string>();
  vi.stubGlobal('localStorage', { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, String(v)) });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const entry = (change: Partial<TTenantStateConfig> = {}): TTenantStateConfig => ({ configId: newConfigId(), kind: 'kms', version: 1, status: 'active', primary: false, digest: 'A'.repeat(43), ...change });
const stateOf = (seq: number, configs: TTenantStateConfig[]): TTenantState => ({ typ: 'tenant-state', tenantId: T, seq, configs, recipients: [], iat: 1764300000 });
const signedIds = async (jws: string) => (await verifyTenantState(jws, publicJwk, { tenantId: T })).configs.map((c) => c.kmsConfigId ?? null);

describe('signNext and kmsConfigIds', () => {
  it('keeps the ids of the verified state and gives a new KMS configuration the next one (not a SIEM one)', async () => {
    const a = entry({ kmsConfigId: 1, primary: true });
    const previous = stateOf(3, [a, entry({ kind: 'siem' })]);
    // An edit rebuilds the entry without its id (saveConfig does): it is carried anyway.
    const { kmsConfigId: _, ...edited } = { ...a, version: 2 };
    const jws = await signNext(ctx, { kmsConfigIdMax: 1 }, previous, [edited, previous.configs[1] as TTenantStateConfig, entry()]);
    expect(await signedIds(jws)).toEqual([1, null, 2]);
  });

  it('gives existing configurations theirs on the tenant’s next change after a state signed without ids', async () => {
    const [x, y] = [entry({ primary: true }), entry()];
    const previous = stateOf(9, [x, y]);
    const jws = await signNext(ctx, { kmsConfigIdMax: 0 }, previous, previous.configs.map((c) => ({ ...c })));
    const byConfig = [x, y].map((c) => c.configId).sort();
    expect(await signedIds(jws)).toEqual([x, y].map((c) => byConfig.indexOf(c.configId) + 1));
  });

  it('never reuses the id of a configuration deleted since: the broker’s record, or this browser’s memory when the broker forgets', async () => {
    const previous = stateOf(5, [entry({ kmsConfigId: 1, primary: true })]);
    // Configurations 2 and 3 were deleted; the broker remembers 3.
    expect(await signedIds(await signNext(ctx, { kmsConfigIdMax: 3 }, previous, [...previous.configs, entry()]))).toEqual([1, 4]);
    // A broker that lost (or hides) its record: this browser saw 6 in a verified state.
    rememberState(stateOf(4, [entry({ kmsConfigId: 6 })]));
    expect(seenKmsConfigId(T)).toBe(6);
    expect(highestGivenKmsConfigId(T, { kmsConfigIdMax: 0 })).toBe(6);
    expect(await signedIds(await signNext(ctx, { kmsConfigIdMax: 0 }, previous, [...previous.configs, entry()]))).toEqual([1, 7]);
    // An older state seen later does not lower what was seen; a nonsense record counts as none.
    rememberState(stateOf(8, [entry({ kmsConfigId: 2 })]));
    expect(highestGivenKmsConfigId(T, { kmsConfigIdMax: -5 })).toBe(6);
  });
});
