// npm run db:migrate — applies pending migrations and prints what it did.
// On PGlite it needs the broker stopped (one process per directory); the
// server also migrates at every start, so this is rarely needed by hand.
import { EnvError, getEnv } from '@/lib/env';
import { openDatabase } from '@/lib/server/db';
import { MigrationError } from '@/lib/server/database/migrate';
import { isAppError } from '@/lib/server/errors';

async function main(): Promise<number> {
  const env = getEnv();
  const where = env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite at ${env.PGLITE_DIR}`;
  const db = await openDatabase({ migrate: true });
  try {
    const result = db.migration;
    if (!result?.applied.length) console.log(`${where}: up to date (${result?.alreadyApplied ?? 0} migrations applied).`);
    else console.log(`${where}: applied ${result.applied.join(', ')}.`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof EnvError || error instanceof MigrationError || isAppError(error)) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
