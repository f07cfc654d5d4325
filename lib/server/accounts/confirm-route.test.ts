// The confirm route's body: a confirmation must name the tenant signing key
// the wrapped keys belong to. Without it the service cannot tell keys wrapped
// before a rotation from the current ones, and a confirmation racing a
// rotation would confirm someone holding the old keys. The session check and
// the service are replaced here (no database, no next-auth cookie); the route
// file itself — its schema and the wrapper — is the real one.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TenantAccess } from '@/lib/server/authz';

const access: TenantAccess = {
  user: { id: 'usr_alice', email: 'alice@acme.example', isOperator: false, adminKeyKid: 'x', totpEnabled: false, sessionId: 'ses' },
  tenant: { id: 'ten_acme', externalId: 'acme', displayName: 'Acme', status: 'active', requireMfa: false },
  membership: { id: 'adm_alice', status: 'confirmed' },
};
const confirmTenantAdmin = vi.hoisted(() => vi.fn(async () => undefined));

vi.mock('@/lib/server/authz', async (original) => ({ ...(await original<typeof import('@/lib/server/authz')>()), requireTenantAdmin: vi.fn(async () => access) }));
vi.mock('@/lib/server/accounts/tenant-admins', () => ({ confirmTenantAdmin }));

const { POST } = await import('@/app/api/v1/tenants/[tenant]/admins/[id]/confirm/route');

const WRAPPED = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a.b.c.d';
const KID = 'k'.repeat(43);
const ctx = { params: Promise.resolve({ tenant: 'acme', id: 'adm_AAAAAAAAAAAAAAAA' }) };

function post(body: unknown) {
  // A browser's own write says where it comes from (lib/server/api/same-origin.ts).
  const headers = { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' };
  return POST(new Request('http://localhost/api/v1/tenants/acme/admins/adm_AAAAAAAAAAAAAAAA/confirm', { method: 'POST', headers, body: JSON.stringify(body) }), ctx);
}

describe('POST /api/v1/tenants/[tenant]/admins/[id]/confirm', () => {
  beforeEach(() => confirmTenantAdmin.mockClear());

  it('refuses a confirmation that does not name the signing key of the wrapped keys', async () => {
    const response = await post({ wrappedTenantKeys: WRAPPED });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'body.signingKid' })] });
    expect(confirmTenantAdmin).not.toHaveBeenCalled();
  });

  it('refuses a malformed signing key id', async () => {
    expect((await post({ wrappedTenantKeys: WRAPPED, signingKid: 'short' })).status).toBe(400);
    expect(confirmTenantAdmin).not.toHaveBeenCalled();
  });

  it('hands the signing key id to the service, which checks it under the tenant lock', async () => {
    const response = await post({ wrappedTenantKeys: WRAPPED, signingKid: KID });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ confirmed: true });
    expect(confirmTenantAdmin).toHaveBeenCalledWith(access, 'adm_AAAAAAAAAAAAAAAA', WRAPPED, expect.objectContaining({ requestId: expect.any(String) }), KID);
  });
});
