// A broker that a test stops and starts again at the same address, and a
// fleet of tenants approved for one proxy deployment — what the proxy-client
// integration tests (tamper, broker down, restore) share.
import path from 'node:path';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import type { CurrentUser } from '@/lib/server/authz';
import { createDeployment } from '@/lib/server/deployments/service';
import { seedFleet, type FleetTenant } from './fleet';
import { startBroker, type ServerProcess } from './server-process';
import type { TestDatabase } from './test-db';

/** The broker on the test's database; restarts keep the port, so the proxy client's credentials stay valid. */
export class RestartableBroker {
  server: ServerProcess | undefined;
  private port = '';

  constructor(
    private readonly testDb: TestDatabase,
    private readonly secrets: Record<string, string>,
  ) {}

  /** Starts the broker; returns its URL. */
  async start(): Promise<string> {
    const { testDb } = this;
    const started = await startBroker({
      ...this.secrets,
      ...(this.port ? { PORT: this.port } : {}),
      DATABASE_URL: testDb.env.DATABASE_URL ?? '',
      PGLITE_DIR: testDb.env.PGLITE_DIR,
      DATA_DIR: path.join(testDb.dir, 'data'),
    });
    if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
    this.server = started.server;
    this.port = new URL(started.server.url).port;
    return started.server.url;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

/**
 * An environment, a deployment in it (its key pair made here, as the
 * operator's browser would) and `count` tenants that approved it; the
 * credentials carry the private key as the downloaded file does.
 */
export async function fleetWithDeployment(
  prisma: PrismaClient,
  options: { environmentId: string; slug: string; deploymentName: string; count: number; configsPerTenant: number },
): Promise<{ fleet: FleetTenant[]; credentials: TProxyCredentials }> {
  const { environmentId, slug } = options;
  await prisma.environment.create({ data: { id: environmentId, slug, displayName: slug } });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name: options.deploymentName, environmentId, publicJwk: pair.publicJwk as never });
  const fleet = await seedFleet(prisma, {
    environmentId,
    count: options.count,
    configsPerTenant: options.configsPerTenant,
    recipients: [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }],
    prefix: slug,
  });
  const credentials = { ...created.credentials, privateJwk: { ...pair.privateJwk, alg: 'ECDH-ES+A256KW', use: 'enc' } as never } as TProxyCredentials;
  return { fleet, credentials };
}
