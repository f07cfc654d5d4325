// The PGlite directory lock across processes (PGlite only).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/server/errors';
import { acquirePgliteLock } from './pglite-lock';
import { backend } from '@/lib/testing/test-db';

describe.runIf(backend === 'pglite')('PGlite directory lock', () => {
  it('refuses a directory held by another live process, naming it', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-lock-')), 'pglite');
    // A real second process takes the lock with the same code and holds it until killed.
    const child = spawn(process.execPath, ['scripts/node.mjs', 'lib/testing/hold-pglite-lock.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    try {
      let error: unknown;
      try {
        acquirePgliteLock(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('database_locked');
      expect((error as Error).message).toContain(`is in use by process ${child.pid} on ${os.hostname()}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a dead process, and releases it', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-lock-')), 'pglite');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, hostname: os.hostname(), startedAt: 'long ago' }));
    const lock = acquirePgliteLock(dir);
    expect(existsSync(lock.file)).toBe(true);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });

  it('refuses to open the same directory twice in one process', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-lock-')), 'pglite');
    const lock = acquirePgliteLock(dir);
    try {
      expect(() => acquirePgliteLock(dir)).toThrow(/already open in this process/);
    } finally {
      lock.release();
    }
  });

  it('creates missing parent folders', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-lock-')), 'a', 'b', 'pglite');
    const lock = acquirePgliteLock(dir);
    expect(existsSync(dir)).toBe(true);
    lock.release();
  });
});
