import { spawnSync } from 'node:child_process';
import { findPgBinDir, startPgCluster } from '/work/wt-usage/scripts/lib/pg-cluster';
const cluster = await startPgCluster(findPgBinDir()!);
try {
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'integration-postgresql', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TEST_PG_ADMIN_URL: (cluster as any).adminUrl ?? (cluster as any).url } });
  process.exitCode = r.status ?? 1;
} finally { await cluster.stop(); }
