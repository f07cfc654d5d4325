import 'server-only';
// Owns the "one process per PGlite directory" rule. PGlite has no lock of its
// own and two writers silently lose rows, so the directory gets a lock file
// holding the owner's pid; a second process fails at once with a clear
// message. A lock left behind by a dead process is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { AppError } from '@/lib/server/errors';

export type PgliteLock = { readonly file: string; release(): void };

type LockOwner = { pid: number; hostname: string; startedAt: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string') {
      return { pid: owner.pid, hostname: owner.hostname, startedAt: String(owner.startedAt ?? 'unknown') };
    }
  } catch {
    // Unreadable or half-written: treated as stale below.
  }
  return undefined;
}

/** Takes the lock for `dataDir` (creating the folder) or throws `database_locked`. */
export function acquirePgliteLock(dataDir: string): PgliteLock {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, '..', `${path.basename(dir)}.lock`);
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };

  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      const sameHost = owner?.hostname === me.hostname;
      if (owner && owner.pid === process.pid && sameHost) {
        throw new AppError('database_locked', {
          message: `The embedded database ${dir} is already open in this process.`,
        });
      }
      if (owner && (!sameHost || isAlive(owner.pid))) {
        throw new AppError('database_locked', {
          message:
            `The embedded database ${dir} is in use by process ${owner.pid} on ${owner.hostname} (since ${owner.startedAt}). ` +
            'Only one process may open a PGlite directory: stop that process first, point PGLITE_DIR elsewhere, ' +
            'or use PostgreSQL (DATABASE_URL) to run several broker instances.',
        });
      }
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const owner = readOwner(file);
      if (owner?.pid === process.pid) rmSync(file, { force: true });
      process.off('exit', release);
    };
    process.on('exit', release);
    return { file, release };
  }
  throw new AppError('database_locked', { message: `Could not take the lock ${file}; remove it if no broker is running.` });
}
