import 'server-only';
// The OpenAPI 3.1 document of the vendor API, generated from the zod schemas
// the route handlers parse with (lib/schemas/vendor-api.ts): components from
// the registered response schemas, parameters from each query and path
// schema, request bodies from the body schemas. JSON Schema 2020-12 is
// OpenAPI 3.1's own dialect, so zod's output is used as is.
import { z } from 'zod';
import { API_TOKEN_PATTERN, MAX_TOKEN_DAYS } from '@/lib/schemas/api-tokens';
import { VENDOR_OPERATIONS, vendorSchemas, type TVendorOperation } from '@/lib/schemas/vendor-api';

type JsonSchema = Record<string, unknown>;
export type TOpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema>; responses: Record<string, JsonSchema> };
  tags: { name: string; description: string }[];
};

const REF = (id: string) => `#/components/schemas/${id}`;
// Input mode: responses stay open to new fields (no additionalProperties: false), and query flags show as the strings sent.
const OPTIONS = { io: 'input', unrepresentable: 'any', uri: REF } as const;

/** zod → JSON Schema, with registered schemas as $refs and without the per-document keywords. */
function toSchema(schema: z.ZodType): JsonSchema {
  const registered = vendorSchemas.get(schema)?.id;
  if (registered) return { $ref: REF(registered) };
  const { $schema: _s, $id: _i, ...rest } = z.toJSONSchema(schema, { ...OPTIONS, metadata: vendorSchemas, target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(vendorSchemas, { ...OPTIONS, target: 'draft-2020-12' }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]));
}

function parameters(schema: z.ZodObject | undefined, where: 'query' | 'path') {
  if (!schema) return [];
  const json = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: REF('Problem') } } } });

function operation(id: string, op: TVendorOperation) {
  const errors: Record<string, unknown> = {
    '400': { $ref: '#/components/responses/BadRequest' },
    '401': { $ref: '#/components/responses/Unauthenticated' },
    '429': { $ref: '#/components/responses/TooManyWrongTokens' },
    ...(op.scope === 'write' ? { '403': { $ref: '#/components/responses/Forbidden' } } : {}),
  };
  for (const status of op.errors ?? []) errors[String(status)] = { $ref: status === 404 ? '#/components/responses/NotFound' : '#/components/responses/Conflict' };
  return {
    operationId: id,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.path.includes('/tenants') ? 'Tenants' : op.path.includes('/environments') ? 'Environments' : 'Deployments'],
    security: [{ bearerAuth: [op.scope] }],
    'x-scope': op.scope,
    parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(op.body) } } } } : {}),
    responses: {
      [String(op.response.status)]: { description: op.response.description, content: { 'application/json': { schema: toSchema(op.response.schema) } } },
      ...errors,
    },
  };
}

export function buildOpenApiDocument(serverUrl: string): TOpenApiDocument {
  const paths: TOpenApiDocument['paths'] = {};
  for (const [id, op] of Object.entries(VENDOR_OPERATIONS) as [string, TVendorOperation][]) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operation(id, op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CMK configuration broker — vendor API',
      version: '1',
      description: [
        'Manage tenants and follow proxy deployments from your own systems.',
        `Authenticate with an API token an operator makes in the console (Operator → API tokens): \`Authorization: Bearer cmkv_…\`. Tokens expire (at most ${MAX_TOKEN_DAYS} days), can be revoked, and have one scope: \`read\` (every GET) or \`write\` (also every POST; includes read).`,
        'A console session is not accepted here, and a token is not accepted by the console’s API. Errors are RFC 9457 problem+json with a stable `code`; unknown query parameters and body fields are refused with 400.',
        'Metadata only: nothing in this API can read a tenant’s configuration, which is sealed in the tenant admins’ browsers.',
      ].join('\n\n'),
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: ['read'] }],
    tags: [
      { name: 'Tenants', description: 'Onboarding and lifecycle of the vendor’s tenants.' },
      { name: 'Environments', description: 'Deployment regions (prod-eu, …).' },
      { name: 'Deployments', description: 'Proxy deployments and their delivery status.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: `vendor API token, ${API_TOKEN_PATTERN.source}`,
          description: 'A vendor API token. Scopes: read — every GET; write — every operation (includes read). A read token on a write operation gets 403 forbidden; a missing, unknown, expired or revoked token 401.',
        },
      },
      responses: {
        BadRequest: problem('Invalid input: unknown or malformed query parameters or body fields (validation_failed, invalid_json, unsupported_media_type).'),
        Unauthenticated: problem('No valid token: missing, unknown, expired or revoked (unauthenticated).'),
        TooManyWrongTokens: {
          ...problem('A wrong token from an address that sent 30 within a minute: refused as rate_limited until the minute ends (valid tokens are not affected).'),
          headers: { 'Retry-After': { description: 'Seconds until the address may try again.', schema: { type: 'integer', minimum: 1 } } },
        },
        Forbidden: problem('The token’s scope does not allow this operation (forbidden).'),
        NotFound: problem('No such tenant (not_found).'),
        Conflict: problem('The request conflicts with the current state (conflict, unique_violation, changed_elsewhere).'),
      },
    },
  };
}
