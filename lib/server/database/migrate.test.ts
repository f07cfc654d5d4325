import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksumOf, loadMigrations, MIGRATION_LOCK_SQL, MIGRATION_UNLOCK_SQL } from './migrate';

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

describe('the migrations lock', () => {
  it('is named, so the key PostgreSQL locks is the one written here, with nothing for a driver to round', () => {
    // A numeric key above 2^53 (the old 0x636d6b5f6d6967) reached PostgreSQL as another number.
    expect(MIGRATION_LOCK_SQL).toBe("SELECT pg_advisory_lock(hashtext('cmk-broker:migrations'))");
    expect(MIGRATION_UNLOCK_SQL).toBe("SELECT pg_advisory_unlock(hashtext('cmk-broker:migrations'))");
    for (const sql of [MIGRATION_LOCK_SQL, MIGRATION_UNLOCK_SQL]) expect(sql).not.toMatch(/\$\d|\d/);
  });

  it('is the statement docs/database.md tells operators to run', () => {
    const docs = readFileSync(path.join(process.cwd(), 'docs', 'database.md'), 'utf8');
    expect(docs).toContain(`\n${MIGRATION_LOCK_SQL};\n`);
    expect(docs).toContain(`\n${MIGRATION_UNLOCK_SQL};\n`);
  });
});
