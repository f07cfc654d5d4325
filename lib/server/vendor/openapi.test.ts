// The vendor API's OpenAPI document: complete (every operation, every route
// file under app/api/v1/vendor has an entry and the other way round, with the
// auth mode its scope needs), well-formed (responses everywhere, every $ref
// resolves) and generated from the very schemas the routes parse with.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZTenantListQuery } from '@/lib/schemas/tenant-list';
import { VENDOR_OPERATIONS } from '@/lib/schemas/vendor-api';
import { buildOpenApiDocument } from './openapi';

const doc = buildOpenApiDocument('https://broker.example');
const VENDOR_DIR = path.resolve('app/api/v1/vendor');

function routeFiles(dir = VENDOR_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? routeFiles(path.join(dir, e.name)) : e.name === 'route.ts' ? [path.join(dir, e.name)] : []));
}

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

describe('the vendor OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer scheme describing both scopes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(String(doc.components.securitySchemes.bearerAuth?.description)).toMatch(/read.*write/s);
  });

  it('has every operation, each with a success response, 400, 401, a problem+json error body and its scope', () => {
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op: op as Record<string, unknown> })));
    expect(operations.map((o) => o.key).sort()).toEqual(Object.values(VENDOR_OPERATIONS).map((o) => `${o.method} ${o.path}`).sort());
    for (const { key, op } of operations) {
      const responses = op.responses as Record<string, unknown>;
      expect(Object.keys(responses).some((s) => /^2\d\d$/.test(s)), key).toBe(true);
      expect(Object.keys(responses), key).toEqual(expect.arrayContaining(['400', '401', '429']));
      if (op['x-scope'] === 'write') expect(Object.keys(responses), key).toContain('403');
      expect(op.security, key).toEqual([{ bearerAuth: [op['x-scope']] }]);
      for (const p of op.parameters as { in: string; name: string }[]) if (p.in === 'path') expect(key).toContain(`{${p.name}}`);
    }
    expect(resolve('#/components/responses/Unauthenticated')).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  });

  it('resolves every $ref', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) expect(resolve(ref), ref).toBeTruthy();
  });

  it('describes the tenant list query exactly as the route parses it', () => {
    const list = doc.paths['/api/v1/vendor/tenants']?.get as { parameters: { name: string; in: string; required: boolean }[] };
    expect(list.parameters.map((p) => p.name).sort()).toEqual(Object.keys(ZTenantListQuery.shape).sort());
    expect(list.parameters.every((p) => p.in === 'query' && !p.required)).toBe(true);
    const create = doc.paths['/api/v1/vendor/tenants']?.post as { requestBody: { content: Record<string, { schema: { required: string[]; additionalProperties: boolean } }> } };
    expect(create.requestBody.content['application/json']?.schema).toMatchObject({ additionalProperties: false, required: ['externalId', 'displayName', 'environment', 'adminEmail'] });
  });

  it('has an entry for every route file under app/api/v1/vendor, and a route file for every entry, with the auth mode of its scope', () => {
    const found: string[] = [];
    for (const file of routeFiles()) {
      const source = readFileSync(file, 'utf8');
      const urlPath = `/api/v1/vendor/${path.relative(VENDOR_DIR, path.dirname(file)).split(path.sep).join('/')}`.replace(/\[([^\]]+)\]/g, '{$1}');
      const exported = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
      expect(exported.length, file).toBeGreaterThan(0);
      for (const method of exported) {
        const entry = Object.entries(VENDOR_OPERATIONS).find(([, op]) => op.method === method && op.path === urlPath);
        expect(entry, `${method} ${urlPath} has no entry in VENDOR_OPERATIONS`).toBeDefined();
        const [id, op] = entry as [string, (typeof VENDOR_OPERATIONS)[keyof typeof VENDOR_OPERATIONS]];
        const handler = new RegExp(`export const ${method} = defineRoute\\(\\{ auth: 'vendor-${op.scope}'[^\\n]*OPS\\.${id}\\.`);
        expect(source, `${method} ${urlPath} must use auth 'vendor-${op.scope}' and the schemas of ${id}`).toMatch(handler);
        found.push(`${method} ${urlPath}`);
      }
    }
    expect(found.sort()).toEqual(Object.values(VENDOR_OPERATIONS).map((o) => `${o.method} ${o.path}`).sort());
  });
});
