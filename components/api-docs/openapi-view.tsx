// The vendor API reference in the console, rendered from the OpenAPI
// document (/api/v1/openapi.json) with our own components: no external
// script or stylesheet, so it lives with the nonce CSP. Sections: how to
// authenticate, each operation (scope, parameters, body, responses, a curl
// example with a Copy button that copies exactly the text shown), and the
// schemas they refer to.
import { Fragment, type ReactNode } from 'react';
import { Badge, Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { SchemaView, schemaAnchor, TypeLabel, type TJsonSchema } from './schema-view';

type TParameter = { name: string; in: 'query' | 'path'; required: boolean; description?: string; schema: TJsonSchema };
type TContent = Record<string, { schema: TJsonSchema }>;
type TOperation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-scope': 'read' | 'write';
  parameters: TParameter[];
  requestBody?: { content: TContent };
  responses: Record<string, { $ref?: string; description?: string; content?: TContent }>;
};
export type TOpenApiView = {
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
};

/** `code` spans in the document's prose. */
function Prose({ text }: { text: string }) {
  return text.split('\n\n').map((paragraph, i) => (
    <p key={i}>
      {paragraph.split('`').map((part, j) => (j % 2 ? <code key={j}>{part}</code> : <Fragment key={j}>{part}</Fragment>))}
    </p>
  ));
}

const anchor = (id: string) => `op-${id}`;

function example(server: string, method: string, path: string, op: TOperation): string {
  const url = `${server}${path.replace('{tenant}', 'acme')}`;
  const lines = [`curl -sS${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} '${url}' \\`, `  -H "Authorization: Bearer $CMK_VENDOR_TOKEN"`];
  if (op.requestBody) {
    const body = op.requestBody.content['application/json']?.schema;
    const sample = Object.fromEntries(Object.entries(body?.properties ?? {}).map(([k, v]) => [k, v.examples?.[0] ?? k]));
    lines[1] += ' \\';
    lines.push(`  -H 'Content-Type: application/json' \\`, `  -d '${JSON.stringify(sample)}'`);
  }
  return lines.join('\n');
}

function Operation({ method, path, op, server, responses }: { method: string; path: string; op: TOperation; server: string; responses: Record<string, { description?: string }> }) {
  const body = op.requestBody?.content['application/json']?.schema;
  const command = example(server, method, path, op);
  return (
    <section id={anchor(op.operationId)} aria-labelledby={`${anchor(op.operationId)}-title`} className="space-y-4 border-t border-slate-200 pt-6 first:border-t-0 first:pt-0 dark:border-slate-800">
      <div className="flex flex-wrap items-center gap-3">
        <h3 id={`${anchor(op.operationId)}-title`} className="text-base font-semibold">
          {op.summary}
        </h3>
        <Badge tone={op['x-scope'] === 'write' ? 'warning' : 'neutral'}>scope: {op['x-scope']}</Badge>
      </div>
      <p className="font-mono text-sm [overflow-wrap:anywhere]">
        <span className="font-bold">{method.toUpperCase()}</span> {path}
      </p>
      {op.description ? <div className="space-y-2 text-sm text-slate-700 dark:text-slate-300"><Prose text={op.description} /></div> : null}
      {op.parameters.length ? (
        <div className="overflow-x-auto" role="region" aria-label={`Parameters of ${op.summary}`} tabIndex={0}>
          <table className="w-full min-w-[36rem] border-collapse text-left text-sm">
            <caption className="sr-only">Parameters of {op.summary}</caption>
            <thead>
              <tr>
                <th scope="col" className="border-b border-slate-200 px-2 py-1 font-medium dark:border-slate-800">Parameter</th>
                <th scope="col" className="border-b border-slate-200 px-2 py-1 font-medium dark:border-slate-800">In</th>
                <th scope="col" className="border-b border-slate-200 px-2 py-1 font-medium dark:border-slate-800">Type</th>
                <th scope="col" className="border-b border-slate-200 px-2 py-1 font-medium dark:border-slate-800">Description</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`}>
                  <th scope="row" className="border-b border-slate-200 px-2 py-1 align-top font-mono font-normal dark:border-slate-800">
                    {p.name}
                    {p.required ? <span className="text-slate-600 dark:text-slate-400"> (required)</span> : null}
                  </th>
                  <td className="border-b border-slate-200 px-2 py-1 align-top dark:border-slate-800">{p.in}</td>
                  <td className="border-b border-slate-200 px-2 py-1 align-top dark:border-slate-800"><TypeLabel schema={p.schema} /></td>
                  <td className="border-b border-slate-200 px-2 py-1 align-top text-slate-700 dark:border-slate-800 dark:text-slate-300">{p.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="text-sm text-slate-600 dark:text-slate-400">No parameters; any query parameter is refused with 400.</p>
      )}
      {body ? (
        <div>
          <h4 className="text-sm font-semibold">Request body (application/json)</h4>
          <SchemaView schema={body} />
        </div>
      ) : null}
      <div>
        <h4 className="text-sm font-semibold">Responses</h4>
        <ul className="mt-1 space-y-1 text-sm">
          {Object.entries(op.responses).map(([status, response]) => {
            const schema = response.content?.['application/json']?.schema;
            const shared = response.$ref ? responses[response.$ref.split('/').pop() ?? ''] : undefined;
            return (
              <li key={status}>
                <span className="font-mono font-semibold">{status}</span> — {response.description ?? shared?.description ?? ''}
                {schema ? (
                  <>
                    {' '}
                    <TypeLabel schema={schema} />
                  </>
                ) : response.$ref ? (
                  <>
                    {' '}
                    <TypeLabel schema={{ $ref: '#/components/schemas/Problem' }} />
                  </>
                ) : null}
              </li>
            );
          })}
        </ul>
      </div>
      <div>
        {/* The button right after the heading: its confirmation appears to its right and moves nothing. */}
        <div className="flex flex-wrap items-center gap-3">
          <h4 className="text-sm font-semibold">Example</h4>
          <CopyButton value={command} copied="Copied." aria-label={`Copy the example request: ${op.summary}`} className="px-3 py-1">
            Copy
          </CopyButton>
        </div>
        <pre className="mt-1 overflow-x-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-900" tabIndex={0} aria-label={`Example request: ${op.summary}`}>
          <code>{command}</code>
        </pre>
      </div>
    </section>
  );
}

export function OpenApiView({ document, documentUrl }: { document: TOpenApiView; documentUrl: string }) {
  const server = document.servers[0]?.url ?? '';
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as TOperation })));
  const responses = document.components.responses as Record<string, { description?: string }>;
  const section = (title: string, children: ReactNode, id: string, description?: string) => (
    <Card id={id} title={title} description={description}>
      {children}
    </Card>
  );
  return (
    <div className="space-y-8">
      {section(
        'Overview',
        <div className="space-y-3 text-sm">
          <Prose text={document.info.description} />
          <p>
            Machine-readable description (OpenAPI 3.1):{' '}
            <a className="font-mono [overflow-wrap:anywhere] underline" href={documentUrl}>
              {documentUrl}
            </a>
          </p>
          <nav aria-label="Operations">
            <ul className="list-inside list-disc">
              {operations.map(({ method, path, op }) => (
                <li key={op.operationId}>
                  <a className="underline" href={`#${anchor(op.operationId)}`}>
                    {op.summary}
                  </a>{' '}
                  <span className="font-mono text-xs [overflow-wrap:anywhere] text-slate-600 dark:text-slate-400">
                    {method.toUpperCase()} {path}
                  </span>
                </li>
              ))}
            </ul>
          </nav>
        </div>,
        'api-overview',
      )}
      {document.tags.map((tag) =>
        section(
          tag.name,
          <div className="space-y-8">
            {operations
              .filter(({ op }) => op.tags.includes(tag.name))
              .map(({ method, path, op }) => (
                <Operation key={op.operationId} method={method} path={path} op={op} server={server} responses={responses} />
              ))}
          </div>,
          `tag-${tag.name.toLowerCase()}`,
          tag.description,
        ),
      )}
      {section(
        'Schemas',
        <div className="space-y-6">
          {Object.entries(document.components.schemas as Record<string, TJsonSchema>).map(([name, schema]) => (
            <section key={name} id={schemaAnchor(name)} aria-labelledby={`${schemaAnchor(name)}-title`} className="space-y-2">
              <h3 id={`${schemaAnchor(name)}-title`} className="font-mono text-base font-semibold">
                {name}
              </h3>
              {schema.description ? <p className="text-sm text-slate-700 dark:text-slate-300">{schema.description}</p> : null}
              <SchemaView schema={schema} />
            </section>
          ))}
        </div>,
        'api-schemas',
      )}
    </div>
  );
}
