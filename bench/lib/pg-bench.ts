// The PostgreSQL leg of a benchmark that runs on both backends: a temporary
// cluster (scripts/lib/pg-cluster.ts) with a fresh `bench` database, or a
// line saying why the leg is skipped when the binaries are not installed.
import pg from 'pg';
import { findPgBinDir, startPgCluster } from '@/scripts/lib/pg-cluster';

/** Runs `leg` with the URL of a fresh database on a temporary cluster, then stops the cluster; skips (with a line) without PostgreSQL. */
export async function withBenchPostgres(leg: (url: string, version: string) => Promise<void>): Promise<void> {
  const bin = findPgBinDir();
  if (!bin) {
    console.log('PostgreSQL binaries not found: PostgreSQL leg skipped (apt-get install -y postgresql).');
    return;
  }
  const cluster = await startPgCluster(bin);
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/bench';
    await leg(url.toString(), cluster.version);
  } finally {
    cluster.stop();
  }
}
