import 'server-only';
// Starting a configuration test and reading it back (docs/proxy-api.md
// "Configuration tests"). The server cannot read a draft: it checks what it
// can without keys — the JWE's structure and algorithms, that its protected
// header says cmk-config-test+jws (never a configuration's type), and that its
// recipients are exactly the approved deployments, never the tenant key — and
// stores one flattened copy per deployment until that deployment picks it up.
// Nothing is written to tenant_config or tenant_config_version. The rate limit
// counts the tenant's tests of the last rolling minute in the database, under
// the tenant's row lock, so it holds across broker instances.
import { readGeneralJwe, narrowJwe, type TGeneralJwe } from '@/lib/crypto/narrow-jwe';
import { configTestView } from '@/lib/config-test-view';
import type { Prisma } from '@/lib/generated/prisma/client';
import { MAX_JWE_BYTES } from '@/lib/schemas/config-change';
import { CONFIG_TEST_CTY, CONFIG_TEST_PICKUP_MS, CONFIG_TESTS_PER_MINUTE, ZConfigTestResult, type TConfigTestView, type TStartConfigTest } from '@/lib/schemas/config-tests';
import { recordAudit, userActor, type AuditContext } from '@/lib/server/audit/record';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { notify } from '@/lib/server/dal/delivery';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { deliveryPayload } from '@/lib/server/delivery/listener';
import { AppError } from '@/lib/server/errors';
import { randomBytes } from 'node:crypto';

/** Tests are telemetry: older ones are deleted whenever a new one starts. */
export const CONFIG_TEST_KEEP_MS = 24 * 60 * 60_000;
const RATE_WINDOW_MS = 60_000;

const refuse = (message: string) => new AppError('validation_failed', { message, fields: [{ path: 'draft.jwe', message }] });

type Target = { id: string; kid: string; name: string };

/** The draft must be a test JWE sealed to exactly the approved deployments: one flattened copy per deployment. */
function checkDraftJwe(raw: unknown, targets: Target[], tenantEncKid: string | null): Map<string, object> {
  const size = new TextEncoder().encode(JSON.stringify(raw)).byteLength;
  if (size > MAX_JWE_BYTES) throw refuse(`The sealed draft is larger than ${MAX_JWE_BYTES} bytes.`);
  let jwe: TGeneralJwe;
  try {
    jwe = readGeneralJwe(raw, [CONFIG_TEST_CTY]);
  } catch (error) {
    throw refuse(`The sealed draft is not a valid configuration-test JWE: ${(error as Error).message}`);
  }
  const kids = jwe.recipients.map((r) => r.header.kid);
  if (tenantEncKid && kids.includes(tenantEncKid)) {
    throw refuse('The draft is sealed to the tenant key. A test is sealed to the approved proxy deployments only, so it can never be opened as a configuration.');
  }
  const missing = targets.filter((t) => !kids.includes(t.kid));
  if (missing.length) throw refuse(`The draft is not sealed to every approved proxy deployment: ${missing.map((t) => t.name).join(', ')} cannot open it. Reload and try again.`);
  if (kids.length !== targets.length) throw refuse('The draft is sealed to a key that is not an approved proxy deployment of this tenant. Reload and try again.');
  return new Map(targets.map((t) => [t.id, narrowJwe(jwe, t.kid)]));
}

/** Seconds until the oldest test of the rolling minute leaves it, or null when one more may start. */
async function rateLimited(tx: Prisma.TransactionClient, tenantId: string, now: Date): Promise<number | null> {
  const recent = await tx.configTest.findMany({
    where: { tenantId, createdAt: { gt: new Date(now.getTime() - RATE_WINDOW_MS) } },
    orderBy: { createdAt: 'asc' },
    select: { createdAt: true },
  });
  const oldest = recent[0];
  if (recent.length < CONFIG_TESTS_PER_MINUTE || !oldest) return null;
  return Math.max(1, Math.ceil((oldest.createdAt.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000));
}

export function newConfigTestId(): string {
  return `ct_${randomBytes(16).toString('base64url')}`;
}

export async function startConfigTest(access: TenantAccess, body: TStartConfigTest, audit?: AuditContext, now = new Date()): Promise<TConfigTestView> {
  const db = await getPrisma();
  const created = await db.$transaction(async (tx) => {
    // The tenant row lock serialises this tenant's starts, so the count below is exact across instances.
    const [tenant] = await tx.$queryRaw<{ id: string; external_id: string; status: string; enc_kid: string | null; recipient_kids: string[]; environment_id: string }[]>`
      SELECT id, external_id, status, enc_kid, recipient_kids, environment_id FROM tenant WHERE id = ${access.tenant.id} FOR UPDATE`;
    if (!tenant) throw new AppError('not_found');
    if (tenant.status === 'suspended') throw new AppError('tenant_suspended');
    const retryAfter = await rateLimited(tx, tenant.id, now);
    if (retryAfter !== null) {
      throw new AppError('rate_limited', { message: `At most ${CONFIG_TESTS_PER_MINUTE} configuration tests a minute; try again in ${retryAfter} s.`, retryAfter });
    }
    await tx.configTest.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - CONFIG_TEST_KEEP_MS) } } });

    const targets: Target[] = await tx.proxyDeployment.findMany({
      where: { kid: { in: tenant.recipient_kids }, environmentId: tenant.environment_id, status: { not: 'deleted' } },
      orderBy: { name: 'asc' },
      select: { id: true, kid: true, name: true },
    });
    if (targets.length === 0) throw new AppError('no_approved_deployments');

    let test: { id: string; kind: string; configId: string | null; version: number | null; provider: string; draft: boolean };
    let payloads = new Map<string, object>();
    if ('draft' in body) {
      const { draft } = body;
      if (draft.configId) {
        const config = await tx.tenantConfig.findFirst({ where: { id: draft.configId, tenantId: tenant.id }, select: { kind: true } });
        if (!config) throw new AppError('not_found', { message: 'This configuration does not exist.' });
        if (config.kind !== draft.kind) throw new AppError('validation_failed', { message: 'A configuration cannot change its kind.', fields: [{ path: 'draft.kind', message: 'A configuration cannot change its kind.' }] });
      }
      if (await tx.configTest.count({ where: { id: draft.testId } })) throw new AppError('conflict', { message: 'This test id was used already; start a new test.' });
      payloads = checkDraftJwe(draft.jwe, targets, tenant.enc_kid);
      test = { id: draft.testId, kind: draft.kind, configId: draft.configId, version: null, provider: draft.provider, draft: true };
    } else {
      const version = await tx.tenantConfigVersion.findFirst({
        where: { configId: body.configId, version: body.version, config: { tenantId: tenant.id } },
        select: { provider: true, config: { select: { kind: true } } },
      });
      if (!version) throw new AppError('not_found', { message: 'This configuration or version does not exist.' });
      test = { id: newConfigTestId(), kind: version.config.kind, configId: body.configId, version: body.version, provider: version.provider, draft: false };
    }

    const pickupBy = new Date(now.getTime() + CONFIG_TEST_PICKUP_MS);
    await tx.configTest.create({ data: { ...test, tenantId: tenant.id, createdById: access.user.id, createdAt: now, pickupBy } });
    await tx.configTestTarget.createMany({
      data: targets.map((t) => ({ testId: test.id, deploymentId: t.id, ...(payloads.has(t.id) ? { payload: payloads.get(t.id) as Prisma.InputJsonValue } : {}) })),
    });
    // Delivered on commit: wakes the deployment's held test polls on every broker instance.
    for (const t of targets) await notify(tx, deliveryPayload({ testFor: t.id }));
    // Last: the audit chain lock is held only until commit.
    await recordAudit(tx, {
      actor: userActor(access.user),
      action: 'config.test',
      tenantExternalId: tenant.external_id,
      target: test.configId ? { type: 'config', id: test.configId } : null,
      context: audit,
      details: { testId: test.id, configId: test.configId, version: test.version, draft: test.draft, kind: test.kind, provider: test.provider, targets: targets.map((t) => t.id) },
    });
    return { id: test.id, targets };
  });
  // This instance need not wait for its own NOTIFY (nor for a listener that is down).
  for (const t of created.targets) getDeliveryHub().publishTests(t.id);
  return getConfigTest(access, created.id, now);
}

/** The admin's view of one test of their tenant; another tenant's test is simply not found. */
export async function getConfigTest(access: TenantAccess, testId: string, now = new Date()): Promise<TConfigTestView> {
  const db = await getPrisma();
  const row = await db.configTest.findFirst({
    where: { id: testId, tenantId: access.tenant.id },
    select: {
      id: true,
      kind: true,
      configId: true,
      version: true,
      draft: true,
      createdAt: true,
      pickupBy: true,
      targets: { orderBy: { deployment: { name: 'asc' } }, select: { deploymentId: true, pickedAt: true, result: true, resultAt: true, deployment: { select: { name: true } } } },
    },
  });
  if (!row) throw new AppError('not_found');
  return configTestView(
    {
      ...row,
      kind: row.kind === 'siem' ? 'siem' : 'kms',
      targets: row.targets.map((t) => ({
        deploymentId: t.deploymentId,
        name: t.deployment.name,
        pickedAt: t.pickedAt,
        resultAt: t.resultAt,
        // Stored as checked on arrival; parsed again so the view never carries more than the schema.
        result: t.result ? ZConfigTestResult.parse(t.result) : null,
      })),
    },
    now,
  );
}
