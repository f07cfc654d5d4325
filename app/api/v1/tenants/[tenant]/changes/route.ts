// POST — a configuration change: a new signed tenant state (seq + 1) with at most one new sealed version, one removal, or every configuration re-sealed (approving or removing a proxy deployment; hence the larger body limit).
import { z } from 'zod';
import { ZConfigChange } from '@/lib/schemas/config-change';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { applyConfigChange } from '@/lib/server/configs/changes';

export const dynamic = 'force-dynamic';

export const POST = defineRoute(
  { auth: 'tenant-admin', params: z.object({ tenant: z.string() }), body: ZConfigChange, maxBodyBytes: 8 * 1024 * 1024 },
  async ({ access, body, request, requestId }) => Response.json(await applyConfigChange(access, body, auditContext(request, requestId)), { status: 201 }),
);
