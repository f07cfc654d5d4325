import 'server-only';
// Demo data for a first `npm start` on an empty embedded database, made
// through the code paths a browser uses, with the browser's own crypto run in
// Node: the first operator enrolls with the setup token, five tenants' first
// admins accept their invitations bringing tenant keys, a proxy deployment is
// created from a key pair made here (its credentials file written to
// DATA_DIR/demo/), each tenant approves it, and their configurations (each
// KMS and SIEM pointing at its local double, doubles.ts; globex's retired
// Azure Key Vault, and Datadog and Elastic in a demo without openssl, fake
// credentials from the provider examples) are sealed and signed like in the
// browser and sent as changes. Passphrases are random per installation and
// shown once; nothing is created when any account exists, with PostgreSQL,
// or with DEMO_DATA=false.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAccountMaterial } from '@/lib/crypto/account-material';
import { newConfigId, type TConfigKind } from '@/lib/crypto/config-document';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { createTenantKeyMaterial } from '@/lib/crypto/tenant-key-material';
import { sealHeldConfig, signNextState, type THeldTenant, type TRecipientKey } from '@/lib/crypto/tenant-changes';
import { importTenantKeys } from '@/lib/crypto/tenant-keys';
import { ZAcceptInvitation, ZSetup } from '@/lib/schemas/account';
import { ZConfigChange } from '@/lib/schemas/config-change';
import { findProvider } from '@/lib/schemas/providers/registry';
import { acceptInvitation } from '@/lib/server/accounts/invitations';
import { createEnvironment } from '@/lib/server/accounts/operator';
import { completeSetup, issueSetupToken } from '@/lib/server/accounts/setup';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { getPrisma } from '@/lib/server/db';
import { createInvitation } from '@/lib/server/dal/invitations';
import { createDeployment } from '@/lib/server/deployments/service';
import { newId } from '@/lib/server/ids';
import { createDemoDoublesSpec, demoDoubleSettings } from './doubles';

type DemoConfig = { provider: string; label: string; primary?: boolean; disabled?: boolean };
const TENANTS: { externalId: string; displayName: string; admin: string; configs: DemoConfig[] }[] = [
  {
    externalId: 'acme',
    displayName: 'Acme Corporation',
    admin: 'admin@acme.example',
    configs: [
      { provider: 'aws-kms', label: 'Production KMS (eu-west-1, local double)', primary: true },
      { provider: 'hashicorp-vault-transit', label: 'Vault transit (DR, local double)' },
      { provider: 'splunk-hec', label: 'Splunk security index (local double)', primary: true },
      { provider: 'datadog', label: 'Datadog audit logs (local double)' },
    ],
  },
  {
    externalId: 'globex',
    displayName: 'Globex',
    admin: 'admin@globex.example',
    configs: [
      { provider: 'google-cloud-kms', label: 'Cloud KMS key ring (local double)', primary: true },
      { provider: 'azure-key-vault', label: 'Azure Key Vault (retired)', disabled: true },
      { provider: 'elastic', label: 'Elastic SIEM (local double)', primary: true },
    ],
  },
  // One tenant per remaining KMS, each on its double (kms-doubles.ts), so the demo TSP serves all five.
  ...[
    ['initech', 'Initech', 'azure-key-vault', 'Azure Key Vault (local double)'],
    ['hooli', 'Hooli', 'hashicorp-vault-transit', 'Vault transit, AppRole (local double)'],
    ['umbrella', 'Umbrella Corporation', 'thales-ciphertrust', 'CipherTrust Manager (local double)'],
  ].map(([externalId = '', displayName = '', provider = '', label = '']) => ({
    externalId,
    displayName,
    admin: `admin@${externalId}.example`,
    configs: [
      { provider, label, primary: true },
      { provider: 'splunk-hec', label: 'Splunk security index (local double)', primary: true },
    ],
  })),
];
const OPERATOR_EMAIL = 'operator@vendor.example';

export type DemoAccount = { email: string; passphrase: string; role: string };
export type DemoResult = { accounts: DemoAccount[]; credentialsFile: string; deploymentId: string };

/** A random passphrase: four groups of base64url, unique to this installation. */
const passphrase = () => `demo-${randomBytes(15).toString('base64url').match(/.{5}/g)?.join('-')}`;

export async function isDatabaseEmpty(): Promise<boolean> {
  return (await (await getPrisma()).user.count()) === 0;
}

async function enrollOperator(): Promise<{ user: CurrentUser; account: DemoAccount }> {
  const account = { email: OPERATOR_EMAIL, passphrase: passphrase(), role: 'vendor operator' };
  const token = await issueSetupToken();
  if (!token) throw new Error('demo data needs an empty database');
  const material = await createAccountMaterial(account.email, account.passphrase);
  // Parsed as the route parses what a browser sends.
  const { userId } = await completeSetup(ZSetup.parse({ setupToken: token, account: { ...material.body, email: account.email } }));
  const user: CurrentUser = { id: userId, email: account.email, isOperator: true, adminKeyKid: material.adminPublicJwk.kid as string, totpEnabled: false, sessionId: 'demo' };
  return { user, account };
}

async function seedTenant(operator: CurrentUser, environmentId: string, spec: (typeof TENANTS)[number], deployment: TRecipientKey, overrides: Record<string, Record<string, unknown>> = {}) {
  const db = await getPrisma();
  const account = { email: spec.admin, passphrase: passphrase(), role: `tenant admin of ${spec.externalId}` };
  const tenantId = newId('ten');
  await db.tenant.create({ data: { id: tenantId, externalId: spec.externalId, displayName: spec.displayName, environmentId } });
  const { token } = await createInvitation(db, { kind: 'tenant_admin', email: spec.admin, tenantId, invitedById: operator.id });
  const material = await createAccountMaterial(account.email, account.passphrase);
  const keys = await createTenantKeyMaterial(spec.externalId, material.adminPublicJwk, false);
  const { userId } = await acceptInvitation(ZAcceptInvitation.parse({ token, account: material.body, tenantKeys: keys.body }), null);

  const access: TenantAccess = {
    user: { id: userId, email: account.email, isOperator: false, adminKeyKid: material.adminPublicJwk.kid as string, totpEnabled: false, sessionId: 'demo' },
    tenant: { id: tenantId, externalId: spec.externalId, displayName: spec.displayName, status: 'active', requireMfa: false },
    membership: { id: 'demo', status: 'confirmed' },
  };
  const tenant: THeldTenant = { externalId: spec.externalId, keys: await importTenantKeys(keys.privates), encPublicJwk: keys.body.encPublicJwk, seq: 0, recipients: [], configs: [] };

  // First the approval (no configurations yet, so nothing to re-seal), then one change per configuration.
  tenant.recipients = [deployment.kid];
  await applyConfigChange(access, ZConfigChange.parse({ state: (await signNextState(tenant)).jws }));
  for (const config of spec.configs) {
    const provider = findProvider(config.provider);
    if (!provider) throw new Error(`unknown demo provider ${config.provider}`);
    const held = { configId: newConfigId(), kind: provider.kind as TConfigKind, provider: config.provider, settings: structuredClone(overrides[config.provider] ?? provider.example) as Record<string, unknown> };
    const sealed = await sealHeldConfig(tenant, held, 1, [deployment]);
    tenant.configs.push({ ...held, version: 1, status: config.disabled ? 'disabled' : 'active', primary: config.primary === true, digest: sealed.digest });
    const { jws } = await signNextState(tenant);
    await applyConfigChange(access, ZConfigChange.parse({ state: jws, put: { configId: held.configId, kind: held.kind, provider: held.provider, label: config.label, version: 1, jwe: sealed.jwe } }));
  }
  return account;
}

/** Loads the demo; writes the deployment's credentials file to `<dataDir>/demo/proxy-credentials.json` (mode 0600). */
export async function seedDemoData(dataDir: string): Promise<DemoResult> {
  const { user: operator, account: operatorAccount } = await enrollOperator();
  const environment = await createEnvironment({ slug: 'demo', displayName: 'Demo environment' });
  const pair = await generateJwkPair('ecdh');
  const created = await createDeployment(operator, { name: 'demo-proxy', environmentId: environment.id, publicJwk: pair.publicJwk as never });
  const deployment = { kid: created.deployment.kid, publicJwk: pair.publicJwk };

  const dir = path.resolve(dataDir, 'demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Each KMS and SIEM configuration (but the retired one) points at a local protocol double (doubles.ts), so the demo TSP really works.
  const doubles = demoDoubleSettings(await createDemoDoublesSpec(dataDir));
  const accounts = [operatorAccount];
  for (const spec of TENANTS) accounts.push(await seedTenant(operator, environment.id, spec, deployment, doubles(spec.externalId)));

  const credentialsFile = path.join(dir, 'proxy-credentials.json');
  const credentials = { ...created.credentials, privateJwk: { ...pair.privateJwk, alg: 'ECDH-ES+A256KW', use: 'enc' } };
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(
    path.join(dir, 'accounts.txt'),
    `Demo accounts of this installation (random passphrases; delete this file once noted):\n\n${accounts.map((a) => `${a.role}: ${a.email}  passphrase: ${a.passphrase}`).join('\n')}\n`,
    { mode: 0o600 },
  );
  return { accounts, credentialsFile, deploymentId: created.deployment.id };
}
