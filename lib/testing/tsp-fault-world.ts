// What the fault tests share: a TSP world (tsp-world.ts) whose
// AWS KMS calls go through a counting relay (kms-relay.ts) to the AWS KMS
// protocol double, with a short per-call time limit, optionally a second
// tenant on a second, healthy double behind the same endpoint; and an
// application's calls to the TSP over HTTP, timed.
import { createTenant, publishState, sealTestConfig } from './bundle-factory';
import { startAwsKmsDouble, type TAwsKmsDouble } from './kms/aws-kms-double';
import { startTspWorld, TSP_API_KEY, type TTspWorld, type TTspWorldOptions } from './tsp-world';
import { startKmsRelay, type TKmsRelay } from './kms-relay';

/** The tenant on the second double. */
export const FAST_TENANT = 'fastco';

export type TFaultWorld = {
  world: TTspWorld;
  relay: TKmsRelay;
  /** The second double, when asked for (FAST_TENANT's KMS). */
  second: TAwsKmsDouble | undefined;
  stop(): Promise<void>;
};

export async function startFaultWorld(options: Omit<TTspWorldOptions, 'extraTenants' | 'kms'> & { timeoutMs: number; secondKms?: boolean }): Promise<TFaultWorld> {
  const { timeoutMs, secondKms, ...worldOptions } = options;
  const relay = await startKmsRelay();
  let second: TAwsKmsDouble | undefined;
  const world = await startTspWorld({
    ...worldOptions,
    // Replaces the world's driver options: the endpoint is the relay. No vendor identity, so no tenant here may assume a role (globex).
    tsp: { ...worldOptions.tsp, kms: { timeoutMs, aws: { endpoints: { kms: relay.url, sts: relay.url }, roleSessionName: 'cmk-tsp-faults' } } },
    extraTenants: async (deployment) => {
      if (!secondKms) return [];
      second = await startAwsKmsDouble({});
      const user = second.addUser();
      const key = second.createKey({ allow: [user.accessKeyId] });
      relay.route(user.accessKeyId, second.url);
      const tenant = await createTenant(FAST_TENANT, [deployment]);
      await sealTestConfig(tenant, { provider: 'aws-kms', settings: second.accessKeySettings(key, user), primary: true });
      await publishState(tenant);
      return [tenant];
    },
  });
  relay.target = world.kms.url;
  return {
    world,
    relay,
    second,
    async stop() {
      await world.stop();
      await Promise.all([relay.close(), second?.stop()]);
    },
  };
}

export type TAnswer = { status: number; body: Record<string, unknown> | null; code: number | undefined; dek: string | undefined; edek: string | undefined; retryAfter: string | null; ms: number };

export async function call(world: TTspWorld, route: string, payload: Record<string, unknown>): Promise<TAnswer> {
  const started = performance.now();
  const response = await fetch(`${world.url}/api/1/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `cmk ${TSP_API_KEY}` },
    body: JSON.stringify({ iclFields: { requestingId: 'svc' }, customFields: {}, ...payload }),
  });
  const json = (await response.json()) as { code?: number; dek?: string; edek?: string } | null;
  return { status: response.status, body: json, code: json?.code, dek: json?.dek, edek: json?.edek, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
}

export const wrap = (world: TTspWorld, tenantId = 'acme', customFields: Record<string, string> = {}) => call(world, 'document/wrap', { tenantId, customFields });

export const unwrap = (world: TTspWorld, edek: string | undefined, tenantId = 'acme', customFields: Record<string, string> = {}) =>
  call(world, 'document/unwrap', { tenantId, encryptedDocumentKey: edek, customFields });

/** The sum of a Prometheus metric's samples on the TSP's /metrics whose labels contain `labels` (e.g. 'code="208"'). */
export async function readMetric(world: TTspWorld, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${world.healthUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name && (match[2] ?? '').includes(labels)) sum += Number(match[3]);
  }
  return sum;
}
