// Walks a module graph from entry files, following project imports (relative
// and '@/…') and collecting every package imported: for tests that prove a
// component embedded outside the broker (proxy client, TSP) carries nothing
// of Next.js, Prisma, lib/server or the test doubles.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FORBIDDEN_PROJECT = [/^lib\/server\//, /^lib\/generated\//, /^lib\/client\//, /^lib\/testing\//, /^app\//, /^components\//];
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function resolveFile(base: string): string | undefined {
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((f) => existsSync(f) && f.match(/\.tsx?$/));
}

/** Every file reached from `entries`, and each import of a forbidden project area or a package not in `allowedPackages`. */
export function walkImports(entries: string[], allowedPackages: ReadonlySet<string>): { files: Set<string>; problems: string[] } {
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
      if (!allowedPackages.has(pkg)) problems.push(`${from} imports package ${spec}`);
    }
  }
  return { files, problems };
}

