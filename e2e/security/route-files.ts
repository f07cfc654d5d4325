// Reads the app/ folder the way Next routes it: every page.tsx and route.ts,
// with its URL pattern and (for route handlers) the HTTP methods it exports.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Method } from './route-matrix';

const APP = path.resolve('app');

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

function urlOf(file: string): string {
  const segments = path
    .relative(APP, path.dirname(file))
    .split(path.sep)
    .filter((s) => s && !/^\(.*\)$/.test(s));
  return `/${segments.join('/')}`;
}

export function pageFiles(): string[] {
  return walk(APP)
    .filter((f) => path.basename(f) === 'page.tsx')
    .map(urlOf)
    .sort();
}

export function routeFiles(): { path: string; methods: Method[] }[] {
  return walk(APP)
    .filter((f) => path.basename(f) === 'route.ts')
    .map((file) => {
      const source = readFileSync(file, 'utf8');
      const methods = new Set<Method>();
      for (const m of source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)) methods.add(m[1] as Method);
      for (const m of source.matchAll(/export const \{([^}]*)\}/g)) {
        for (const name of (m[1] ?? '').split(',').map((s) => s.trim())) if (/^(GET|POST|PUT|PATCH|DELETE)$/.test(name)) methods.add(name as Method);
      }
      return { path: urlOf(file), methods: [...methods].sort() };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}
