import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksumOf, loadMigrations } from './migrate';

describe('migration files', () => {
  it('loads the project migrations in order with checksums', () => {
    const migrations = loadMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.id)).toEqual([...migrations.map((m) => m.id)].sort());
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores line-ending differences but nothing else', () => {
    expect(checksumOf('SELECT 1;\r\nSELECT 2;\r\n')).toBe(checksumOf('SELECT 1;\nSELECT 2;\n'));
    expect(checksumOf('SELECT 1;')).not.toBe(checksumOf('SELECT 1; '));
  });

  it('refuses a folder without migration.sql', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cmk-m-'));
    mkdirSync(path.join(dir, '0001_empty'));
    expect(() => loadMigrations(dir)).toThrow(/0001_empty has no migration.sql/);
    writeFileSync(path.join(dir, '0001_empty', 'migration.sql'), 'SELECT 1;');
    expect(loadMigrations(dir)).toHaveLength(1);
  });

  it('refuses transaction control inside a migration', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cmk-m-'));
    mkdirSync(path.join(dir, '0001_tx'));
    writeFileSync(path.join(dir, '0001_tx', 'migration.sql'), 'CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);');
    expect(() => loadMigrations(dir)).toThrow(/0001_tx must not contain BEGIN\/COMMIT/);
  });
});
