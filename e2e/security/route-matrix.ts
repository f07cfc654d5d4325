// Every page and API route of the broker, with who may reach it. The
// coverage test in authz.spec.ts fails when a route file exists that is not
// listed here (or a listed one no longer exists), so a new route cannot skip
// the authorization checks.
// 'proxy': a proxy deployment's bearer API key only; every session (and no session) gets 401.
// 'vendor-read' / 'vendor-write': a vendor API token (Bearer cmkv_…) of that scope only; sessions of every role get 401 too.
export type Access = 'public' | 'user' | 'operator' | 'tenant-admin' | 'tenant-member' | 'auth-endpoint' | 'proxy' | 'vendor-read' | 'vendor-write';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Paths use Next's folder names: [tenant] is a tenant's external id, [id] a record id. */
export const API_ROUTES: { path: string; methods: Method[]; access: Access }[] = [
  { path: '/api/health', methods: ['GET'], access: 'public' },
  // The benchmark's framework floor: 404 unless the broker starts with BENCH_FLOOR_ROUTE=1.
  { path: '/api/v1/bench-floor', methods: ['GET'], access: 'public' },
  { path: '/api/ready', methods: ['GET'], access: 'public' },
  { path: '/api/[...path]', methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], access: 'public' },
  { path: '/api/auth/[...nextauth]', methods: ['GET', 'POST'], access: 'auth-endpoint' },
  { path: '/api/v1/auth/prelogin', methods: ['POST'], access: 'public' },
  { path: '/api/v1/setup', methods: ['GET', 'POST'], access: 'public' },
  { path: '/api/v1/invitations/lookup', methods: ['POST'], access: 'public' },
  { path: '/api/v1/invitations/accept', methods: ['POST'], access: 'public' },
  { path: '/api/v1/account', methods: ['GET'], access: 'user' },
  { path: '/api/v1/account/notifications', methods: ['GET', 'PATCH'], access: 'user' },
  { path: '/api/v1/account/passphrase', methods: ['POST'], access: 'user' },
  { path: '/api/v1/account/sessions', methods: ['DELETE'], access: 'user' },
  { path: '/api/v1/account/totp', methods: ['POST', 'PUT', 'DELETE'], access: 'user' },
  { path: '/api/v1/operator/environments', methods: ['GET', 'POST'], access: 'operator' },
  { path: '/api/v1/operator/tenants', methods: ['GET', 'POST'], access: 'operator' },
  { path: '/api/v1/operator/tenants/[tenant]', methods: ['GET', 'DELETE'], access: 'operator' },
  { path: '/api/v1/operator/tenants/[tenant]/suspension', methods: ['POST', 'DELETE'], access: 'operator' },
  { path: '/api/v1/operator/tenants/[tenant]/deletion', methods: ['POST', 'DELETE'], access: 'operator' },
  { path: '/api/v1/operator/operators', methods: ['GET', 'POST'], access: 'operator' },
  { path: '/api/v1/operator/invitations/[id]', methods: ['DELETE'], access: 'operator' },
  { path: '/api/v1/operator/invitations/[id]/resend', methods: ['POST'], access: 'operator' },
  { path: '/api/v1/operator/outbox', methods: ['GET'], access: 'operator' },
  { path: '/api/v1/operator/audit', methods: ['GET'], access: 'operator' },
  { path: '/api/v1/operator/audit/export', methods: ['GET'], access: 'operator' },
  { path: '/api/v1/operator/audit/verification', methods: ['GET'], access: 'operator' },
  { path: '/api/v1/operator/settings', methods: ['GET', 'PATCH'], access: 'operator' },
  { path: '/api/v1/operator/overview', methods: ['GET'], access: 'operator' },
  { path: '/api/v1/operator/deployments', methods: ['GET', 'POST'], access: 'operator' },
  { path: '/api/v1/operator/deployments/[id]', methods: ['GET', 'PATCH', 'DELETE'], access: 'operator' },
  { path: '/api/v1/operator/deployments/[id]/api-keys', methods: ['POST'], access: 'operator' },
  { path: '/api/v1/operator/api-tokens', methods: ['GET', 'POST'], access: 'operator' },
  { path: '/api/v1/operator/api-tokens/[id]', methods: ['DELETE'], access: 'operator' },
  { path: '/api/v1/proxy/configs', methods: ['GET'], access: 'proxy' },
  { path: '/api/v1/proxy/status', methods: ['POST'], access: 'proxy' },
  { path: '/api/v1/vendor/tenants', methods: ['GET'], access: 'vendor-read' },
  { path: '/api/v1/vendor/tenants', methods: ['POST'], access: 'vendor-write' },
  { path: '/api/v1/vendor/tenants/[tenant]', methods: ['GET'], access: 'vendor-read' },
  { path: '/api/v1/vendor/tenants/[tenant]/suspend', methods: ['POST'], access: 'vendor-write' },
  { path: '/api/v1/vendor/tenants/[tenant]/resume', methods: ['POST'], access: 'vendor-write' },
  { path: '/api/v1/vendor/tenants/[tenant]/invitation/resend', methods: ['POST'], access: 'vendor-write' },
  { path: '/api/v1/vendor/environments', methods: ['GET'], access: 'vendor-read' },
  { path: '/api/v1/vendor/deployments', methods: ['GET'], access: 'vendor-read' },
  { path: '/api/v1/openapi.json', methods: ['GET'], access: 'public' },
  // Served as /.well-known/jwks.json and /.well-known/cmk-key-rotations.json.
  { path: '/api/well-known/jwks', methods: ['GET'], access: 'public' },
  { path: '/api/well-known/key-rotations', methods: ['GET'], access: 'public' },
  { path: '/api/v1/tenants/[tenant]/keys', methods: ['GET'], access: 'tenant-member' },
  { path: '/api/v1/tenants/[tenant]/admins', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/admins/[id]', methods: ['DELETE'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/admins/[id]/confirm', methods: ['POST'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/invitations', methods: ['GET', 'POST'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/invitations/[id]', methods: ['DELETE'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/invitations/[id]/resend', methods: ['POST'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/recovery-kits', methods: ['GET', 'POST'], access: 'tenant-member' },
  { path: '/api/v1/tenants/[tenant]/recover', methods: ['POST'], access: 'tenant-member' },
  { path: '/api/v1/tenants/[tenant]/settings', methods: ['PATCH'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/configs', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/configs/[configId]/versions', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/changes', methods: ['POST'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/deployments', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/audit', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/audit/export', methods: ['GET'], access: 'tenant-admin' },
  { path: '/api/v1/tenants/[tenant]/audit/verification', methods: ['GET'], access: 'tenant-admin' },
];

export const PAGES: { path: string; access: Access }[] = [
  { path: '/', access: 'public' },
  { path: '/sign-in', access: 'public' },
  { path: '/setup', access: 'public' },
  { path: '/invite', access: 'public' },
  { path: '/account', access: 'user' },
  { path: '/operator', access: 'operator' },
  { path: '/operator/environments', access: 'operator' },
  { path: '/operator/overview', access: 'operator' },
  { path: '/operator/operators', access: 'operator' },
  { path: '/operator/outbox', access: 'operator' },
  { path: '/operator/audit', access: 'operator' },
  { path: '/operator/deployments', access: 'operator' },
  { path: '/operator/deployments/[id]', access: 'operator' },
  { path: '/operator/api-tokens', access: 'operator' },
  { path: '/operator/api-docs', access: 'operator' },
  { path: '/operator/tenants/[tenant]', access: 'operator' },
  { path: '/t/[tenant]', access: 'tenant-member' },
  { path: '/t/[tenant]/configs', access: 'tenant-member' },
  { path: '/t/[tenant]/configs/new', access: 'tenant-member' },
  { path: '/t/[tenant]/configs/[configId]', access: 'tenant-member' },
  { path: '/t/[tenant]/deployments', access: 'tenant-member' },
  { path: '/t/[tenant]/audit', access: 'tenant-member' },
  { path: '/t/[tenant]/admins', access: 'tenant-member' },
];

/** Well-formed bodies, so that a write is refused for who the caller is, not for its input. */
export const SAMPLE_BODIES: Record<string, unknown> = {
  '/api/v1/tenants/[tenant]/admins/[id]/confirm': { wrappedTenantKeys: 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a.b.c.d', signingKid: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  '/api/v1/tenants/[tenant]/invitations': { email: 'someone@example.com' },
  '/api/v1/tenants/[tenant]/recovery-kits': { kit: '{}', signingKid: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  '/api/v1/tenants/[tenant]/recover': { kitId: 'kit_AAAAAAAAAAAAAAAA', wrappedTenantKeys: 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a.b.c.d' },
  '/api/v1/tenants/[tenant]/settings': { requireMfa: false },
  '/api/v1/tenants/[tenant]/changes': { state: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' },
  '/api/v1/operator/deployments': {
    name: 'matrix-deployment',
    environmentId: 'env_AAAAAAAAAAAAAAAA',
    publicJwk: { kty: 'EC', crv: 'P-256', x: 's3eiUvj6tWkTtOUAuA9e9QVBUK7eVS82tCmJNMA59g8', y: 'cXBNx1OOlizY6qj6IB-dYFprmiwq0u3FuXW_Xu78ldY' },
  },
  '/api/v1/operator/deployments/[id]': { status: 'disabled' },
  '/api/v1/operator/tenants/[tenant]': { confirm: 'not-this-tenant' },
  '/api/v1/operator/deployments/[id]/api-keys': { oldKeyExpiresAt: '2030-01-01T00:00:00Z' },
  '/api/v1/proxy/status': { cursor: null, tenants: [], errors: [] },
  '/api/v1/vendor/tenants': { externalId: 'matrix-vendor', displayName: 'Matrix vendor', environment: 'matrix', adminEmail: 'vendor@matrix.example' },
  '/api/v1/operator/api-tokens': { name: 'matrix token', scope: 'read', expiresAt: '2030-01-01T00:00:00Z' },
};

/** Tenant-scoped POST routes where the recovery-kit POST is for confirmed admins only. */
export const CONFIRMED_ONLY_METHODS: { path: string; method: Method }[] = [{ path: '/api/v1/tenants/[tenant]/recovery-kits', method: 'POST' }];
