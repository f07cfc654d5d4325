// npm run keys:rotate
// Rotates the broker's bundle-signing key: makes a new ES256 key (private half
// encrypted at rest under BROKER_KEY_ENCRYPTION_KEY), announces it with a
// cmk-key-rotation+jws statement signed by the current key (served at
// /.well-known/cmk-key-rotations.json), signs every bundle with it from now on,
// and keeps the old key published until every bundle it signed has expired.
// Running brokers pick the new key up within a minute. On the embedded
// database, stop the broker first (one process may open it).
import { EnvError, getEnv } from '@/lib/env';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { isAppError } from '@/lib/server/errors';
import { rotateSigningKey } from '@/lib/server/signing';

async function main(): Promise<number> {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    console.log('usage: npm run keys:rotate');
    return 0;
  }
  getEnv();
  await initDatabase({ migrate: true });
  try {
    const result = await rotateSigningKey();
    console.log(`Broker signing key rotated.
  previous key: ${result.previousKid} (published until ${result.previousRetiresAfter.toISOString()}, then retired)
  new key:      ${result.nextKid} (signs every bundle from now on)
Proxies accept the new key through the rotation statement signed by the previous one.`);
    if (result.retired) console.log(`Retired ${result.retired} older key(s) whose bundles have all expired.`);
    return 0;
  } finally {
    await closeDatabase();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof EnvError || isAppError(error) ? error.message : error);
    process.exit(1);
  },
);
