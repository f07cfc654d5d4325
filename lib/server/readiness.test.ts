import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Readiness } from '@/lib/server/db';

const checkReadiness = vi.fn<() => Promise<Readiness>>();
vi.mock('@/lib/server/db', () => ({ checkReadiness: () => checkReadiness() }));
const { readinessAnswer } = await import('./readiness');

async function answer(details: boolean): Promise<{ status: number; body: unknown }> {
  const result = await readinessAnswer('req-1', { details });
  if (result instanceof Response) return { status: result.status, body: await result.json() };
  return { status: 200, body: result };
}

beforeEach(() => {
  checkReadiness.mockReset();
});

describe('readinessAnswer', () => {
  it('tells probes only that the broker is ready; operators also get the database and migrations', async () => {
    checkReadiness.mockResolvedValue({ database: 'pglite', reachable: true, migrations: { applied: 12, pending: [] } });
    expect(await answer(false)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await answer(true)).toEqual({ status: 200, body: { status: 'ready', database: 'pglite', migrations: { applied: 12, pending: [] } } });
  });

  it('answers 503 when migrations are pending, naming them to operators only', async () => {
    checkReadiness.mockResolvedValue({ database: 'postgresql', reachable: true, migrations: { applied: 11, pending: ['0012_secret_sauce'] } });
    const probe = await answer(false);
    expect(probe).toMatchObject({ status: 503, body: { code: 'not_ready', detail: 'The broker is not ready yet.' } });
    expect(JSON.stringify(probe.body)).not.toMatch(/0012|postgresql|checks/);
    expect(await answer(true)).toMatchObject({ status: 503, body: { code: 'not_ready', detail: expect.stringContaining('0012_secret_sauce'), checks: { database: 'postgresql' } } });
  });

  it('answers 503 database_unavailable when the database does not answer, without its error', async () => {
    checkReadiness.mockRejectedValue(new Error('connect ECONNREFUSED 10.1.2.3:5432'));
    const probe = await answer(false);
    expect(probe).toMatchObject({ status: 503, body: { code: 'database_unavailable' } });
    expect(JSON.stringify(probe.body)).not.toMatch(/10\.1\.2\.3|checks/);
  });
});
