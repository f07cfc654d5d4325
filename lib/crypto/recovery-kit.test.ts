// eslint-disable-next-line no-restricted-imports -- test-only reference implementation
import { createDecipheriv, pbkdf2Sync } from 'node:crypto';

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { base64urlDecode, base64urlEncode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { generateRecoveryCode, normalizeRecoveryCode, openRecoveryKit, sealRecoveryKit } from './recovery-kit';
import { generateTenantKeys, type TTenantPrivateKeys } from './tenant-keys';

const FAST = 1_000;
const TENANT = 'acme';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5})+$/;

async function expectCryptoError(promise: Promise<unknown>, code: TCryptoErrorCode) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

function expectInvalid(fn: () => unknown) {
  expect(fn).toThrow(CryptoError);
  try {
    fn();
  } catch (e) {
    expect((e as CryptoError).code).toBe('invalid_input');
  }
}

const edit = (kit: string, change: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(kit), ...change });

function flipBit(value: string): string {
  const bytes = base64urlDecode(value);
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return base64urlEncode(bytes);
}

let privates: TTenantPrivateKeys;
let code: string;
let kit: string;

beforeAll(async () => {
  const keys = await generateTenantKeys();
  privates = { encryption: keys.encryption.privateJwk, signing: keys.signing.privateJwk };
  code = generateRecoveryCode();
  kit = await sealRecoveryKit(privates, code, TENANT, FAST);
});

describe('generateRecoveryCode', () => {
  it('is at least 130 bits of Crockford base32 in groups of 5', () => {
    const c = generateRecoveryCode();
    expect(c).toMatch(CODE_FORMAT);
    const symbols = c.replaceAll('-', '');
    expect(symbols.length * Math.log2(CROCKFORD.length)).toBeGreaterThanOrEqual(130);
  });

  it('encodes the random bits as big-endian base32, 5 bits per symbol', () => {
    const pattern = Array.from({ length: 19 }, (_, i) => (i * 37 + 11) & 0xff);
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      if (array instanceof Uint8Array) array.set(pattern.slice(0, array.length));
      return array;
    });
    // Reference: the first 150 of the 152 random bits as one number, in base 32.
    let n = BigInt(`0x${pattern.map((b) => b.toString(16).padStart(2, '0')).join('')}`) >> 2n;
    let expected = '';
    for (let i = 0; i < 30; i++) {
      expected = CROCKFORD[Number(n & 31n)] + expected;
      n >>= 5n;
    }
    expect(generateRecoveryCode().replaceAll('-', '')).toBe(expected);
  });

  it('uses every symbol in every position over many codes', () => {
    const codes = Array.from({ length: 400 }, () => generateRecoveryCode().replaceAll('-', ''));
    expect(new Set(codes).size).toBe(codes.length);
    const length = codes[0]?.length ?? 0;
    for (let i = 0; i < length; i++) {
      // 400 draws over 32 symbols: a position stuck on few values means wasted bits.
      expect(new Set(codes.map((s) => s[i])).size).toBeGreaterThan(20);
    }
    expect(new Set(codes.join('')).size).toBe(32);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('normalizeRecoveryCode', () => {
  it('ignores case, spaces and dashes, and reads O/I/L as 0/1/1', () => {
    expect(normalizeRecoveryCode(code)).toBe(code);
    expect(normalizeRecoveryCode(` ${code.toLowerCase().replaceAll('-', ' ')} `)).toBe(code);
    const sloppy = 'oOiIlL' + '0'.repeat(24);
    expect(normalizeRecoveryCode(sloppy)).toBe('00111-10000-00000-00000-00000-00000');
  });

  it('rejects a wrong length or character', () => {
    expectInvalid(() => normalizeRecoveryCode(code.slice(0, -1)));
    expectInvalid(() => normalizeRecoveryCode(`${code}0`));
    expectInvalid(() => normalizeRecoveryCode(`U${code.slice(1)}`));
    expectInvalid(() => normalizeRecoveryCode(`*${code.slice(1)}`));
    expectInvalid(() => normalizeRecoveryCode(''));
  });
});

describe('seal / open recovery kit', () => {
  it('round-trips, with the code typed sloppily', async () => {
    expect(await openRecoveryKit(kit, code, TENANT)).toEqual(privates);
    expect(await openRecoveryKit(kit, code.toLowerCase().replaceAll('-', ''), TENANT)).toEqual(privates);
  });

  it('writes the documented envelope with no private key in clear', () => {
    const envelope = JSON.parse(kit) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual(['v', 'typ', 'tenantId', 'kdf', 'iterations', 'salt', 'alg', 'iv', 'ct']);
    expect(envelope).toMatchObject({
      v: 1,
      typ: 'cmk-recovery-kit',
      tenantId: TENANT,
      kdf: 'PBKDF2-SHA256',
      iterations: FAST,
      alg: 'A256GCM',
    });
    expect(base64urlDecode(envelope.salt as string)).toHaveLength(16);
    expect(kit).not.toContain('"d"');
    expect(kit).not.toContain(privates.encryption.d);
    expect(kit).not.toContain(privates.signing.d);
  });

  it('follows the documented format (decrypts with node:crypto from the code)', () => {
    const envelope = JSON.parse(kit) as Record<string, string>;
    const key = pbkdf2Sync(normalizeRecoveryCode(code), base64urlDecode(envelope.salt ?? ''), FAST, 32, 'sha256');
    const bytes = base64urlDecode(envelope.ct ?? '');
    const decipher = createDecipheriv('aes-256-gcm', key, base64urlDecode(envelope.iv ?? ''));
    decipher.setAAD(Buffer.from(`cmk-broker/v1/cmk-recovery-kit|${TENANT}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
    expect(JSON.parse(plaintext.toString())).toEqual({ tenantId: TENANT, ...privates });
  });

  it('uses 600 000 iterations by default', async () => {
    const sealed = await sealRecoveryKit(privates, code, TENANT);
    expect(JSON.parse(sealed)).toMatchObject({ iterations: 600_000 });
    expect(await openRecoveryKit(sealed, code, TENANT)).toEqual(privates);
  });

  it('fails with decrypt_failed for a wrong code, wrong tenant or tampering', async () => {
    const { ct, iv, salt } = JSON.parse(kit) as Record<string, string>;
    await expectCryptoError(openRecoveryKit(kit, generateRecoveryCode(), TENANT), 'decrypt_failed');
    await expectCryptoError(openRecoveryKit(kit, code, 'globex'), 'decrypt_failed');
    // Re-labelling the kit for another tenant breaks the tag (tenantId is in the AAD).
    await expectCryptoError(openRecoveryKit(edit(kit, { tenantId: 'globex' }), code, 'globex'), 'decrypt_failed');
    await expectCryptoError(openRecoveryKit(edit(kit, { ct: flipBit(ct ?? '') }), code, TENANT), 'decrypt_failed');
    await expectCryptoError(openRecoveryKit(edit(kit, { iv: flipBit(iv ?? '') }), code, TENANT), 'decrypt_failed');
    await expectCryptoError(openRecoveryKit(edit(kit, { salt: flipBit(salt ?? '') }), code, TENANT), 'decrypt_failed');
    await expectCryptoError(openRecoveryKit(edit(kit, { iterations: FAST + 1 }), code, TENANT), 'decrypt_failed');
  });

  it('refuses kits it does not understand', async () => {
    await expectCryptoError(openRecoveryKit(edit(kit, { v: 2 }), code, TENANT), 'unsupported');
    await expectCryptoError(openRecoveryKit(edit(kit, { kdf: 'PBKDF2-SHA1' }), code, TENANT), 'unsupported');
    await expectCryptoError(openRecoveryKit(edit(kit, { alg: 'A128GCM' }), code, TENANT), 'unsupported');
    await expectCryptoError(openRecoveryKit(edit(kit, { iterations: 1e12 }), code, TENANT), 'unsupported');
    await expectCryptoError(openRecoveryKit(edit(kit, { extra: true }), code, TENANT), 'invalid_input');
    await expectCryptoError(openRecoveryKit('[]', code, TENANT), 'invalid_input');
    await expectCryptoError(openRecoveryKit(kit, 'not a code', TENANT), 'invalid_input');
  });

  it('refuses to seal bad keys', async () => {
    await expectCryptoError(
      sealRecoveryKit({ encryption: privates.signing, signing: privates.encryption }, code, TENANT, FAST),
      'invalid_input',
    );
    await expectCryptoError(sealRecoveryKit(privates, code, '', FAST), 'invalid_input');
  });
});
