// The end of a command-line script: run `main`, exit with its code, and print
// expected failures (a bad environment, an AppError) as their message only.
import { EnvError } from '@/lib/env';
import { isAppError } from '@/lib/server/errors';

export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof EnvError || isAppError(error) ? error.message : error);
      process.exit(1);
    },
  );
}
