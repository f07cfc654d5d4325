// Starts a throw-away PostgreSQL cluster for tests and benchmarks: a temp
// data directory, a free port on 127.0.0.1, trust auth, run as the `postgres`
// user when we are root (initdb refuses root). Stopped and removed by stop().
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type PgCluster = {
  adminUrl: string;
  port: number;
  dataDir: string;
  version: string;
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port and data; for restart tests. */
  halt(): void;
  resume(): void;
  stop(): void;
};

/** Directory with initdb/pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPgBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debian, v, 'bin'));
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) candidates.push(path.dirname(which.stdout.trim()));
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(binDir: string): Promise<PgCluster> {
  const isRoot = process.getuid?.() === 0;
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-pg-'));
  const dataDir = path.join(base, 'data');
  const port = await freePort();
  let uid: number | undefined;
  let gid: number | undefined;
  if (isRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, uid, gid);
  }
  chmodSync(base, 0o700);
  const run = (file: string, args: string[]) =>
    execFileSync(path.join(binDir, file), args, { uid, gid, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', cwd: base });
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D', dataDir, '-l', path.join(base, 'server.log'), '-w', '-t', '60',
      '-o', `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
      'start',
    ]);
  start();
  const version = run('pg_ctl', ['--version']).trim();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already gone.
    }
    rmSync(base, { recursive: true, force: true });
  };
  const halt = () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  return { adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`, port, dataDir, version, halt, resume: start, stop };
}
