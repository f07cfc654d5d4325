// The proxy client is embedded by key proxies that are not the broker: it must
// load without Next.js, React, Prisma, `server-only` or anything in
// lib/server. This walks its imports transitively (test files excluded) and
// allows only project modules outside those areas, jose, zod and Node built-ins.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { ROOT, walkImports } from '@/lib/testing/import-graph';

const ALLOWED_PACKAGES = new Set(['jose', 'zod']);
const walk = (entries: string[]) => walkImports(entries, ALLOWED_PACKAGES);

describe('lib/proxy-client import boundary', () => {
  it('reaches only lib/crypto, lib/schemas, jose, zod and node built-ins', () => {
    const entry = join(ROOT, 'lib/proxy-client/index.ts');
    const { files, problems } = walk([entry]);
    expect(problems).toEqual([]);
    // The walk really followed the graph (guards against a regex that matches nothing).
    expect([...files].some((f) => f.endsWith('lib/crypto/open-config.ts'))).toBe(true);
    expect([...files].some((f) => f.endsWith('lib/schemas/providers/registry.ts'))).toBe(true);
  });

  it('would notice a forbidden import', () => {
    const probe = join(mkdtempSync(join(tmpdir(), 'boundary-')), 'probe.ts');
    writeFileSync(probe, "import 'server-only';\nimport { db } from '@/lib/server/db';\nexport { x } from 'next/server';\n");
    expect(walk([probe]).problems).toHaveLength(3);
  });
});
