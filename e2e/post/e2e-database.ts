// The broker database the Playwright suite used, opened once the suite has
// stopped the broker (it may still be releasing the database for a moment).
import path from 'node:path';
import { openDatabase } from '@/lib/server/db';

export const E2E = path.resolve('.cache/e2e');

export async function openE2eDatabase(): Promise<Awaited<ReturnType<typeof openDatabase>>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openDatabase({ env: { PGLITE_DIR: path.join(E2E, 'data', 'pglite'), DATABASE_POOL_MAX: 1 } });
    } catch (error) {
      if (attempt >= 30 || (error as { code?: string }).code !== 'database_locked') throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
