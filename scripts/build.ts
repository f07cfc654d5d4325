// npm run build — generates the Prisma client if needed, then `next build`.
// The build never opens the database (lib/server/db.ts refuses to during
// Next's build phase), so it can run while a broker is serving.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { recordBuild, sourceHash } from './build-info';

const require = createRequire(import.meta.url);

export function build(): void {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  if (!existsSync('lib/generated/prisma/client.ts')) {
    const generated = spawnSync(process.execPath, ['scripts/prisma-generate.mjs'], { stdio: 'inherit', env });
    if (generated.status !== 0) throw new Error('prisma generate failed');
  }
  const hash = sourceHash();
  const nextBin = require.resolve('next/dist/bin/next');
  // NODE_ENV must be production for `next build`, whatever the caller's shell says.
  const result = spawnSync(process.execPath, [nextBin, 'build'], { stdio: 'inherit', env: { ...env, NODE_ENV: 'production' } });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
  recordBuild(hash);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    build();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
