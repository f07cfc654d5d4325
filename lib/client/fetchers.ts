// Browser-side fetchers. Every API error arrives as problem+json; it becomes
// an ApiError carrying the stable code, the safe message and the request id.

export type ApiProblem = {
  status: number;
  code: string;
  detail: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly fields: { path: string; message: string }[];
  constructor(problem: ApiProblem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.requestId = problem.requestId;
    this.fields = problem.errors ?? [];
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const body = (await response.json().catch(() => undefined)) as Partial<ApiProblem> | undefined;
    if (body && typeof body.code === 'string') {
      return new ApiError({
        status: response.status,
        code: body.code,
        detail: typeof body.detail === 'string' ? body.detail : 'The request failed.',
        requestId: body.requestId ?? response.headers.get('x-request-id') ?? undefined,
        errors: body.errors,
      });
    }
  }
  return new ApiError({
    status: response.status,
    code: response.status >= 500 ? 'internal' : 'bad_request',
    detail: response.status >= 500 ? 'The broker could not answer right now.' : 'The request failed.',
    requestId: response.headers.get('x-request-id') ?? undefined,
  });
}

export async function fetchJson<T>(input: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(input, { ...init, credentials: 'same-origin', headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', detail: 'The broker could not be reached. Check your connection.' });
  }
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as T;
}

/** What everyone may know: ready or not (GET /api/ready). */
export type TReadiness = { status: 'ready' };

/** What a vendor operator sees besides (GET /api/v1/operator/readiness). */
export type TReadinessDetails = TReadiness & {
  database: 'pglite' | 'postgresql';
  migrations: { applied: number; pending: string[] };
};

export type TNotReady = { code: string; detail: string };

export type TReadinessAnswer<T> = { ok: true; body: T } | { ok: false; body: TNotReady };

async function readiness<T>(url: string): Promise<TReadinessAnswer<T>> {
  try {
    return { ok: true, body: await fetchJson<T>(url) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 503) {
      return { ok: false, body: { code: error.code, detail: error.message } };
    }
    throw error;
  }
}

/** Both answer 200 or a 503 problem; both are states worth showing. */
export function fetchReadiness(): Promise<TReadinessAnswer<TReadiness>> {
  return readiness<TReadiness>('/api/ready');
}

export function fetchReadinessDetails(): Promise<TReadinessAnswer<TReadinessDetails>> {
  return readiness<TReadinessDetails>('/api/v1/operator/readiness');
}

/** JSON request with a body (POST/PUT/PATCH/DELETE). */
export function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', input: string, body?: unknown): Promise<T> {
  return fetchJson<T>(input, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Field errors of an ApiError as a map for forms (`body.` prefixes removed). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const f of error.fields) out[f.path.replace(/^body\./, '')] ??= f.message;
  return out;
}
