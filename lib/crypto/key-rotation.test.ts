import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { cryptoRejection, newSigner, type TTestSigner } from '@/lib/testing/test-keys';

import { utf8 } from './encoding';
import { followKeyRotations, KEY_ROTATION_TYP, signKeyRotation, verifyKeyRotation } from './key-rotation';

const codeOf = async (promise: Promise<unknown>) => (await cryptoRejection(promise)).code;

let a: TTestSigner;
let b: TTestSigner;
let c: TTestSigner;
const SUBJECT = 'tenant:acme';

beforeAll(async () => {
  [a, b, c] = await Promise.all([newSigner(), newSigner(), newSigner()]);
});

describe('signKeyRotation / verifyKeyRotation', () => {
  it('round-trips', async () => {
    const jws = await signKeyRotation({ subject: SUBJECT, next: b.publicJwk }, a.key, a.kid);
    const statement = await verifyKeyRotation(jws, a.publicJwk, { subject: SUBJECT });
    expect(statement).toMatchObject({ typ: 'key-rotation', subject: SUBJECT, previous: a.kid, next: b.publicJwk });
  });

  it('refuses another subject, another signer and a forged next kid', async () => {
    const jws = await signKeyRotation({ subject: SUBJECT, next: b.publicJwk }, a.key, a.kid);
    expect(await codeOf(verifyKeyRotation(jws, a.publicJwk, { subject: 'broker' }))).toBe('decrypt_failed');
    expect(await codeOf(verifyKeyRotation(jws, c.publicJwk, { subject: SUBJECT }))).toBe('wrong_key');
    const forged = await new CompactSign(
      utf8(JSON.stringify({ typ: 'key-rotation', subject: SUBJECT, previous: a.kid, next: { ...b.publicJwk, kid: c.kid }, iat: 1 })),
    )
      .setProtectedHeader({ alg: 'ES256', kid: a.kid, typ: KEY_ROTATION_TYP })
      .sign(a.key);
    expect(await codeOf(verifyKeyRotation(forged, a.publicJwk, { subject: SUBJECT }))).toBe('decrypt_failed');
  });

  it('refuses a next key that is not a valid P-256 point', async () => {
    const offCurve = { ...b.publicJwk, y: b.publicJwk.x };
    expect(await codeOf(signKeyRotation({ subject: SUBJECT, next: offCurve }, a.key, a.kid))).toBe('invalid_input');
  });

  it('refuses a bad subject when signing', async () => {
    expect(await codeOf(signKeyRotation({ subject: 'tenant:', next: b.publicJwk }, a.key, a.kid))).toBe('invalid_input');
  });
});

describe('followKeyRotations', () => {
  it('follows a chain from the pinned key, skipping history before the pin', async () => {
    const ab = await signKeyRotation({ subject: SUBJECT, next: b.publicJwk }, a.key, a.kid);
    const bc = await signKeyRotation({ subject: SUBJECT, next: c.publicJwk }, b.key, b.kid);
    expect((await followKeyRotations(a.publicJwk, [ab, bc], SUBJECT)).map((k) => k.kid)).toEqual([a.kid, b.kid, c.kid]);
    expect((await followKeyRotations(b.publicJwk, [ab, bc], SUBJECT)).map((k) => k.kid)).toEqual([b.kid, c.kid]);
    expect((await followKeyRotations(c.publicJwk, [ab, bc], SUBJECT)).map((k) => k.kid)).toEqual([c.kid]);
  });

  it('fails when a statement does not continue the chain', async () => {
    const ab = await signKeyRotation({ subject: SUBJECT, next: b.publicJwk }, a.key, a.kid);
    const ac = await signKeyRotation({ subject: SUBJECT, next: c.publicJwk }, a.key, a.kid);
    expect(await codeOf(followKeyRotations(a.publicJwk, [ab, ac], SUBJECT))).toBe('wrong_key');
  });

  it('fails on a statement for another subject', async () => {
    const ab = await signKeyRotation({ subject: 'broker', next: b.publicJwk }, a.key, a.kid);
    expect(await codeOf(followKeyRotations(a.publicJwk, [ab], SUBJECT))).toBe('decrypt_failed');
  });

  it('fails when the chain returns to a key already used', async () => {
    const ab = await signKeyRotation({ subject: SUBJECT, next: b.publicJwk }, a.key, a.kid);
    const ba = await signKeyRotation({ subject: SUBJECT, next: a.publicJwk }, b.key, b.kid);
    expect(await codeOf(followKeyRotations(a.publicJwk, [ab, ba], SUBJECT))).toBe('decrypt_failed');
  });
});
