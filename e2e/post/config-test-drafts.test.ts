// Runs after the Playwright suite, once the broker has stopped: the draft
// that e2e/configs/config-test.spec.ts tested from the new-configuration
// form ("Test before saving") left nothing stored — the tenant's
// configurations are exactly those it saved, the draft's marker setting is
// nowhere in the database (not even sealed: the sealed draft is dropped once
// picked up), and the test itself is recorded as a draft of no configuration.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFindings, readStoredValues, scanForSecrets } from '@/lib/testing/secret-scan';
import { E2E, openE2eDatabase } from './e2e-database';

type TRecord = { tenant: string; testId: string; configIds: string[]; canary: string };

describe('after the configuration tests walk', () => {
  it('a draft test left no configuration, no version and no payload behind', async () => {
    const file = path.join(E2E, 'config-test-draft.json');
    expect(existsSync(file), 'the configuration tests walk wrote its record').toBe(true);
    const record = JSON.parse(readFileSync(file, 'utf8')) as TRecord;
    const db = await openE2eDatabase();
    try {
      const configs = await db.withSession((s) =>
        s.query<{ id: string }>('SELECT c.id FROM tenant_config c JOIN tenant t ON t.id = c.tenant_id WHERE t.external_id = $1', [record.tenant]),
      );
      expect(configs.map((c) => c.id).sort()).toEqual([...record.configIds].sort());
      const tests = await db.withSession((s) => s.query<{ draft: boolean; config_id: string | null }>('SELECT draft, config_id FROM config_test WHERE id = $1', [record.testId]));
      // Kept for a day at most (pruned on insert), so present right after the walk.
      expect(tests).toEqual([{ draft: true, config_id: null }]);
      const payloads = await db.withSession((s) => s.query<{ n: number }>('SELECT count(*)::int AS n FROM config_test_target WHERE test_id = $1 AND payload IS NOT NULL', [record.testId]));
      expect(payloads[0]?.n).toBe(0);
      const stored = await db.withSession((s) => readStoredValues(s));
      expect(formatFindings(scanForSecrets(stored.records, [{ label: 'draft index', value: record.canary }]).findings)).toBe('');
    } finally {
      await db.close();
    }
  });
});
