// GET — the proxy deployments of the tenant's environment: approved, asking for access, and what each applied.
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { listTenantDeployments } from '@/lib/server/deployments/tenant-view';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }) }, async ({ access }) => listTenantDeployments(access));
