// GET — the tenant's wrapped secrets for deterministic keys (ciphertext and metadata; the rotation state is in the signed tenant state).
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { listSecretsForAdmin } from '@/lib/server/tenants/secrets';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }) }, async ({ access }) => listSecretsForAdmin(access));
