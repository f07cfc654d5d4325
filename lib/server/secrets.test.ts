import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerSecrets } from './secrets';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cmk-secrets-'));

describe('server secrets', () => {
  it('generates them once in embedded mode, readable only by the owner, and reuses them', () => {
    const dir = path.join(tmp(), 'data');
    const first = loadServerSecrets({ DATA_DIR: dir });
    expect(first.source).toBe('file');
    expect(first.keyEncryptionKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.authSecret.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, 'server-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadServerSecrets({ DATA_DIR: dir })).toEqual(first);
  });

  it('prefers the environment', () => {
    const key = 'B'.repeat(43);
    const secrets = loadServerSecrets({ DATA_DIR: tmp(), AUTH_SECRET: 'x'.repeat(40), BROKER_KEY_ENCRYPTION_KEY: key });
    expect(secrets).toEqual({ authSecret: 'x'.repeat(40), keyEncryptionKey: key, source: 'environment' });
  });

  it('refuses a damaged file instead of silently replacing the key', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'server-secrets.json'), '{"authSecret":"short"}');
    expect(() => loadServerSecrets({ DATA_DIR: dir })).toThrow(/is damaged; restore it from a backup/);
    expect(readFileSync(path.join(dir, 'server-secrets.json'), 'utf8')).toBe('{"authSecret":"short"}');
  });
});
