import 'server-only';
// Secrets the server itself needs: the auth secret (signs session cookies)
// and the key that encrypts the broker's signing keys at rest. In embedded
// mode they are generated on first run into DATA_DIR/server-secrets.json
// (mode 0600) so the demo needs no set-up; NODE_ENV=production with
// PostgreSQL requires both in the environment (lib/env.ts enforces that),
// since every instance must share them.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { getEnv, type TEnv } from '@/lib/env';

export type ServerSecrets = {
  authSecret: string;
  /** 32 bytes, base64url. */
  keyEncryptionKey: string;
  source: 'environment' | 'file';
};

const FILE_NAME = 'server-secrets.json';

function generate(): Omit<ServerSecrets, 'source'> {
  return { authSecret: randomBytes(32).toString('base64url'), keyEncryptionKey: randomBytes(32).toString('base64url') };
}

function readFile(file: string): Omit<ServerSecrets, 'source'> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServerSecrets>;
  if (typeof parsed.authSecret !== 'string' || parsed.authSecret.length < 32 || !/^[A-Za-z0-9_-]{43}$/.test(parsed.keyEncryptionKey ?? '')) {
    throw new Error(`${file} is damaged; restore it from a backup (the broker's signing keys cannot be decrypted without it).`);
  }
  return { authSecret: parsed.authSecret, keyEncryptionKey: parsed.keyEncryptionKey as string };
}

/** Environment first; otherwise the data directory's file, created once. */
export function loadServerSecrets(env: Pick<TEnv, 'AUTH_SECRET' | 'BROKER_KEY_ENCRYPTION_KEY' | 'DATA_DIR'>): ServerSecrets {
  if (env.AUTH_SECRET && env.BROKER_KEY_ENCRYPTION_KEY) {
    return { authSecret: env.AUTH_SECRET, keyEncryptionKey: env.BROKER_KEY_ENCRYPTION_KEY, source: 'environment' };
  }
  const dir = path.resolve(env.DATA_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, FILE_NAME);
  let stored: Omit<ServerSecrets, 'source'>;
  try {
    const fd = openSync(file, 'wx', 0o600);
    stored = generate();
    writeSync(fd, `${JSON.stringify(stored, null, 2)}\n`);
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    chmodSync(file, 0o600);
    stored = readFile(file);
  }
  return {
    authSecret: env.AUTH_SECRET ?? stored.authSecret,
    keyEncryptionKey: env.BROKER_KEY_ENCRYPTION_KEY ?? stored.keyEncryptionKey,
    source: 'file',
  };
}

const SECRETS = Symbol.for('cmk-broker.server-secrets');
type GlobalWithSecrets = typeof globalThis & { [SECRETS]?: ServerSecrets };

/** The process's server secrets, loaded once (shared with Next's bundles). */
export function getServerSecrets(): ServerSecrets {
  const g = globalThis as GlobalWithSecrets;
  g[SECRETS] ??= loadServerSecrets(getEnv());
  return g[SECRETS];
}
