// The scrypt hash of the authKey: its stored format (checked against an
// independent node:crypto computation), verification, tampering, and the
// dummy check that unknown accounts go through.
import { randomBytes, scryptSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashAuthKey, verifyAgainstDummy, verifyAuthKey } from '@/lib/server/password-hash';

const FORMAT = /^scrypt\$32768\$8\$1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

const authKey = randomBytes(32).toString('base64url');
let stored: string;

beforeAll(async () => {
  stored = await hashAuthKey(authKey);
});

function replacePart(hash: string, index: number, value: string): string {
  const parts = hash.split('$');
  parts[index] = value;
  return parts.join('$');
}

function flipFirstBit(b64u: string): string {
  const bytes = Buffer.from(b64u, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

async function fastest(run: () => Promise<unknown>, times = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('hashAuthKey', () => {
  it('writes scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte scrypt output', () => {
    const match = FORMAT.exec(stored);
    expect(match).not.toBeNull();
    const [, salt, hash] = match as unknown as [string, string, string];
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    // The same computation done independently with the parameters the string names.
    const expected = scryptSync(authKey, Buffer.from(salt, 'base64url'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    expect(hash).toBe(expected.toString('base64url'));
  });

  it('salts every hash: the same authKey never gives the same string', async () => {
    const again = await hashAuthKey(authKey);
    expect(again).toMatch(FORMAT);
    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(stored.split('$')[4]);
    expect(await verifyAuthKey(authKey, again)).toBe(true);
  });

  it('never contains the authKey', () => {
    expect(stored).not.toContain(authKey);
  });
});

describe('verifyAuthKey', () => {
  it('accepts the right authKey', async () => {
    expect(await verifyAuthKey(authKey, stored)).toBe(true);
  });

  it('refuses, without throwing, stored values with other or damaged parameters', async () => {
    const [, , , , salt, hash] = stored.split('$');
    for (const params of ['3$8$1', 'abc$8$1', '1048576$8$1', '32768$0$1', '32768$8$0']) {
      await expect(verifyAuthKey(authKey, `scrypt$${params}$${salt}$${hash}`)).resolves.toBe(false);
    }
    await expect(verifyAuthKey(authKey, `${stored}$extra`)).resolves.toBe(false);
    await expect(verifyAuthKey(authKey, 'garbage')).resolves.toBe(false);
  });

  it('refuses a different authKey, one character off, or an empty one', async () => {
    expect(await verifyAuthKey(randomBytes(32).toString('base64url'), stored)).toBe(false);
    const last = authKey.at(-1) === 'A' ? 'B' : 'A';
    expect(await verifyAuthKey(`${authKey.slice(0, -1)}${last}`, stored)).toBe(false);
    expect(await verifyAuthKey(`${authKey} `, stored)).toBe(false);
    expect(await verifyAuthKey('', stored)).toBe(false);
  });

  it('refuses a tampered hash or salt', async () => {
    expect(await verifyAuthKey(authKey, replacePart(stored, 5, flipFirstBit(stored.split('$')[5] ?? '')))).toBe(false);
    expect(await verifyAuthKey(authKey, replacePart(stored, 4, flipFirstBit(stored.split('$')[4] ?? '')))).toBe(false);
    expect(await verifyAuthKey(authKey, replacePart(stored, 5, (stored.split('$')[5] ?? '').slice(0, 22)))).toBe(false);
    expect(await verifyAuthKey(authKey, replacePart(stored, 5, ''))).toBe(false);
  });

  it('refuses a hash whose cost was lowered', async () => {
    expect(await verifyAuthKey(authKey, replacePart(stored, 1, '1024'))).toBe(false);
    expect(await verifyAuthKey(authKey, replacePart(stored, 3, '2'))).toBe(false);
  });

  it.each([
    ['another scheme', (h: string) => replacePart(h, 0, 'bcrypt')],
    ['an upper-case scheme', (h: string) => replacePart(h, 0, 'SCRYPT')],
    ['argon2 in PHC format', () => '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA'],
    ['a missing part', (h: string) => h.split('$').slice(0, 5).join('$')],
    ['an empty string', () => ''],
    ['the bare hash', (h: string) => h.split('$')[5] ?? ''],
  ])('returns false for %s', async (_label, make) => {
    expect(await verifyAuthKey(authKey, make(stored))).toBe(false);
  });
});

describe('verifyAgainstDummy', () => {
  it('is always false, whatever the authKey', async () => {
    expect(await verifyAgainstDummy(authKey)).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
    expect(await verifyAgainstDummy(randomBytes(32).toString('base64url'))).toBe(false);
  });

  it('spends about as long as a real check (no shortcut for unknown accounts)', async () => {
    await verifyAgainstDummy(authKey); // the first call also makes the dummy hash
    const real = await fastest(() => verifyAuthKey(authKey, stored));
    const dummy = await fastest(() => verifyAgainstDummy(authKey));
    // Very loose bounds: a shortcut would take well under a millisecond, scrypt tens of them.
    expect(dummy).toBeGreaterThan(real * 0.3);
    expect(dummy).toBeLessThan(real * 3 + 50);
  });
});
