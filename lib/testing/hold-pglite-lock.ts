// Test helper process: takes the PGlite lock on argv[2], prints "locked", holds it until killed.
import { acquirePgliteLock } from '@/lib/server/database/pglite-lock';

const dir = process.argv[2];
if (!dir) throw new Error('usage: hold-pglite-lock.ts <dir>');
acquirePgliteLock(dir);
console.log('locked');
setInterval(() => {}, 60_000);
