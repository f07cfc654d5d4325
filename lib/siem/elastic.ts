// The Elasticsearch sink: one bulk request per batch, `POST <url>/_bulk`,
// NDJSON (application/x-ndjson) of `{"create":{"_index":…,"_id":<event id>}}`
// then the event with `@timestamp`, each line ending in \n (Elasticsearch
// reference, "Bulk API": the last line must end with a newline too; data
// streams accept only `create`). Signs in with `Authorization: ApiKey
// <encoded id:key>` or `Basic <user:password>`.
//
// Bulk answers 200 even when items fail: `errors: true` and one status per
// item. Partial failure never loses or duplicates an event: every document is
// created under the event's id, so after a failed item the whole batch is
// sent again and the items that made it the first time come back 409
// (version_conflict_engine_exception), which counts as delivered. The batch
// only succeeds once every item is 201 or 409; until then send() throws, and
// the queue keeps the batch.
//
// Why not the official client (@elastic/elasticsearch): its default
// connection (undici) takes no https.Agent, so the key proxy's network policy
// (extra CAs, --resolve, --connect-to, refusing names that resolve to
// loopback or link-local) would need its HttpConnection with an agent whose
// createConnection rewrites targets; its errors carry the request's
// parameters, Authorization header included, in `meta`, so each would have to
// be caught and rebuilt; and it adds retries, sniffing and a product check of
// its own above a queue that already retries. One POST through lib/siem/http.ts
// does the same with the policy every other sink has.
import { ZElasticSettings, type TElasticSettings } from '@/lib/schemas/providers/elastic';
import { createHttpClient, statusError, type THttpAnswer } from './http';
import { defineSiemSink, SiemError, type TSiemErrorCode, type TSiemEvent } from './types';

const WHAT = 'Elasticsearch';

/** `<url>/_bulk`, keeping a reverse proxy's path prefix. */
export function bulkEndpoint(url: string): URL {
  const base = new URL(url);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/_bulk`;
  return base;
}

export function bulkBody(events: readonly TSiemEvent[], index: string): Buffer {
  const lines = events.flatMap((event) => [JSON.stringify({ create: { _index: index, _id: event.id } }), JSON.stringify({ '@timestamp': event.time, ...event })]);
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export function authorization(settings: Pick<TElasticSettings, 'apiKey' | 'username' | 'password'>): string {
  if (settings.apiKey !== undefined) return `ApiKey ${settings.apiKey}`;
  return `Basic ${Buffer.from(`${settings.username ?? ''}:${settings.password ?? ''}`, 'utf8').toString('base64')}`;
}

type TBulkItem = { status?: unknown; error?: { type?: unknown } | null };
type TBulkResponse = { errors?: unknown; items?: unknown };

/** An Elasticsearch error type is a snake_case identifier; anything else is not echoed (a `reason` may quote the event). */
function errorType(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z_]{1,80}$/.test(value) ? value : undefined;
}

/** The top-level `error.type` of an error answer, e.g. security_exception. */
function answerType(answer: THttpAnswer): string | undefined {
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as { error?: { type?: unknown } } | null;
    return errorType(parsed?.error?.type);
  } catch {
    return undefined;
  }
}

function parseItems(answer: THttpAnswer, count: number): TBulkItem[] | undefined {
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as TBulkResponse;
    if (typeof parsed.errors !== 'boolean' || !Array.isArray(parsed.items) || parsed.items.length !== count) return undefined;
    return parsed.items.map((item: unknown) => (item as { create?: TBulkItem } | null)?.create ?? {});
  } catch {
    return undefined;
  }
}

const delivered = (item: TBulkItem) =>
  (typeof item.status === 'number' && item.status >= 200 && item.status < 300) ||
  // Created on an earlier attempt: the same id cannot be created twice.
  (item.status === 409 && (item.error?.type === undefined || item.error.type === 'version_conflict_engine_exception'));

/** What failed items mean; the first item that needs the tenant wins over items worth retrying. */
function itemsError(failed: TBulkItem[], total: number): SiemError {
  const counts = `${failed.length} of ${total} events`;
  const permanent = failed.find((item) => typeof item.status === 'number' && item.status < 500 && item.status !== 408 && item.status !== 429);
  const first = permanent ?? failed[0] ?? {};
  const status = typeof first.status === 'number' ? first.status : 0;
  const type = errorType(first.error?.type);
  const detail = `HTTP ${status}${type === undefined ? '' : ` ${type}`}`;
  if (permanent === undefined) {
    const code: TSiemErrorCode = failed.some((item) => item.status === 429) ? 'throttled' : 'unavailable';
    return new SiemError(`${WHAT} could not index ${counts} yet (${detail}); the batch is sent again, and the events already indexed are not duplicated.`, {
      code,
      retryable: true,
    });
  }
  const [code, hint]: [TSiemErrorCode, string] =
    status === 401 || status === 403
      ? ['auth', 'give the API key or user the create_doc privilege on the index']
      : status === 404
        ? ['not_found', 'create the index, or allow it to be created automatically']
        : ['rejected', 'check the index’s mapping or ingest pipeline (a data stream also needs an index template)'];
  return new SiemError(`${WHAT} refused ${counts} (${detail}); ${hint}.`, { code, retryable: false });
}

export const elasticSink = defineSiemSink<TElasticSettings>({
  provider: 'elastic',
  schema: ZElasticSettings,
  // Elastic suggests bulk requests of a few MB; the default http.max_content_length is 100 MB.
  maxBatchEvents: 500,
  maxBatchBytes: 2 * 1024 * 1024,
  create(settings, options) {
    const endpoint = bulkEndpoint(settings.url);
    const http = createHttpClient(WHAT, options);
    const headers = {
      'user-agent': 'cmk-tsp',
      authorization: authorization(settings),
      'content-type': 'application/x-ndjson',
      accept: 'application/json',
    };
    return {
      provider: 'elastic',
      async send(events, signal) {
        if (events.length === 0) return;
        const answer = await http.post(endpoint, headers, bulkBody(events, settings.index), signal);
        if (answer.status !== 200) throw statusError(WHAT, answer, answerType(answer));
        const items = parseItems(answer, events.length);
        if (items === undefined) {
          throw new SiemError(`The ${WHAT} URL answered 200 without a bulk response for the batch; check that it points at the cluster.`, {
            code: 'not_found',
            retryable: false,
          });
        }
        const failed = items.filter((item) => !delivered(item));
        if (failed.length > 0) throw itemsError(failed, events.length);
      },
      close: () => http.close(),
    };
  },
});
