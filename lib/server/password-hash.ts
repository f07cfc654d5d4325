import 'server-only';
// The server's only secret about a user's passphrase: an scrypt hash of the
// authKey the browser derives from it. The authKey is already the output of
// 600 000 PBKDF2 rounds, so scrypt here protects a stolen database against
// replaying it, not against guessing the passphrase.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const MAXMEM = 64 * 1024 * 1024;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>` */
export async function hashAuthKey(authKey: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(authKey, salt, { ...PARAMS, maxmem: MAXMEM });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** False for a wrong key and for any stored value not made by hashAuthKey (never throws). */
export async function verifyAuthKey(authKey: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  // Only the parameters this code writes are accepted: a damaged or planted hash with weak
  // (or zero, which scrypt would silently replace by defaults) parameters must not verify.
  if (parts.length !== 6 || scheme !== 'scrypt' || n !== String(PARAMS.N) || r !== String(PARAMS.r) || p !== String(PARAMS.p) || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  try {
    const actual = await scrypt(authKey, Buffer.from(salt, 'base64url'), { ...PARAMS, maxmem: MAXMEM });
    return timingSafeEqual(expected, actual);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Spends the same time as a real check, for unknown accounts (no timing oracle). */
export async function verifyAgainstDummy(authKey: string): Promise<false> {
  dummy ??= hashAuthKey(randomBytes(32).toString('base64url'));
  await verifyAuthKey(authKey, await dummy);
  return false;
}
