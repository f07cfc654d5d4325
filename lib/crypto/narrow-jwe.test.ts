import { describe, expect, it, beforeAll } from 'vitest';

import { generateAdminKeyPair } from './admin-key';
import { configDigest } from './config-digest';
import { newConfigId, type TConfigDocument } from './config-document';
import { base64urlEncode, randomBytes, utf8 } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { narrowJwe, readFlattenedJwe, readGeneralJwe, type TGeneralJwe } from './narrow-jwe';
import { sealConfig } from './seal-config';
import { generateTenantKeys, importTenantKeys } from './tenant-keys';

function expectCode(fn: () => unknown, code: TCryptoErrorCode) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CryptoError);
  expect((error as CryptoError).code).toBe(code);
}

const fakeKid = () => base64urlEncode(randomBytes(32));
const encodeHeader = (header: unknown) => base64urlEncode(utf8(JSON.stringify(header)));

let jwe: TGeneralJwe;
let kids: string[];

beforeAll(async () => {
  const tenant = await generateTenantKeys();
  const keys = await importTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk });
  const proxies = await Promise.all([generateAdminKeyPair(), generateAdminKeyPair()]);
  const recipients = [
    { kid: keys.encryptionKid, publicJwk: tenant.encryption.publicJwk },
    ...proxies.map((p) => ({ kid: p.publicJwk.kid as string, publicJwk: p.publicJwk })),
  ];
  kids = recipients.map((r) => r.kid);
  const document: TConfigDocument = {
    typ: 'siem',
    tenantId: 'acme',
    configId: newConfigId(),
    version: 1,
    provider: 'splunk-hec',
    settings: { url: 'https://splunk.example:8088', token: 'secret-token' },
    iat: 1764300000,
  };
  ({ jwe } = await sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients }));
});

describe('narrowJwe', () => {
  it('gives each recipient a flattened JWE with the shared members and only its own entry', async () => {
    const digest = await configDigest(jwe);
    for (const [i, kid] of kids.entries()) {
      const flattened = narrowJwe(jwe, kid);
      expect(Object.keys(flattened).sort()).toEqual(['ciphertext', 'encrypted_key', 'header', 'iv', 'protected', 'tag']);
      expect(flattened).toEqual({
        protected: jwe.protected,
        iv: jwe.iv,
        ciphertext: jwe.ciphertext,
        tag: jwe.tag,
        header: jwe.recipients[i]?.header,
        encrypted_key: jwe.recipients[i]?.encrypted_key,
      });
      expect(flattened.header.kid).toBe(kid);
      expect(await configDigest(flattened)).toBe(digest);
      expect(readFlattenedJwe(flattened)).toEqual(flattened);
    }
  });

  it('refuses a kid that is not a recipient', () => {
    expectCode(() => narrowJwe(jwe, fakeKid()), 'wrong_key');
    expectCode(() => narrowJwe(jwe, ''), 'invalid_input');
  });

  it('refuses to narrow a malformed JWE', () => {
    expectCode(() => narrowJwe({ ...jwe, aad: 'AAAA' } as TGeneralJwe, kids[0] as string), 'invalid_input');
  });
});

describe('readGeneralJwe', () => {
  it('accepts what sealConfig writes and returns an equal copy', () => {
    const read = readGeneralJwe(jwe);
    expect(read).toEqual(jwe);
    expect(read).not.toBe(jwe);
    expect(read.recipients[0]).not.toBe(jwe.recipients[0]);
  });

  it('refuses aad and a shared unprotected header', () => {
    expectCode(() => readGeneralJwe({ ...jwe, aad: 'AAAA' }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, unprotected: { foo: 'bar' } }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, unprotected: {} }), 'invalid_input');
  });

  it('refuses missing or extra members', () => {
    for (const member of ['protected', 'iv', 'ciphertext', 'tag', 'recipients']) {
      const copy: Record<string, unknown> = { ...jwe };
      delete copy[member];
      expectCode(() => readGeneralJwe(copy), 'invalid_input');
    }
    expectCode(() => readGeneralJwe({ ...jwe, extra: 1 }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [] }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [{ header: jwe.recipients[0]?.header }] }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [{ ...jwe.recipients[0], extra: 1 }] }), 'invalid_input');
    for (const value of [null, [], 'x']) expectCode(() => readGeneralJwe(value), 'invalid_input');
  });

  it('refuses non-canonical base64url and wrong sizes', () => {
    for (const member of ['protected', 'iv', 'ciphertext', 'tag'] as const) {
      expectCode(() => readGeneralJwe({ ...jwe, [member]: `${jwe[member]}=` }), 'invalid_input');
      expectCode(() => readGeneralJwe({ ...jwe, [member]: '' }), 'invalid_input');
    }
    expectCode(() => readGeneralJwe({ ...jwe, iv: base64urlEncode(randomBytes(16)) }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, tag: base64urlEncode(randomBytes(12)) }), 'invalid_input');
    const r0 = jwe.recipients[0]!;
    expectCode(
      () => readGeneralJwe({ ...jwe, recipients: [{ ...r0, encrypted_key: base64urlEncode(randomBytes(32)) }] }),
      'invalid_input',
    );
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [{ ...r0, encrypted_key: `${r0.encrypted_key}=` }] }), 'invalid_input');
  });

  it('allows 64 recipients, not 65, and no duplicate kids', () => {
    const r0 = jwe.recipients[0]!;
    const many = (n: number) =>
      Array.from({ length: n }, () => ({ ...r0, header: { ...r0.header, kid: fakeKid() } }));
    expect(readGeneralJwe({ ...jwe, recipients: many(64) }).recipients).toHaveLength(64);
    expectCode(() => readGeneralJwe({ ...jwe, recipients: many(65) }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [r0, jwe.recipients[1], r0] }), 'invalid_input');
    const sameKid = { ...jwe.recipients[1]!, header: { ...jwe.recipients[1]!.header, kid: r0.header.kid } };
    expectCode(() => readGeneralJwe({ ...jwe, recipients: [r0, sameKid] }), 'invalid_input');
  });

  it('pins the protected header to {enc: A256GCM, cty: cmk-config+jws}', () => {
    const base = { enc: 'A256GCM', cty: 'cmk-config+jws' };
    expect(() => readGeneralJwe({ ...jwe, protected: encodeHeader({ cty: base.cty, enc: base.enc }) })).not.toThrow();
    for (const header of [
      { ...base, enc: 'A128GCM' },
      { ...base, enc: 'A256CBC-HS512' },
      { ...base, cty: 'json' },
      { enc: base.enc },
      { ...base, zip: 'DEF' },
      { ...base, crit: ['exp'], exp: 1 },
      { ...base, alg: 'ECDH-ES+A256KW' },
      { ...base, kid: kids[0] },
    ]) {
      expectCode(() => readGeneralJwe({ ...jwe, protected: encodeHeader(header) }), 'unsupported');
    }
    expectCode(() => readGeneralJwe({ ...jwe, protected: base64urlEncode(utf8('not json')) }), 'invalid_input');
    expectCode(() => readGeneralJwe({ ...jwe, protected: encodeHeader([1]) }), 'invalid_input');
  });

  it('pins the recipient header to {alg: ECDH-ES+A256KW, kid, epk}', () => {
    const r0 = jwe.recipients[0]!;
    const withHeader = (header: Record<string, unknown>) => ({ ...jwe, recipients: [{ ...r0, header }] });
    for (const alg of ['dir', 'ECDH-ES', 'PBES2-HS512+A256KW', 'RSA-OAEP-256', 'A256KW', 'none']) {
      expectCode(() => readGeneralJwe(withHeader({ ...r0.header, alg })), 'unsupported');
    }
    for (const extra of [{ apu: 'AAAA' }, { apv: 'AAAA' }, { p2c: 1000, p2s: 'AAAA' }, { enc: 'A256GCM' }, { zip: 'DEF' }]) {
      expectCode(() => readGeneralJwe(withHeader({ ...r0.header, ...extra })), 'unsupported');
    }
    const { alg: _alg, ...noAlg } = r0.header;
    expectCode(() => readGeneralJwe(withHeader(noAlg)), 'invalid_input');
    const { epk: _epk, ...noEpk } = r0.header;
    expectCode(() => readGeneralJwe(withHeader(noEpk)), 'invalid_input');
    for (const kid of ['', 'short', undefined, `${r0.header.kid}A`]) {
      expectCode(() => readGeneralJwe(withHeader({ ...r0.header, kid })), 'invalid_input');
    }
    expectCode(() => readGeneralJwe(withHeader({ ...r0.header, epk: { ...r0.header.epk, d: r0.header.epk.x } })), 'invalid_input');
    expectCode(() => readGeneralJwe(withHeader({ ...r0.header, epk: { ...r0.header.epk, crv: 'P-384' } })), 'invalid_input');
    expectCode(() => readGeneralJwe(withHeader({ ...r0.header, epk: { ...r0.header.epk, kid: 'x' } })), 'invalid_input');
  });
});

describe('readFlattenedJwe', () => {
  it('applies the same rules to one recipient', () => {
    const flattened = narrowJwe(jwe, kids[1] as string);
    expect(readFlattenedJwe(flattened)).toEqual(flattened);
    expectCode(() => readFlattenedJwe({ ...flattened, aad: 'AAAA' }), 'invalid_input');
    expectCode(() => readFlattenedJwe({ ...flattened, unprotected: {} }), 'invalid_input');
    expectCode(() => readFlattenedJwe({ ...flattened, recipients: jwe.recipients }), 'invalid_input');
    const { encrypted_key: _k, ...noKey } = flattened;
    expectCode(() => readFlattenedJwe(noKey), 'invalid_input');
    expectCode(() => readFlattenedJwe({ ...flattened, header: { ...flattened.header, alg: 'dir' } }), 'unsupported');
    expectCode(() => readFlattenedJwe(jwe), 'invalid_input');
  });
});
