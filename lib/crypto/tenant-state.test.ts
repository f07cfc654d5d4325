import { CompactSign, decodeProtectedHeader, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { newConfigId } from './config-document';
import { base64urlDecode, base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { resolveVerifyKey } from './es256-jws';
import { generateTenantKeys, importTenantKeys, type TImportedTenantKeys, type TTenantKeyPairs } from './tenant-keys';
import {
  decodeTenantStateUnverified,
  readTenantState,
  signTenantState,
  verifyTenantState,
  type TTenantState,
  type TTenantStateConfig,
} from './tenant-state';

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
  if (message) expect((error as CryptoError).message).toMatch(message);
}

function expectCode(fn: () => unknown, code: TCryptoErrorCode, message?: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
  if (message) expect((error as CryptoError).message).toMatch(message);
}

const digestOf = () => base64urlEncode(randomBytes(32));
const encodeJson = (value: unknown) => base64urlEncode(utf8(JSON.stringify(value)));

function config(change: Partial<TTenantStateConfig> = {}): TTenantStateConfig {
  return { configId: newConfigId(), kind: 'kms', version: 1, status: 'active', primary: false, digest: digestOf(), ...change };
}

let tenant: TTenantKeyPairs;
let keys: TImportedTenantKeys;
let other: TImportedTenantKeys;
let otherPublic: JWK;
let state: TTenantState;

// A statement really signed by a key, with whatever header and payload a test needs.
async function signRaw(payload: unknown, header: Record<string, unknown>, signingKey = keys.signingKey): Promise<string> {
  return new CompactSign(utf8(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', ...header }).sign(signingKey);
}

const verify = (jws: string, expected: { tenantId: string; minSeq?: number } = { tenantId: 'acme' }) =>
  verifyTenantState(jws, tenant.signing.publicJwk, expected);

async function tenantVerifyKey(extractable: boolean): Promise<CryptoKey> {
  const { kty, crv, x, y } = tenant.signing.publicJwk;
  return crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, extractable, [
    'verify',
  ]);
}

const STATE_HEADER = { alg: 'ES256', typ: 'cmk-tenant-state+jws' };
// A hand-built compact JWS with a dummy signature (the unverified decoder does not check it).
const unsigned = (header: Record<string, unknown>, payload: unknown, signatureBytes = 64) =>
  `${encodeJson(header)}.${encodeJson(payload)}.${base64urlEncode(new Uint8Array(signatureBytes))}`;

beforeAll(async () => {
  tenant = await generateTenantKeys();
  keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  const otherPairs = await generateTenantKeys();
  other = await importTenantKeys({ encryption: otherPairs.encryption.privateJwk, signing: otherPairs.signing.privateJwk });
  otherPublic = otherPairs.signing.publicJwk;
  const proxies = await Promise.all([generateAdminKeyPair(), generateAdminKeyPair()]);
  state = {
    typ: 'tenant-state',
    tenantId: 'acme',
    seq: 17,
    configs: [
      config({ kind: 'kms', version: 3, primary: true }),
      config({ kind: 'kms', version: 1 }),
      config({ kind: 'kms', status: 'disabled' }),
      config({ kind: 'siem', version: 2, primary: true }),
    ],
    recipients: proxies.map((p) => p.publicJwk.kid as string),
    iat: 1764300000,
  };
});

describe('readTenantState', () => {
  it('accepts a well-formed state and returns an equal copy', () => {
    const read = readTenantState(state);
    expect(read).toEqual(state);
    expect(read.configs[0]).not.toBe(state.configs[0]);
    expect(readTenantState({ ...state, configs: [], recipients: [] })).toMatchObject({ configs: [], recipients: [] });
  });

  it('allows one primary per kind, never two', () => {
    const twoKms = [config({ kind: 'kms', primary: true }), config({ kind: 'kms', primary: true })];
    expectCode(() => readTenantState({ ...state, configs: twoKms }), 'invalid_input', /more than one primary "kms"/);
    const twoSiem = [
      config({ kind: 'siem', primary: true }),
      config({ kind: 'kms' }),
      config({ kind: 'siem', primary: true }),
    ];
    expectCode(() => readTenantState({ ...state, configs: twoSiem }), 'invalid_input', /primary "siem"/);
    // Control: one of each kind.
    const oneEach = [config({ kind: 'kms', primary: true }), config({ kind: 'siem', primary: true })];
    expect(readTenantState({ ...state, configs: oneEach }).configs).toHaveLength(2);
  });

  it('never lets a disabled configuration be primary', () => {
    const disabledPrimary = [config({ status: 'disabled', primary: true })];
    expectCode(() => readTenantState({ ...state, configs: disabledPrimary }), 'invalid_input', /disabled/);
    // Control: disabled and not primary is fine.
    expect(readTenantState({ ...state, configs: [config({ status: 'disabled' })] }).configs).toHaveLength(1);
  });

  it('refuses duplicate configIds and recipients', () => {
    const c = config();
    expectCode(() => readTenantState({ ...state, configs: [c, { ...c, version: 2 }] }), 'invalid_input', /twice/);
    const [r] = state.recipients as [string];
    expectCode(() => readTenantState({ ...state, recipients: [r, r] }), 'invalid_input', /twice/);
  });

  it('checks every member', () => {
    expectCode(() => readTenantState({ ...state, extra: 1 }), 'invalid_input');
    for (const member of Object.keys(state)) {
      const copy: Record<string, unknown> = { ...state };
      delete copy[member];
      expectCode(() => readTenantState(copy), 'invalid_input');
    }
    const bad: Record<string, unknown>[] = [
      { typ: 'state' },
      { tenantId: '' },
      { seq: 0 },
      { seq: 1.5 },
      { seq: 2 ** 31 },
      { seq: '17' },
      { iat: -1 },
      { iat: 1.5 },
      { configs: {} },
      { recipients: 'x' },
      { recipients: ['not-a-thumbprint'] },
      { recipients: Array.from({ length: 64 }, digestOf) },
      { configs: Array.from({ length: 1001 }, () => config()) },
    ];
    for (const change of bad) expectCode(() => readTenantState({ ...state, ...change }), 'invalid_input');
    expect(readTenantState({ ...state, recipients: Array.from({ length: 63 }, digestOf) }).recipients).toHaveLength(63);

    const badConfigs: Record<string, unknown>[] = [
      { configId: 'c_1' },
      { kind: 'hsm' },
      { version: 0 },
      { status: 'revoked' },
      { primary: 'yes' },
      { digest: 'abc' },
      { digest: `${digestOf()}A` },
      { extra: 1 },
    ];
    for (const change of badConfigs) {
      expectCode(() => readTenantState({ ...state, configs: [{ ...config(), ...change }] }), 'invalid_input');
    }
    expectCode(() => readTenantState({ ...state, configs: [null] }), 'invalid_input');
    for (const value of [null, [], 'x']) expectCode(() => readTenantState(value), 'invalid_input');
  });
});

describe('signTenantState / verifyTenantState', () => {
  it('round-trips, with the verify key as a JWK or a CryptoKey', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: keys.signingKid, typ: 'cmk-tenant-state+jws' });
    expect(await verify(jws)).toEqual(state);
    for (const extractable of [true, false]) {
      expect(await verifyTenantState(jws, await tenantVerifyKey(extractable), { tenantId: 'acme' })).toEqual(state);
    }
  });

  it('takes a resolveVerifyKey result as it is, and no look-alike of one', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    const resolved = await resolveVerifyKey(tenant.signing.publicJwk);
    expect(resolved.kid).toBe(keys.signingKid);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(await resolveVerifyKey(resolved)).toBe(resolved);
    expect(await verifyTenantState(jws, resolved, { tenantId: 'acme' })).toEqual(state);
    // Another signer's resolved key still refuses the statement by kid.
    await expectCryptoError(verifyTenantState(jws, await resolveVerifyKey(otherPublic), { tenantId: 'acme' }), 'wrong_key');
    // A hand-made {key, kid} is not a resolved key: it cannot vouch for a kid it did not compute.
    const forged = { key: (await resolveVerifyKey(otherPublic)).key, kid: keys.signingKid };
    await expectCryptoError(verifyTenantState(jws, forged as never, { tenantId: 'acme' }), 'invalid_input');
  });

  it('refuses to sign a state that breaks the rules, or with a key that cannot sign', async () => {
    const bad = { ...state, configs: [config({ primary: true }), config({ primary: true })] };
    await expectCryptoError(signTenantState(bad, keys.signingKey, keys.signingKid), 'invalid_input');
    await expectCryptoError(signTenantState(state, keys.encryptionKey, keys.signingKid), 'invalid_input');
    await expectCryptoError(signTenantState(state, keys.signingKey, 'x'), 'invalid_input');
  });

  it('accepts the same seq again and a newer one, refuses an older one', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    expect((await verify(jws, { tenantId: 'acme', minSeq: 17 })).seq).toBe(17);
    expect((await verify(jws, { tenantId: 'acme', minSeq: 0 })).seq).toBe(17);
    await expectCryptoError(verify(jws, { tenantId: 'acme', minSeq: 18 }), 'decrypt_failed', /older/);
    await expectCryptoError(verify(jws, { tenantId: 'acme', minSeq: -1 }), 'invalid_input');
  });

  it('refuses another tenant’s state', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    await expectCryptoError(verify(jws, { tenantId: 'globex' }), 'decrypt_failed', /another tenant/);
  });

  it('refuses a state signed by another key', async () => {
    // Under the other key's own kid: reported as the wrong key.
    const own = await signTenantState(state, other.signingKey, other.signingKid);
    await expectCryptoError(verify(own), 'wrong_key');
    // Claiming the tenant's kid: the signature does not verify.
    const claimed = await signTenantState(state, other.signingKey, keys.signingKid);
    await expectCryptoError(verify(claimed), 'decrypt_failed', /signature/);
    const acme = { tenantId: 'acme' };
    await expectCryptoError(verifyTenantState(claimed, await tenantVerifyKey(false), acme), 'decrypt_failed', /signature/);
    // An extractable CryptoKey's thumbprint is known, so the other kid is caught as such;
    // with an opaque one it is caught at the signature.
    await expectCryptoError(verifyTenantState(own, await tenantVerifyKey(true), acme), 'wrong_key');
    await expectCryptoError(verifyTenantState(own, await tenantVerifyKey(false), acme), 'decrypt_failed', /signature/);
    // Control: the other key does verify its own statement.
    expect(await verifyTenantState(own, otherPublic, { tenantId: 'acme' })).toEqual(state);
  });

  it('refuses a wrong typ, another alg or extra header members', async () => {
    const asConfig = await signRaw(state, { kid: keys.signingKid, typ: 'cmk-config+jws' });
    await expectCryptoError(verify(asConfig), 'unsupported', /typ/);
    await expectCryptoError(verify(await signRaw(state, { kid: keys.signingKid })), 'unsupported', /typ/);
    const typed = { kid: keys.signingKid, typ: 'cmk-tenant-state+jws' };
    await expectCryptoError(verify(await signRaw(state, { ...typed, crit: ['b64'], b64: true })), 'unsupported');
    await expectCryptoError(verify(await signRaw(state, { ...typed, jku: 'https://x' })), 'unsupported');
    const header = { ...STATE_HEADER, kid: keys.signingKid };
    await expectCryptoError(verify(unsigned({ ...header, alg: 'none' }, state)), 'unsupported', /alg/);
    await expectCryptoError(verify(unsigned({ ...header, alg: 'HS256' }, state, 32)), 'unsupported', /alg/);
    await expectCryptoError(verify(unsigned({ ...header, alg: 'ES384' }, state, 96)), 'unsupported', /alg/);
    // Control: the same raw signing path with the right header verifies.
    expect(await verify(await signRaw(state, { kid: keys.signingKid, typ: 'cmk-tenant-state+jws' }))).toEqual(state);
  });

  it('refuses a tampered payload or signature', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    const [h, , s] = jws.split('.') as [string, string, string];
    // Another kms configuration made primary: still a valid state, but not the one signed.
    const promoted = {
      ...state,
      configs: state.configs.map((c) =>
        c.kind === 'kms' ? { ...c, primary: !c.primary && c.status === 'active' && c.version === 1 } : c,
      ),
    };
    expect(() => readTenantState(promoted)).not.toThrow();
    expect(promoted).not.toEqual(state);
    await expectCryptoError(verify(`${h}.${encodeJson(promoted)}.${s}`), 'decrypt_failed', /signature/);
    const sig = base64urlDecode(s);
    sig[10] = (sig[10] ?? 0) ^ 0x01;
    await expectCryptoError(verify(`${h}.${encodeJson(state)}.${base64urlEncode(sig)}`), 'decrypt_failed');
    await expectCryptoError(verify(`${jws}.x`), 'invalid_input');
    await expectCryptoError(verify(`${h}.${encodeJson(state)}.${s}=`), 'invalid_input');
  });

  it('holds a properly signed state to the rules too', async () => {
    const twoPrimaries = { ...state, configs: [config({ primary: true }), config({ primary: true })] };
    const disabledPrimary = { ...state, configs: [config({ status: 'disabled', primary: true })] };
    for (const bad of [twoPrimaries, disabledPrimary, { ...state, seq: 0 }, { ...state, extra: 1 }]) {
      const jws = await signRaw(bad, { kid: keys.signingKid, typ: 'cmk-tenant-state+jws' });
      await expectCryptoError(verify(jws), 'decrypt_failed');
    }
  });
});

describe('decodeTenantStateUnverified', () => {
  it('returns the kid and the checked state without verifying the signature', async () => {
    const jws = await signTenantState(state, keys.signingKey, keys.signingKid);
    expect(decodeTenantStateUnverified(jws)).toEqual({ kid: keys.signingKid, state });
    // It cannot tell a forgery: the broker must not rely on it for trust.
    const forged = await signTenantState(state, other.signingKey, keys.signingKid);
    expect(decodeTenantStateUnverified(forged).state).toEqual(state);
  });

  it('still checks structure, header and rules', async () => {
    const header = { ...STATE_HEADER, kid: keys.signingKid };
    const twoPrimaries = { ...state, configs: [config({ primary: true }), config({ primary: true })] };
    const disabledPrimary = { ...state, configs: [config({ status: 'disabled', primary: true })] };
    expectCode(() => decodeTenantStateUnverified(unsigned(header, twoPrimaries)), 'invalid_input', /primary/);
    expectCode(() => decodeTenantStateUnverified(unsigned(header, disabledPrimary)), 'invalid_input', /disabled/);
    expectCode(() => decodeTenantStateUnverified(unsigned(header, { ...state, seq: 0 })), 'invalid_input', /seq/);
    expectCode(() => decodeTenantStateUnverified(unsigned({ ...header, typ: 'cmk-config+jws' }, state)), 'unsupported');
    expectCode(() => decodeTenantStateUnverified(unsigned({ ...header, alg: 'none' }, state)), 'unsupported');
    expectCode(() => decodeTenantStateUnverified(unsigned({ ...header, kid: 'x' }, state)), 'invalid_input');
    expectCode(() => decodeTenantStateUnverified(unsigned(header, state, 63)), 'invalid_input');
    expectCode(() => decodeTenantStateUnverified('a.b'), 'invalid_input');
    expectCode(() => decodeTenantStateUnverified(42 as unknown as string), 'invalid_input');
    // Control: the same hand-built form with a valid state decodes.
    expect(decodeTenantStateUnverified(unsigned(header, state)).state).toEqual(state);
  });
});
