// Runs after the Playwright suite, once the broker it used has stopped: the
// canary secrets the configuration walk typed into the browser
// (.cache/e2e/canaries.json) must appear nowhere in the broker's whole
// database nor in its log output — not in clear and not in any common
// encoding. The responses the browser received were checked during the walk.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFindings, readStoredValues, scanForSecrets, type Canary } from '@/lib/testing/secret-scan';
import { E2E, openE2eDatabase } from './e2e-database';

function canaries(): Canary[] {
  const file = path.join(E2E, 'canaries.json');
  expect(existsSync(file), 'the configuration walk wrote its canaries').toBe(true);
  const values = JSON.parse(readFileSync(file, 'utf8')) as string[];
  expect(values.length).toBeGreaterThan(10);
  return values.map((value, i) => ({ label: `canary ${i + 1}`, value }));
}

describe('after the end-to-end walk', () => {
  it('the broker database holds none of the canary secrets', async () => {
    const db = await openE2eDatabase();
    let stored: Awaited<ReturnType<typeof readStoredValues>>;
    let rollbacks: { tenant: string | null; details: unknown }[];
    try {
      stored = await db.withSession((session) => readStoredValues(session));
      rollbacks = await db.withSession((session) => session.query<{ tenant: string | null; details: unknown }>("SELECT tenant_external_id AS tenant, details FROM audit_event WHERE action = 'config.rollback'"));
    } finally {
      await db.close();
    }
    // Not vacuous: the walk's sealed configurations are there.
    expect(stored.columns.find((c) => c.table === 'tenant_config_version' && c.column === 'jwe')?.values ?? 0).toBeGreaterThan(10);
    expect(formatFindings(scanForSecrets(stored.records, canaries()).findings)).toBe('');
    // The walk's rollback (version 1 restored as version 3) is in the tenant's audit chain; audit_event was scanned above.
    expect(stored.columns.some((c) => c.table === 'audit_event')).toBe(true);
    expect(rollbacks.map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details))).toContainEqual(expect.objectContaining({ version: 3, restoredFrom: 1 }));
    expect(rollbacks.every((r) => r.tenant !== null)).toBe(true);
  });

  it('the broker log output holds none of them', () => {
    const lines = readFileSync(path.join(E2E, 'server.log'), 'utf8')
      .split('\n')
      .map((line, i) => ({ where: `server.log line ${i + 1}`, value: line }));
    expect(lines.length).toBeGreaterThan(50);
    expect(formatFindings(scanForSecrets(lines, canaries()).findings)).toBe('');
  });
});
