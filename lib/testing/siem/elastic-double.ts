// An Elasticsearch bulk API double (tests, demo and bench only; no cluster is
// reachable here, and a real one needs a JVM and gigabytes). It speaks the
// part of Elasticsearch a sink uses: `POST [/prefix]/_bulk` with
// `Authorization: ApiKey <base64 id:key>` or `Basic <user:password>` (401
// security_exception otherwise, worded as Elasticsearch does), content type
// application/x-ndjson or application/json (406 otherwise), NDJSON action and
// document pairs ending in a newline, `_index` on every action, data stream
// rules for type-dataset-namespace names (only `create`, `@timestamp`
// required; items land in a .ds- backing index), `create` with an existing
// _id → 409 version_conflict_engine_exception, and Elasticsearch's bulk
// answer: {took, errors, items:[{create:{_index,_id,status,…}}]}. Items can
// be refused on purpose (mapping errors, 429 rejections) to test partial
// failure. Documents are kept per index and id, and in arrival order.
import { startHttpsDouble, type TDoubleAnswer, type TDoubleRequest, type THttpsDouble, type THttpsDoubleOptions } from './https-double';

export type TElasticDocument = { index: string; id: string; source: Record<string, unknown> };
export type TItemRefusal = { status: number; type: string };

export type TElasticDouble = THttpsDouble & {
  /** The URL to configure (optionally with a reverse proxy's path prefix). */
  url(prefix?: string): string;
  /** Stored documents in the order they were created. */
  readonly documents: TElasticDocument[];
  /** The next `times` items whose document `match`es get `refusal` instead of being created. */
  refuseItems(match: (source: Record<string, unknown>) => boolean, refusal: TItemRefusal, times?: number): void;
  /** Bulk requests answered 200, with how many items failed in each. */
  readonly bulks: { items: number; failed: number }[];
};

export type TElasticDoubleOptions = {
  /** The API key's id and secret; the sink sends base64(id:key). */
  apiKey?: { id: string; key: string };
  basic?: { username: string; password: string };
  hostname?: string;
} & Pick<THttpsDoubleOptions, 'port' | 'tls'>;

const DATA_STREAM = /^(logs|metrics|traces|synthetics|profiling)-[^-]+-[^-]+$/;
const ACTIONS = ['create', 'delete', 'index', 'update'];
const PRODUCT = { 'x-elastic-product': 'Elasticsearch' };

/** Elasticsearch's error envelope: {"error":{"root_cause":[…],"type":…,"reason":…},"status":…}. */
export function esError(status: number, type: string, reason: string, extra: Record<string, unknown> = {}): string {
  const cause = { type, reason, ...extra };
  return JSON.stringify({ error: { root_cause: [cause], ...cause }, status });
}

export async function startElasticDouble(options: TElasticDoubleOptions): Promise<TElasticDouble> {
  const byIndex = new Map<string, Map<string, Record<string, unknown>>>();
  const documents: TElasticDocument[] = [];
  const bulks: { items: number; failed: number }[] = [];
  const refusals: { match: (source: Record<string, unknown>) => boolean; refusal: TItemRefusal; left: number }[] = [];
  const accepted = new Set<string>();
  if (options.apiKey) accepted.add(`ApiKey ${Buffer.from(`${options.apiKey.id}:${options.apiKey.key}`).toString('base64')}`);
  if (options.basic) accepted.add(`Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`);

  const refuse = (status: number, body: string, headers: Record<string, string> = {}): TDoubleAnswer => ({ status, body, headers: { ...PRODUCT, ...headers }, outcome: 'refused' });
  const unauthenticated = (reason: string) =>
    refuse(401, esError(401, 'security_exception', reason, { header: { 'WWW-Authenticate': ['Basic realm="security"', 'ApiKey'] } }), {
      'www-authenticate': 'ApiKey',
    });
  const badRequest = (type: string, reason: string) => refuse(400, esError(400, type, reason));

  function itemResult(index: string, id: string | undefined, action: string, source: Record<string, unknown>): Record<string, unknown> {
    const isDataStream = DATA_STREAM.test(index);
    const where = isDataStream ? `.ds-${index}-2026.03.01-000001` : index;
    const failure = (status: number, type: string, reason: string) => ({ _index: where, _id: id ?? null, status, error: { type, reason } });
    if (isDataStream && action !== 'create') {
      return failure(400, 'illegal_argument_exception', `only write ops with an op_type of create are allowed in data streams`);
    }
    if (isDataStream && typeof source['@timestamp'] !== 'string') {
      return failure(400, 'document_parsing_exception', '[1:2] failed to parse: data stream timestamp field [@timestamp] is missing');
    }
    const refusal = refusals.find((entry) => entry.left > 0 && entry.match(source));
    if (refusal) {
      refusal.left--;
      return failure(refusal.refusal.status, refusal.refusal.type, `refused by the double (${refusal.refusal.type})`);
    }
    const stored = byIndex.get(where) ?? new Map<string, Record<string, unknown>>();
    byIndex.set(where, stored);
    const docId = id ?? `auto-${documents.length}`;
    if (action === 'create' && stored.has(docId)) {
      return failure(409, 'version_conflict_engine_exception', `[${docId}]: version conflict, document already exists (current version [1])`);
    }
    stored.set(docId, source);
    documents.push({ index, id: docId, source });
    return { _index: where, _id: docId, _version: 1, result: 'created', _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: documents.length - 1, _primary_term: 1, status: 201 };
  }

  function handle(request: TDoubleRequest): TDoubleAnswer {
    const path = request.path.split('?')[0] ?? '';
    if (request.method !== 'POST' || !path.endsWith('/_bulk')) {
      return refuse(405, esError(405, 'illegal_argument_exception', `Incorrect HTTP method for uri [${path}] and method [${request.method}], allowed: [POST, PUT]`));
    }
    const authorization = request.headers.authorization;
    if (authorization === undefined) return unauthenticated('missing authentication credentials for REST request [/_bulk]');
    if (!accepted.has(authorization)) return unauthenticated('unable to authenticate with provided credentials and anonymous access is not allowed for this request');

    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (contentType !== 'application/x-ndjson' && contentType !== 'application/json') {
      return refuse(406, JSON.stringify({ error: `Content-Type header [${contentType ?? ''}] is not supported`, status: 406 }));
    }
    const text = request.body.toString('utf8');
    if (text.trim() === '') return badRequest('action_request_validation_exception', 'Validation Failed: 1: no requests added;');
    if (!text.endsWith('\n')) return badRequest('illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = text.slice(0, -1).split('\n');
    const pairs: { action: string; index: string; id?: string; source: Record<string, unknown> }[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      let meta: Record<string, { _index?: unknown; _id?: unknown }>;
      let source: Record<string, unknown>;
      try {
        meta = JSON.parse(lines[i] ?? '') as typeof meta;
        source = JSON.parse(lines[i + 1] ?? '') as typeof source;
      } catch {
        return badRequest('x_content_parse_exception', `[${i + 1}:1] Unexpected character in the line`);
      }
      const [action = '', ...more] = Object.keys(meta);
      if (!ACTIONS.includes(action) || more.length > 0) {
        return badRequest('illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${action}]`);
      }
      const { _index: index, _id: id } = meta[action] ?? {};
      if (typeof index !== 'string' || index === '') return badRequest('action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      if (typeof source !== 'object' || source === null || Array.isArray(source)) return badRequest('x_content_parse_exception', `[${i + 2}:1] the document must be an object`);
      pairs.push({ action, index, id: typeof id === 'string' ? id : undefined, source });
    }
    const items = pairs.map(({ action, index, id, source }) => ({ [action]: itemResult(index, id, action, source) }));
    const failed = items.filter((item) => Object.values(item).some((result) => result.error !== undefined)).length;
    bulks.push({ items: items.length, failed });
    return { status: 200, body: JSON.stringify({ errors: failed > 0, took: 3, items }), headers: PRODUCT, outcome: 'accepted' };
  }

  const double = await startHttpsDouble({
    hostname: options.hostname ?? 'elastic.test',
    handle,
    failBody: (status) =>
      status === 429
        ? esError(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation')
        : status === 503
          ? esError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/2/no master];')
          : esError(status, 'exception', 'request failed'),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return Object.assign(double, {
    url: (prefix = '') => `${double.origin}${prefix}`,
    documents,
    bulks,
    refuseItems(match: (source: Record<string, unknown>) => boolean, refusal: TItemRefusal, times = 1) {
      refusals.push({ match, refusal, left: times });
    },
  });
}
