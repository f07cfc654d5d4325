import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

const KEY = 'A'.repeat(43);

function errorOf(source: Record<string, string>): EnvError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected parseEnv to throw');
}

describe('parseEnv', () => {
  it('defaults to embedded PGlite on localhost:3000', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      PGLITE_DIR: './data/pglite',
      databaseKind: 'pglite',
      PUBLIC_URL: 'http://localhost:3000',
      isHttps: false,
      TRUST_PROXY: 0,
    });
  });

  it('reads TRUST_PROXY as the number of reverse proxies in front: true is one, false none', () => {
    expect(['true', 'YES', '1'].map((v) => parseEnv({ TRUST_PROXY: v }).TRUST_PROXY)).toEqual([1, 1, 1]);
    expect(['false', 'no', '0', ''].map((v) => parseEnv({ TRUST_PROXY: v }).TRUST_PROXY)).toEqual([0, 0, 0, 0]);
    expect(parseEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(errorOf({ TRUST_PROXY: '11' }).issues[0]).toMatch(/^TRUST_PROXY: expected true, false or the number/);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '', DATABASE_URL: '' }).databaseKind).toBe('pglite');
  });

  it('derives the PGlite folder from DATA_DIR and honours PGLITE_DIR', () => {
    expect(parseEnv({ DATA_DIR: '/var/lib/broker/' }).PGLITE_DIR).toBe('/var/lib/broker/pglite');
    expect(parseEnv({ DATA_DIR: '/x', PGLITE_DIR: '/y' }).PGLITE_DIR).toBe('/y');
  });

  it('uses PostgreSQL when DATABASE_URL is a postgresql URL', () => {
    expect(parseEnv({ DATABASE_URL: 'postgresql://u:p@db:5432/broker' }).databaseKind).toBe('postgresql');
    expect(parseEnv({ DATABASE_URL: 'postgres://db/broker' }).databaseKind).toBe('postgresql');
  });

  it('takes a migration URL beside DATABASE_URL only, never echoing it', () => {
    const env = parseEnv({ DATABASE_URL: 'postgresql://cmk_app@db/broker', DATABASE_MIGRATION_URL: 'postgresql://cmk_owner@db/broker' });
    expect(env.DATABASE_MIGRATION_URL).toBe('postgresql://cmk_owner@db/broker');
    expect(errorOf({ DATABASE_MIGRATION_URL: 'postgresql://cmk_owner@db/broker' }).issues).toEqual([
      'DATABASE_MIGRATION_URL: needs DATABASE_URL (it names the role that migrates the PostgreSQL database)',
    ]);
    const error = errorOf({ DATABASE_URL: 'postgresql://db/broker', DATABASE_MIGRATION_URL: 'mysql://owner:hunter2-canary@db/x' });
    expect(error.message).toContain('DATABASE_MIGRATION_URL: expected a postgresql://');
    expect(error.message).not.toContain('canary');
  });

  it('names the variable and what it expects', () => {
    const error = errorOf({ PORT: 'eighty', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe' });
    expect(error.issues).toEqual([
      'PORT: expected an integer from 1 to 65535 (got "eighty")',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'TRUST_PROXY: expected true, false or the number of reverse proxies in front (0 to 10) (got "maybe")',
    ]);
    expect(error.message).toMatch(/^Invalid environment:\n {2}- PORT/);
  });

  it('rejects out-of-range ports and non-http public URLs', () => {
    expect(errorOf({ PORT: '70000' }).issues[0]).toMatch(/^PORT: expected an integer from 1 to 65535/);
    expect(errorOf({ PUBLIC_URL: 'ftp://broker' }).issues[0]).toMatch(/^PUBLIC_URL: expected an absolute http/);
  });

  it('bounds the notifier interval and batch window (docs/notifications.md)', () => {
    expect(parseEnv({})).toMatchObject({ NOTIFY_INTERVAL_S: 30, NOTIFY_BATCH_WINDOW_S: 300 });
    expect(parseEnv({ NOTIFY_INTERVAL_S: '1', NOTIFY_BATCH_WINDOW_S: '60' })).toMatchObject({ NOTIFY_INTERVAL_S: 1, NOTIFY_BATCH_WINDOW_S: 60 });
    expect(errorOf({ NOTIFY_INTERVAL_S: '0' }).issues[0]).toBe('NOTIFY_INTERVAL_S: expected seconds from 1 to 3600 (got "0")');
    expect(errorOf({ NOTIFY_BATCH_WINDOW_S: '5' }).issues[0]).toBe('NOTIFY_BATCH_WINDOW_S: expected seconds from 60 to 86400 (got "5")');
    expect(errorOf({ NOTIFY_INTERVAL_S: '2.5' }).issues[0]).toMatch(/^NOTIFY_INTERVAL_S: expected seconds/);
  });

  it('takes the audit checkpoint interval in seconds, 300 by default, from 10 to 86400', () => {
    expect(parseEnv({}).AUDIT_CHECKPOINT_INTERVAL_S).toBe(300);
    expect(parseEnv({ AUDIT_CHECKPOINT_INTERVAL_S: '60' }).AUDIT_CHECKPOINT_INTERVAL_S).toBe(60);
    for (const bad of ['5', '86401', '1.5', 'often']) {
      expect(errorOf({ AUDIT_CHECKPOINT_INTERVAL_S: bad }).issues).toEqual([`AUDIT_CHECKPOINT_INTERVAL_S: expected seconds from 10 to 86400 (got "${bad}")`]);
    }
  });

  it('never echoes the value of a secret variable', () => {
    const error = errorOf({ DATABASE_URL: 'mysql://root:hunter2-canary@db/x', AUTH_SECRET: 'short-canary' });
    expect(error.message).toContain('DATABASE_URL: expected a postgresql://');
    expect(error.message).toContain('AUTH_SECRET: expected at least 32 characters');
    expect(error.message).not.toContain('canary');
  });

  it('requires explicit secrets in production on PostgreSQL', () => {
    const error = errorOf({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/broker' });
    expect(error.issues).toEqual([
      'AUTH_SECRET: required when NODE_ENV=production with DATABASE_URL (every broker instance must share it)',
      'BROKER_KEY_ENCRYPTION_KEY: required when NODE_ENV=production with DATABASE_URL (every broker instance must share it)',
    ]);
    const ok = parseEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/broker', AUTH_SECRET: 's'.repeat(32), BROKER_KEY_ENCRYPTION_KEY: KEY });
    expect(ok.isProduction).toBe(true);
  });

  it('does not require them in production on embedded PGlite', () => {
    expect(parseEnv({ NODE_ENV: 'production' }).AUTH_SECRET).toBeUndefined();
  });

  it('checks the key-encryption key format', () => {
    expect(errorOf({ BROKER_KEY_ENCRYPTION_KEY: 'not-base64url!' }).issues[0]).toMatch(/^BROKER_KEY_ENCRYPTION_KEY: expected 32 random bytes/);
  });

  it('recognises https public URLs (for HSTS)', () => {
    expect(parseEnv({ PUBLIC_URL: 'https://broker.example.com/' })).toMatchObject({ isHttps: true, PUBLIC_URL: 'https://broker.example.com' });
  });
});
