// The proxy client is embedded by key proxies that are not the broker: it must
// load without Next.js, React, Prisma, `server-only` or anything in
// lib/server. This walks its imports transitively (test files excluded) and
// allows only project modules outside those areas, jose, zod and Node built-ins.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const ALLOWED_PACKAGES = new Set(['jose', 'zod']);
const FORBIDDEN_PROJECT = [/^lib\/server\//, /^lib\/generated\//, /^lib\/client\//, /^app\//, /^components\//];
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function resolveFile(base: string): string | undefined {
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((f) => existsSync(f) && f.match(/\.tsx?$/));
}

function walk(entries: string[]): { files: Set<string>; problems: string[] } {
  const files = new Set<string>();
  const problems: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const from = relative(ROOT, file);
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = (match[1] ?? match[2] ?? match[3]) as string;
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.') || spec.startsWith('@/')) {
        const target = resolveFile(spec.startsWith('@/') ? join(ROOT, spec.slice(2)) : resolve(dirname(file), spec));
        if (!target) {
          problems.push(`${from}: cannot resolve ${spec}`);
          continue;
        }
        const rel = relative(ROOT, target);
        if (FORBIDDEN_PROJECT.some((re) => re.test(rel))) problems.push(`${from} imports ${rel}`);
        else queue.push(target);
        continue;
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      if (!ALLOWED_PACKAGES.has(pkg)) problems.push(`${from} imports package ${spec}`);
    }
  }
  return { files, problems };
}

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
