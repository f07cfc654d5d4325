// The account API schemas: only public keys and sealed blobs may travel, and
// what the browser's crypto really produces must pass them.
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAdminKeyPair, sealAdminPrivateKey } from '@/lib/crypto/admin-key';
import { deriveAccountKeys, generateSalt } from '@/lib/crypto/derive-account-keys';
import { generateTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { ZCompactJwe, ZEmail, ZPublicJwk, ZSealedAdminKey } from './account';

type Schema = { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string; code: string }[] } } };
const messages = (schema: Schema, value: unknown) => schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];
const accepts = (schema: Schema, value: unknown) => schema.safeParse(value).success;

let admin: { publicJwk: JWK; privateJwk: JWK };
let sealed: string;

beforeAll(async () => {
  admin = await generateAdminKeyPair();
  const { wrapKey } = await deriveAccountKeys('correct horse battery staple', generateSalt(), 1_000);
  sealed = await sealAdminPrivateKey(admin.privateJwk, wrapKey, 'usr_0123456789abcdef');
});

describe('ZPublicJwk', () => {
  it('accepts the public JWK generateAdminKeyPair makes, and one exported by WebCrypto', async () => {
    expect(ZPublicJwk.parse(admin.publicJwk)).toEqual(admin.publicJwk);
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
    expect(exported).toHaveProperty('key_ops');
    expect(accepts(ZPublicJwk, exported)).toBe(true);
  });

  it('refuses the private JWK (a d member)', () => {
    expect(admin.privateJwk.d).toBeTypeOf('string');
    const result = ZPublicJwk.safeParse(admin.privateJwk);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['d'] })]);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, d: '' })).toBe(false);
  });

  it.each([['n'], ['x5c'], ['jku'], ['foo'], ['oth']])('refuses any extra member (%s)', (member) => {
    const result = ZPublicJwk.safeParse({ ...admin.publicJwk, [member]: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: [member] });
  });

  it('refuses another curve or key type', () => {
    for (const crv of ['P-384', 'P-521', 'secp256k1', 'X25519', 'p-256']) expect(accepts(ZPublicJwk, { ...admin.publicJwk, crv })).toBe(false);
    for (const kty of ['RSA', 'OKP', 'oct', 'ec']) expect(accepts(ZPublicJwk, { ...admin.publicJwk, kty })).toBe(false);
  });

  it('refuses malformed coordinates, kid and alg', () => {
    const x = admin.publicJwk.x as string;
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, x: x.slice(1) })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, x: `${x}A` })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, y: `${(admin.publicJwk.y as string).slice(1)}=` })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, x: undefined })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, kid: 'short' })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, alg: 'RSA-OAEP' })).toBe(false);
    expect(accepts(ZPublicJwk, { ...admin.publicJwk, use: 'both' })).toBe(false);
  });
});

describe('ZSealedAdminKey', () => {
  const envelope = () => JSON.parse(sealed) as Record<string, unknown>;
  const edited = (change: Record<string, unknown>) => JSON.stringify({ ...envelope(), ...change });

  it('accepts the envelope sealAdminPrivateKey produces', () => {
    expect(Object.keys(envelope()).sort()).toEqual(['alg', 'ct', 'iv', 'kid', 'typ', 'v']);
    expect(ZSealedAdminKey.parse(sealed)).toBe(sealed);
  });

  it('refuses an extra member, even one that looks harmless', () => {
    expect(messages(ZSealedAdminKey, edited({ d: admin.privateJwk.d }))).toEqual(['Malformed sealed key.']);
    expect(accepts(ZSealedAdminKey, edited({ note: 'x' }))).toBe(false);
  });

  it.each(['v', 'typ', 'alg', 'kid', 'iv', 'ct'])('refuses an envelope without %s', (member) => {
    expect(accepts(ZSealedAdminKey, edited({ [member]: undefined }))).toBe(false);
  });

  it.each([
    ['another version', { v: 2 }],
    ['the version as a string', { v: '1' }],
    ['another typ', { typ: 'cmk-sealed-tenant-key' }],
    ['another alg', { alg: 'A128GCM' }],
    ['a kid that is not a string', { kid: 42 }],
    ['an iv with padding', { iv: 'AAAAAAAAAAAAAAAA=' }],
    ['a ct in standard base64', { ct: 'ab+/cd' }],
    ['an empty ct', { ct: '' }],
  ])('refuses %s', (_label, change) => {
    expect(messages(ZSealedAdminKey, edited(change))).toEqual(['Malformed sealed key.']);
  });

  it('refuses what is not a JSON object, and the private JWK in clear', () => {
    for (const value of ['', 'not json', 'null', '[]', '1', '"x"', JSON.stringify(admin.privateJwk)]) {
      expect(accepts(ZSealedAdminKey, value)).toBe(false);
    }
    expect(accepts(ZSealedAdminKey, JSON.parse(sealed))).toBe(false);
  });

  it('refuses more than 4096 characters', () => {
    const big = edited({ ct: 'A'.repeat(4096) });
    expect(accepts(ZSealedAdminKey, big)).toBe(false);
    expect(accepts(ZSealedAdminKey, edited({ ct: 'A'.repeat(3000) }))).toBe(true);
  });
});

describe('ZCompactJwe', () => {
  it('accepts what wrapTenantKeys produces', async () => {
    const tenant = await generateTenantKeys();
    const jwe = await wrapTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk }, admin.publicJwk, 'acme');
    expect(ZCompactJwe.parse(jwe)).toBe(jwe);
  });

  it('accepts an empty encrypted-key part (direct key agreement) but no other empty part', () => {
    expect(accepts(ZCompactJwe, 'aGVhZGVy..aXY.Y3Q.dGFn')).toBe(true);
    expect(accepts(ZCompactJwe, '.a.aXY.Y3Q.dGFn')).toBe(false);
    expect(accepts(ZCompactJwe, 'aGVhZGVy.a..Y3Q.dGFn')).toBe(false);
    expect(accepts(ZCompactJwe, 'aGVhZGVy.a.aXY..dGFn')).toBe(false);
    expect(accepts(ZCompactJwe, 'aGVhZGVy.a.aXY.Y3Q.')).toBe(false);
  });

  it.each([
    ['three parts (a JWS)', 'aGVhZGVy.cGF5bG9hZA.c2ln'],
    ['four parts', 'a.b.c.d'],
    ['six parts', 'a.b.c.d.e.f'],
    ['standard base64', 'a+b.c.d.e.f/g'],
    ['padding', 'aGVhZGVy=.a.b.c.d'],
    ['white space', 'a.b.c.d.e '],
    ['nothing', ''],
  ])('refuses %s with "Malformed JWE."', (_label, value) => {
    expect(messages(ZCompactJwe, value)).toEqual(['Malformed JWE.']);
  });

  it('refuses more than 16 384 characters', () => {
    const part = 'A'.repeat(16_384);
    expect(accepts(ZCompactJwe, `a.b.c.${part}.e`)).toBe(false);
    expect(accepts(ZCompactJwe, `a.b.c.${'A'.repeat(16_000)}.e`)).toBe(true);
  });
});

describe('ZEmail', () => {
  it('trims and lower-cases', () => {
    expect(ZEmail.parse('  Alice.Smith@Example.COM \n')).toBe('alice.smith@example.com');
    expect(ZEmail.parse('BOB+tag@sub.example.org')).toBe('bob+tag@sub.example.org');
  });

  it.each([
    ['alice'],
    ['alice@'],
    ['@example.com'],
    ['alice@example'],
    ['al ice@example.com'],
    ['alice@@example.com'],
    ['alice@exa mple.com'],
    ['alice@example.'],
    ['a@b@c.d'],
  ])('refuses %j with the example message', (value) => {
    expect(messages(ZEmail, value)).toContain('Enter an email address like name@example.com.');
  });

  it('asks for an address when empty or only spaces', () => {
    expect(messages(ZEmail, '')).toContain('Enter an email address.');
    expect(messages(ZEmail, '    ')).toContain('Enter an email address.');
  });

  it('allows at most 254 characters, counted after trimming', () => {
    const at254 = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
    expect(at254).toHaveLength(254);
    expect(ZEmail.parse(`  ${at254}  `)).toBe(at254);
    expect(messages(ZEmail, `a${at254}`)).toEqual(['Use at most 254 characters.']);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['a@b.co']]) expect(accepts(ZEmail, value)).toBe(false);
  });
});
