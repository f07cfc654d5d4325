// What one active AWS KMS configuration costs a proxy in memory (issue 24,
// benchmark 4: "memory under 512 MB with 10 000 tenants"). For each way of
// building the AWS client, N configurations (each assuming the fleet's role,
// as bench/tsp-scale.ts's tenants do) are made and each wraps once against
// the AWS KMS protocol double (its own process, bench/lib/fleet-tsp.ts);
// the V8 heap in use after two full garbage collections, before and after,
// divided by N, and the time to make one (on one core, so about its CPU: what
// the TSP pays again for a tenant whose driver it let go for room):
//
//   SDK clients per configuration   what the driver was: a KMSClient, an STSClient and a pair of keep-alive agents each
//   SDK KMSClient, shared STS       the same, with the agents and the STS client shared by all configurations
//   the driver (lib/kms/aws-kms)    the driver as the TSP makes it: its own KMSClient, on the agents and STS client
//                                   the TSP shares between configurations (lib/kms/keep-alive.ts)
//
//   npm run bench -- kms-driver-memory [--configs 2000]
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { createKmsDriver } from '@/lib/kms';
import { assumeRoleCredentials } from '@/lib/kms/aws-kms-credentials';
import { closeSharedResources } from '@/lib/kms/keep-alive';
import { printTable, type BenchSummary } from './lib/broker';
import { FLEET_VENDOR, startFleetKms } from './lib/fleet-tsp';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = { roleArn: 'arn:aws:iam::111122223333:role/cmk-key-proxy', externalId: 'cmk-example-external-id', roleSessionName: 'cmk-bench' };
const REGION = 'eu-west-1';

type TClient = { wrap(tenantId: string): Promise<unknown>; close(): void };

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { configs: { type: 'string', default: '2000' } }, strict: true });
  const n = Number(values.configs);
  if (!Number.isInteger(n) || n < 1) throw new Error('usage: kms-driver-memory [--configs 2000]');
  const kms = await startFleetKms();
  try {
    const endpoint = kms.url;
    const sdkClient = (agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }, sts: STSClient): TClient => {
      const client = new KMSClient({ region: REGION, endpoint, maxAttempts: 2, requestHandler: { ...agents, connectionTimeout: 5000, requestTimeout: 5000 }, credentials: assumeRoleCredentials(sts, ROLE, 5000) });
      return { wrap: (tenantId) => client.send(new EncryptCommand({ KeyId: KEY_ARN, Plaintext: new Uint8Array(32), EncryptionContext: { tenantId } })), close: () => client.destroy() };
    };
    const newSts = (agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }) => new STSClient({ region: REGION, endpoint, maxAttempts: 2, requestHandler: agents, credentials: FLEET_VENDOR });
    const newAgents = () => ({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) });
    const sharedAgents = newAgents();
    const sharedSts = newSts(sharedAgents);
    const driverOptions = { aws: { endpoints: { kms: endpoint, sts: endpoint }, vendorCredentials: FLEET_VENDOR, roleSessionName: ROLE.roleSessionName } };
    const settings = { region: REGION, keyArn: KEY_ARN, authMethod: 'assume-role', roleArn: ROLE.roleArn, externalId: ROLE.externalId };
    const variants: [string, () => TClient][] = [
      ['SDK clients per configuration (the driver before)', () => {
        const agents = newAgents();
        return sdkClient(agents, newSts(agents));
      }],
      ['SDK KMSClient per configuration, agents and STS shared', () => sdkClient(sharedAgents, sharedSts)],
      ['the driver (lib/kms/aws-kms.ts)', () => {
        const driver = createKmsDriver('aws-kms', settings, driverOptions);
        return { wrap: (tenantId) => driver.wrap(new Uint8Array(32), { tenantId }), close: () => driver.close() };
      }],
    ];
    const rows: string[][] = [];
    const summary: BenchSummary = [];
    for (const [name, make] of variants) {
      // One of each first, so that what every client shares (modules, code, caches) is not counted per configuration.
      const warm = make();
      await warm.wrap('warm-up');
      const before = heapUsed();
      const makeStarted = performance.now();
      const clients = Array.from({ length: n }, make);
      const makeUs = ((performance.now() - makeStarted) * 1000) / n;
      const made = heapUsed();
      for (let i = 0; i < n; i += 32) await Promise.all(clients.slice(i, i + 32).map((c, j) => c.wrap(`tenant-${i + j}`)));
      const wrapped = heapUsed();
      const kb = (bytes: number) => (bytes / n / 1024).toFixed(1);
      rows.push([name, makeUs.toFixed(0), kb(made - before), kb(wrapped - before), ((wrapped - before) * (10_000 / n) / 1024 / 1024).toFixed(0)]);
      summary.push({ measure: `AWS KMS heap per active configuration: ${name}`, value: `${kb(wrapped - before)} KB` });
      for (const c of [warm, ...clients]) c.close();
      clients.length = 0;
      // Closed sockets let go of their clients on their 'close' events: wait for those before the next row's baseline.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    closeSharedResources(driverOptions);
    sharedSts.destroy();
    console.log(`\n${n} AWS KMS configurations (assume-role) per row, one wrap each against the AWS KMS double; V8 heap in use after two full GCs, per configuration.\n`);
    printTable(['client', 'µs to make one', 'made KB', 'after one wrap KB', '× 10 000 MB'], rows);
    return summary;
  } finally {
    kms.child.kill();
  }
}
