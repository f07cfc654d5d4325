// npm run seed:tenants -- --count 10000 [--environment prod-eu] [--prefix seed]
// Seeds many tenants for trying the operator console at scale: real tenant
// keys, sealed configurations and signed states (lib/testing/fleet.ts), a mix
// of set-up, invited and suspended tenants, approvals of the environment's
// active proxy deployments and status reports with some lagging and some
// errors (lib/testing/tenant-mix.ts). The environment is created if missing.
// On the embedded database, stop the broker first (one process only).
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { getEnv } from '@/lib/env';
import { openDatabase } from '@/lib/server/db';
import { newId } from '@/lib/server/ids';
import { seedTenantMix } from '@/lib/testing/tenant-mix';
import { runMain } from '@/scripts/lib/run-main';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '10000' }, environment: { type: 'string', default: 'seed' }, prefix: { type: 'string', default: 'seed' }, help: { type: 'boolean' } },
    strict: true,
  });
  const count = Number(values.count);
  if (values.help || !Number.isInteger(count) || count < 1 || count > 100_000 || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(values.prefix) || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.environment)) {
    console.error('usage: npm run seed:tenants -- --count <1..100000> [--environment <slug>] [--prefix <lower-case id prefix>]');
    return values.help ? 0 : 2;
  }
  getEnv();
  const db = await openDatabase({ migrate: true });
  try {
    const taken = await db.prisma.tenant.count({ where: { externalId: { startsWith: `${values.prefix}-` } } });
    if (taken) {
      console.error(`${taken} tenant(s) named ${values.prefix}-… exist already; choose another --prefix.`);
      return 1;
    }
    const environment =
      (await db.prisma.environment.findUnique({ where: { slug: values.environment }, select: { id: true } })) ??
      (await db.prisma.environment.create({ data: { id: newId('env'), slug: values.environment, displayName: `Seeded (${values.environment})` }, select: { id: true } }));
    const deployments = await db.prisma.proxyDeployment.findMany({ where: { environmentId: environment.id, status: 'active' }, select: { id: true, kid: true, publicJwk: true } });
    console.log(`Seeding ${count} tenants into environment ${values.environment} (${deployments.length} active deployment(s) to approve)…`);
    const started = Date.now();
    const counts = await seedTenantMix(db.prisma, {
      environmentId: environment.id,
      count,
      prefix: values.prefix,
      deployments: deployments.map((d) => ({ ...d, publicJwk: d.publicJwk as JWK })),
      onProgress: (done, total) => {
        const seconds = (Date.now() - started) / 1000;
        console.log(`  ${done}/${total} tenants (${seconds.toFixed(0)} s, ~${Math.max(0, ((total - done) * seconds) / done).toFixed(0)} s left)`);
      },
    });
    console.log(`Done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`);
    return 0;
  } finally {
    await db.close();
  }
}

runMain(main);
