// The database-away errors that reach us as plain Errors (no code), as
// node-postgres raises them mid-transaction after a restart: each is a 503 the
// client may retry, never a 500 (lib/server/database/restart.int.test.ts found
// the first one under load).
import { describe, expect, it } from 'vitest';
import { mapDatabaseError } from './prisma-errors';

describe('mapDatabaseError for a lost connection', () => {
  it.each([
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
    'Connection terminated unexpectedly',
    'the database system is shutting down',
  ])('"%s" is database_unavailable, also as the cause of another error', (message) => {
    expect(mapDatabaseError(new Error(message))).toMatchObject({ code: 'database_unavailable', status: 503 });
    expect(mapDatabaseError(new Error('Transaction failed', { cause: new Error(message) }))).toMatchObject({ code: 'database_unavailable' });
  });

  it('leaves an error it does not know alone', () => {
    expect(mapDatabaseError(new Error('Client did something else'))).toBeUndefined();
  });
});
