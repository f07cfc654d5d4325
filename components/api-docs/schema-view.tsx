// Renders a JSON Schema (as zod emits it for the OpenAPI document) for people:
// a type summary per schema, and objects as nested property lists. $refs
// link to the schema's entry on the same page.
import type { ReactNode } from 'react';

export type TJsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  default?: unknown;
  description?: string;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: TJsonSchema;
  anyOf?: TJsonSchema[];
  properties?: Record<string, TJsonSchema>;
  required?: string[];
  additionalProperties?: boolean | TJsonSchema;
};

export const schemaAnchor = (name: string) => `schema-${name}`;
const refName = (ref: string) => ref.split('/').pop() ?? ref;
const SAFE_INT = 9_007_199_254_740_991;

function limits(s: TJsonSchema): string[] {
  const out: string[] = [];
  if (s.minimum !== undefined && Math.abs(s.minimum) < SAFE_INT) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && Math.abs(s.maximum) < SAFE_INT) out.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) out.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`length ≤ ${s.maxLength}`);
  if (s.format) out.push(s.format);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out;
}

/** A one-line type: "string", "one of a, b", "array of Tenant", "integer or null". */
export function TypeLabel({ schema }: { schema: TJsonSchema }): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a className="font-mono text-brand-700 underline dark:text-brand-400" href={`#${schemaAnchor(name)}`}>
        {name}
      </a>
    );
  }
  if (schema.anyOf) {
    return schema.anyOf.map((s, i) => (
      <span key={i}>
        {i > 0 ? ' or ' : null}
        <TypeLabel schema={s} />
      </span>
    ));
  }
  if (schema.enum) return <span className="font-mono">one of {schema.enum.map((v) => JSON.stringify(v)).join(', ')}</span>;
  if (schema.const !== undefined) return <span className="font-mono">{JSON.stringify(schema.const)}</span>;
  if (schema.type === 'array' && schema.items) {
    return (
      <span>
        array of <TypeLabel schema={schema.items} />
      </span>
    );
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  const extra = limits(schema);
  return (
    <span className="font-mono">
      {type}
      {extra.length ? <span className="text-slate-600 dark:text-slate-400"> ({extra.join(', ')})</span> : null}
    </span>
  );
}

function objectOf(schema: TJsonSchema): TJsonSchema | null {
  if (schema.properties) return schema;
  if (schema.type === 'array' && schema.items?.properties) return schema.items;
  const inner = schema.anyOf?.find((s) => s.properties);
  return inner ?? null;
}

/** An object's properties as a definition list, nested objects indented. */
export function SchemaView({ schema, depth = 0 }: { schema: TJsonSchema; depth?: number }) {
  const object = objectOf(schema);
  if (!object?.properties) {
    return (
      <p className="text-sm">
        <TypeLabel schema={schema} />
      </p>
    );
  }
  return (
    <dl className={`space-y-2 text-sm ${depth > 0 ? 'mt-2 border-l border-slate-200 pl-4 dark:border-slate-700' : ''}`}>
      {Object.entries(object.properties).map(([name, property]) => {
        const nested = objectOf(property);
        return (
          <div key={name}>
            <dt>
              <code className="font-semibold">{name}</code>
              {object.required?.includes(name) ? null : <span className="text-slate-600 dark:text-slate-400"> (optional)</span>}
              {': '}
              {nested ? <span className="font-mono">{property.type === 'array' ? 'array of objects' : 'object'}</span> : <TypeLabel schema={property} />}
            </dt>
            {property.description ? <dd className="text-slate-600 dark:text-slate-400">{property.description}</dd> : null}
            {nested && depth < 4 ? (
              <dd>
                <SchemaView schema={nested} depth={depth + 1} />
              </dd>
            ) : null}
          </div>
        );
      })}
    </dl>
  );
}
