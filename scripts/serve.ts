// Starts the broker in this process and stops it cleanly on SIGINT/SIGTERM.
// Start-up failures (bad environment, locked or changed database) print one
// clear message and exit with status 1.
import { EnvError } from '@/lib/env';
import { MigrationError } from '@/lib/server/database/migrate';
import { isAppError } from '@/lib/server/errors';
import { startServer, type StartOptions } from '@/lib/server/http-server';

export async function runServer(options: StartOptions): Promise<void> {
  try {
    const server = await startServer(options);
    console.log(`\n  CMK configuration broker: ${server.url}\n`);
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping…`);
      void server.close().then(() => process.exit(0));
      setTimeout(() => process.exit(1), 10_000).unref();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    if (error instanceof EnvError || error instanceof MigrationError || isAppError(error)) {
      console.error(`\nThe broker cannot start.\n${error.message}\n`);
    } else {
      console.error('\nThe broker cannot start:', error);
    }
    process.exit(1);
  }
}
