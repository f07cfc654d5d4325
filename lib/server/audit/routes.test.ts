// Every API route that can change state is accounted for: each exported
// POST/PUT/PATCH/DELETE handler under app/ is either mapped to the catalogue
// actions it writes (proved one by one in catalogue.int.test.ts) or listed as
// not audited, with the reason. A new mutating route without an entry fails
// here, so nobody adds a write the audit trail does not see.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAuditAction, type AuditAction } from '@/lib/schemas/audit';

const APP = path.join(process.cwd(), 'app');
const MUTATING = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** `METHOD /route/path` → the catalogue actions the handler writes. */
const AUDITED: Record<string, AuditAction[]> = {
  'POST /api/auth/[...nextauth]': ['auth.sign_in', 'account.recovery_code_use', 'auth.sign_out'],
  'POST /api/v1/setup': ['account.setup'],
  'POST /api/v1/account/passphrase': ['account.passphrase_change'],
  'DELETE /api/v1/account/sessions': ['account.sessions_revoke'],
  'PATCH /api/v1/account/notifications': ['account.notifications_update'],
  'PUT /api/v1/account/totp': ['account.mfa_enable'],
  'DELETE /api/v1/account/totp': ['account.mfa_disable'],
  'POST /api/v1/invitations/accept': ['invitation.accept', 'recovery_kit.create'],
  'POST /api/v1/operator/api-tokens': ['api_token.create'],
  'DELETE /api/v1/operator/api-tokens/[id]': ['api_token.revoke'],
  'POST /api/v1/operator/deployments': ['deployment.create', 'deployment.awaiting_approval'],
  'PATCH /api/v1/operator/deployments/[id]': ['deployment.update', 'deployment.disable', 'deployment.enable', 'deployment.awaiting_approval'],
  'DELETE /api/v1/operator/deployments/[id]': ['deployment.delete'],
  'POST /api/v1/operator/deployments/[id]/api-keys': ['deployment.rotate_key'],
  'POST /api/v1/operator/environments': ['environment.create'],
  'POST /api/v1/operator/invitations/[id]/resend': ['invitation.resend'],
  'DELETE /api/v1/operator/invitations/[id]': ['invitation.revoke'],
  'POST /api/v1/operator/operators': ['invitation.create'],
  'PATCH /api/v1/operator/settings': ['broker.settings_update'],
  'POST /api/v1/operator/tenants': ['tenant.create', 'invitation.create'],
  'POST /api/v1/operator/tenants/[tenant]/deletion': ['tenant.deletion_request'],
  'DELETE /api/v1/operator/tenants/[tenant]/deletion': ['tenant.deletion_cancel'],
  'DELETE /api/v1/operator/tenants/[tenant]': ['tenant.delete'],
  'POST /api/v1/operator/tenants/[tenant]/suspension': ['tenant.suspend'],
  'DELETE /api/v1/operator/tenants/[tenant]/suspension': ['tenant.resume'],
  'POST /api/v1/proxy/secrets': ['tenant_secret.created'],
  'POST /api/v1/proxy/status': ['delivery.apply', 'delivery.error'],
  'POST /api/v1/tenants/[tenant]/config-tests': ['config.test'],
  'POST /api/v1/tenants/[tenant]/admins/[id]/confirm': ['admin.confirm'],
  'DELETE /api/v1/tenants/[tenant]/admins/[id]': ['admin.remove'],
  'POST /api/v1/tenants/[tenant]/changes': [
    'config.create',
    'config.edit',
    'config.rollback',
    'config.disable',
    'config.enable',
    'config.primary',
    'config.delete',
    'deployment.approve',
    'deployment.remove',
    'tenant.keys_rotate',
    'tenant.state_reissue',
    'tenant_secret.rotated',
    'tenant_secret.archived',
  ],
  'POST /api/v1/tenants/[tenant]/invitations': ['invitation.create'],
  'POST /api/v1/tenants/[tenant]/invitations/[id]/resend': ['invitation.resend'],
  'DELETE /api/v1/tenants/[tenant]/invitations/[id]': ['invitation.revoke'],
  'POST /api/v1/tenants/[tenant]/recover': ['tenant.recover'],
  'POST /api/v1/tenants/[tenant]/recovery-kits': ['recovery_kit.create'],
  'PATCH /api/v1/tenants/[tenant]/settings': ['tenant.settings_update'],
  'POST /api/v1/vendor/tenants': ['tenant.create', 'invitation.create'],
  'POST /api/v1/vendor/tenants/[tenant]/invitation/resend': ['invitation.resend'],
  'POST /api/v1/vendor/tenants/[tenant]/suspend': ['tenant.suspend'],
  'POST /api/v1/vendor/tenants/[tenant]/resume': ['tenant.resume'],
};

/** Mutating methods that record nothing, and why. */
const NOT_AUDITED: Record<string, string> = {
  'POST /api/[...path]': 'the catch-all 404 for unknown API paths',
  'PUT /api/[...path]': 'the catch-all 404 for unknown API paths',
  'PATCH /api/[...path]': 'the catch-all 404 for unknown API paths',
  'DELETE /api/[...path]': 'the catch-all 404 for unknown API paths',
  'POST /api/v1/auth/prelogin': 'a read: the salt and iterations for an email (POST keeps the email out of URLs)',
  'POST /api/v1/invitations/lookup': 'a read: what an invitation link is for (POST keeps the token out of URLs)',
  'POST /api/v1/account/totp': 'starts enrolment with an unconfirmed secret; turning it on (PUT) is the audited change',
  'DELETE /api/v1/account/totp/enrolment': 'discards the unconfirmed secret of an enrolment; nothing was turned on or off',
  'POST /api/v1/proxy/tests/[testId]/result': 'a proxy’s result for a configuration test, telemetry shown in the test’s view; starting the test is the audited act (config.test)',
};

/** Routes whose handler does not take the request context itself (next-auth passes it to the authorize callback). */
const CONTEXT_ELSEWHERE = new Set(['POST /api/auth/[...nextauth]']);

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === 'route.ts' ? [full] : [];
  });
}

/** The mutating methods a route file exports: `export const POST = …`, `export async function PUT`, `export const { GET, POST } = …`. */
function mutatingExports(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+([A-Z]+)\b/g)) found.add(m[1] as string);
  for (const m of source.matchAll(/export\s+const\s*\{([^}]*)\}/g)) for (const name of (m[1] as string).split(',')) found.add(name.trim().split(/\s*:\s*/).pop() as string);
  return MUTATING.filter((method) => found.has(method));
}

const routes = routeFiles(APP).flatMap((file) => {
  const source = readFileSync(file, 'utf8');
  const routePath = `/${path.relative(APP, path.dirname(file)).split(path.sep).join('/')}`;
  return mutatingExports(source).map((method) => ({ key: `${method} ${routePath}`, source }));
});

describe('mutating API routes and the audit catalogue', () => {
  it('finds the route files', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(mutatingExports('export const { GET, POST } = handlers;\nexport async function DELETE() {}')).toEqual(['POST', 'DELETE']);
  });

  it('maps every mutating handler to the actions it writes, or says why it writes none', () => {
    const unlisted = routes.map((r) => r.key).filter((key) => !(key in AUDITED) && !(key in NOT_AUDITED));
    expect(unlisted, 'add these to AUDITED (with their catalogue actions) or to NOT_AUDITED (with a reason)').toEqual([]);
  });

  it('lists no route that does not exist, none twice, and only catalogued actions', () => {
    const keys = new Set(routes.map((r) => r.key));
    expect([...Object.keys(AUDITED), ...Object.keys(NOT_AUDITED)].filter((key) => !keys.has(key))).toEqual([]);
    expect(Object.keys(AUDITED).filter((key) => key in NOT_AUDITED)).toEqual([]);
    for (const [key, actions] of Object.entries(AUDITED)) {
      expect(actions.length, key).toBeGreaterThan(0);
      expect(actions.filter((a) => !isAuditAction(a)), key).toEqual([]);
    }
    for (const reason of Object.values(NOT_AUDITED)) expect(reason.length).toBeGreaterThan(10);
  });

  it('passes the request context (IP, user agent, request id) to the audited service', () => {
    const without = routes.filter((r) => r.key in AUDITED && !CONTEXT_ELSEWHERE.has(r.key) && !/auditContext\(|operatorAudit\(/.test(r.source)).map((r) => r.key);
    expect(without).toEqual([]);
  });
});
