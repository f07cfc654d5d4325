// The options of bench/tsp-wrap.ts and the names its table prints, apart from
// the benchmark itself so that parsing them loads no KMS double or SDK.
import { parseArgs } from 'node:util';

export const BENCH_KMS = ['aws', 'google', 'azure', 'vault', 'ciphertrust'] as const;
export type TBenchKms = (typeof BENCH_KMS)[number];

/** Each KMS's name and its direct rows' names, as the table prints them. */
export const KMS_LABELS: Record<TBenchKms, { name: string; wrap: string; unwrap: string }> = {
  aws: { name: 'AWS KMS', wrap: 'SDK Encrypt', unwrap: 'SDK Decrypt' },
  google: { name: 'Google Cloud KMS', wrap: 'REST :encrypt', unwrap: 'REST :decrypt' },
  azure: { name: 'Azure Key Vault', wrap: 'SDK wrapKey', unwrap: 'SDK unwrapKey' },
  vault: { name: 'HashiCorp Vault Transit', wrap: 'REST transit/encrypt', unwrap: 'REST transit/decrypt' },
  ciphertrust: { name: 'Thales CipherTrust', wrap: 'REST crypto/encrypt', unwrap: 'REST crypto/decrypt' },
};

/** Ciphertexts (EDEKs for the TSP rows) made before a run, which the unwrap rows rotate over. */
export const POOL = 256;

export const USAGE = `usage: tsp-wrap [--seconds N] [--connections N] [--tenant quiet|acme] [--drivers all|${BENCH_KMS.join(',')}]`;

/** `--drivers aws,google,…` (or `all`): the KMSs to measure, in the table's order; throws on a name it does not know. */
export function parseKmsList(value: string): TBenchKms[] {
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.includes('all')) return [...BENCH_KMS];
  const unknown = names.filter((name) => !(BENCH_KMS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new Error(`--drivers takes ${BENCH_KMS.join(', ')} or all, comma-separated; not ${JSON.stringify(value)}\n${USAGE}`);
  return BENCH_KMS.filter((name) => names.includes(name));
}

export type TTspWrapOptions = { seconds: number; connections: number; tenant: 'quiet' | 'acme'; drivers: TBenchKms[] };

/** Short rows by default (3 s after the warm-up): with every driver the run is 21 rows. */
export function parseTspWrapArgs(args: string[]): TTspWrapOptions {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      tenant: { type: 'string', default: 'quiet' },
      drivers: { type: 'string', default: 'all' },
    },
    strict: true,
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const tenant = values.tenant;
  if (!(seconds > 0) || !Number.isInteger(connections) || !(connections > 0) || (tenant !== 'quiet' && tenant !== 'acme')) throw new Error(USAGE);
  return { seconds, connections, tenant, drivers: parseKmsList(values.drivers) };
}
