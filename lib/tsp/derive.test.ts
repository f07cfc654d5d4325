// key/derive-with-secret-path on a whole TSP (lib/testing/tsp-world.ts: the
// real proxy client and TSP, an in-memory broker that keeps the first writer's
// secret as POST /api/v1/proxy/secrets does, the AWS KMS protocol double —
// SigV4 checked, real AES-GCM, encryption context enforced; no cloud KMS is
// reachable here — and the webhook SIEM double). The reference client against
// the real broker, and tampering, are in derive.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsDriver } from '@/lib/kms';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { deriveKey, secretBinding } from './secrets';

let world: TTspWorld;

beforeAll(async () => {
  world = await startTspWorld({ flushMs: 20 });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

type TAnswer = { hasPrimaryConfig: boolean; derivedKeys: Record<string, Record<string, { derivedKey: string; tenantSecretId: number; current: boolean }[]>> };

async function derive(tenantId: string, paths: Record<string, string[]>, extra: Record<string, unknown> = {}, url = world.url): Promise<{ status: number; body: TAnswer & { code?: number; message?: string } }> {
  const response = await fetch(`${url}/api/1/key/derive-with-secret-path`, {
    method: 'POST',
    headers: { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, iclFields: { requestingId: 'svc-search', requestId: 'req-1' }, customFields: { note: 'derive-test' }, paths, derivationType: 'sha512', secretType: 'deterministic', ...extra }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe('key/derive-with-secret-path', () => {
  it('derives HMAC-SHA-512 of each derivation path under the tenant’s secret, made once and stored wrapped', async () => {
    const { status, body } = await derive('acme', { ssn: ['person.ssn', 'employee.ssn'] });
    expect(status).toBe(200);
    expect(body.hasPrimaryConfig).toBe(true);
    const keys = body.derivedKeys.ssn as TAnswer['derivedKeys'][string];
    expect(Object.keys(keys)).toEqual(['person.ssn', 'employee.ssn']);
    expect(keys['person.ssn']).toEqual([{ derivedKey: expect.any(String), tenantSecretId: 1, current: true }]);
    expect(keys['person.ssn']?.[0]?.derivedKey).not.toBe(keys['employee.ssn']?.[0]?.derivedKey);

    // The broker holds the wrapped secret only; opened with the tenant's KMS access and its binding, it gives the same keys.
    const row = world.tenants.acme.secretRows?.[0];
    expect(row).toMatchObject({ secretPath: 'ssn', tenantSecretId: 1, kmsConfigId: world.kmsConfig.acme?.kmsConfigId });
    const driver = createKmsDriver('aws-kms', world.kmsConfig.acme?.settings, world.kms.driverOptions(undefined, 2_000));
    const secret = await driver.unwrap(Buffer.from(row?.wrapped as string, 'base64url'), secretBinding('acme', 'ssn', 1));
    driver.close();
    expect(secret).toHaveLength(64);
    expect(keys['person.ssn']?.[0]?.derivedKey).toBe(deriveKey(secret, 'person.ssn').toString('base64'));

    // The same answer the second time, without a second secret.
    const again = await derive('acme', { ssn: ['person.ssn'] });
    expect(again.body.derivedKeys.ssn?.['person.ssn']).toEqual(keys['person.ssn']);
    expect(world.secretPosts.filter((p) => p.tenantId === 'acme')).toHaveLength(1);
  });

  it('two replicas racing for a new path end up with one secret', async () => {
    const replica = await world.startReplica();
    try {
      const [one, two] = await Promise.all([derive('globex', { email: ['user.email'] }), derive('globex', { email: ['user.email'] }, {}, replica.url)]);
      expect(one.body.derivedKeys).toEqual(two.body.derivedKeys);
      expect(world.tenants.globex.secretRows).toHaveLength(1);
    } finally {
      await replica.stop();
    }
  });

  it('one SIEM event per secret path, naming the path and ids, never a key', async () => {
    const { body } = await derive('acme', { ssn: ['person.ssn'], email: ['person.email'] });
    const events = () => world.webhook.events.filter((e) => e.tenantId === 'acme' && e.event === 'derive' && e.customFields.note === 'derive-test' && e.iclFields.requestId === 'req-1');
    await expect.poll(() => events().length, { timeout: 4_000 }).toBeGreaterThanOrEqual(4);
    const last = events().slice(-2);
    expect(last.map((e) => e.details?.secretPath).sort()).toEqual(['email', 'ssn']);
    expect(last.every((e) => e.category === 'key_use' && e.outcome === 'success' && e.details?.tenantSecretIds === '1' && e.kmsConfigId === world.kmsConfig.acme?.kmsConfigId)).toBe(true);
    const text = JSON.stringify(world.webhook.events);
    for (const byPath of Object.values(body.derivedKeys)) for (const list of Object.values(byPath)) for (const k of list) expect(text).not.toContain(k.derivedKey);
  });

  it('without a primary KMS configuration: hasPrimaryConfig false, no new secret, existing ones still derived', async () => {
    const none = await derive('nopri', { ssn: ['person.ssn'] });
    expect(none).toEqual({ status: 200, body: { hasPrimaryConfig: false, derivedKeys: {} } });
    expect(world.secretPosts.filter((p) => p.tenantId === 'nopri')).toHaveLength(0);

    const before = await derive('quiet', { ssn: ['person.ssn'] });
    const configId = world.kmsConfig.quiet?.configId as string;
    await world.change('quiet', (tenant) => {
      (tenant.configs.get(configId) as { primary: boolean }).primary = false;
    });
    const after = await derive('quiet', { ssn: ['person.ssn'], fresh: ['x'] });
    expect(after.body.hasPrimaryConfig).toBe(false);
    expect(after.body.derivedKeys).toEqual({ ssn: before.body.derivedKeys.ssn });
  });

  it('a disabled configuration refuses its secrets at once (202)', async () => {
    await derive('initech', { ssn: ['person.ssn'] }).catch(() => undefined);
    const made = await derive('umbrella', { ssn: ['person.ssn'] });
    // umbrella has not approved this deployment, initech is suspended: both 201.
    expect(made.status).toBe(404);
    expect(made.body.code).toBe(201);
    expect(made.body.message).toContain('No configurations available');

    await derive('quiet', { ssn: ['person.ssn'] });
    const configId = world.kmsConfig.quiet?.configId as string;
    await world.change('quiet', (tenant) => {
      (tenant.configs.get(configId) as { status: string }).status = 'disabled';
    });
    const refused = await derive('quiet', { ssn: ['person.ssn'] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe(202);
  });

  it('refuses what it does not derive, with a message that says so', async () => {
    const vector = await derive('acme', { ssn: ['x'] }, { secretType: 'vector' });
    expect(vector.status).toBe(400);
    expect(vector.body).toEqual({ code: 102, message: 'secretType must be "deterministic": this proxy keeps deterministic secrets only.' });
    const sha256 = await derive('acme', { ssn: ['x'] }, { derivationType: 'sha256' });
    expect(sha256.body.code).toBe(102);
  });
});
