// The Google Cloud Logging sink: one `entries.write` per batch (Google's
// reference "Method: entries.write", POST https://logging.googleapis.com/v2/entries:write,
// body {logName, resource, entries[], partialSuccess}; "Quotas and limits": 10 MB
// per request, 256 KB per LogEntry, 64 labels per entry), signed in with the
// tenant's service-account key through the JWT bearer grant that the Google
// Cloud KMS driver already makes (lib/kms/google-cloud-kms-token.ts), scope
// logging.write. Each event becomes one LogEntry whose jsonPayload is the
// event, insertId its id (Logging drops a retried duplicate), timestamp its
// time. partialSuccess stays false: Logging writes the whole batch or none
// of it. Errors come as a google.rpc.Status ({error:{code,message,status,
// details}}); only the status word and an ErrorInfo reason are repeated,
// never Google's message (it names resources and principals).
import { GoogleAnswerError, GoogleTokenNetworkError } from '@/lib/kms/google-cloud-kms-errors';
import { createTokenSource } from '@/lib/kms/google-cloud-kms-token';
import { googleTokenUriProblem } from '@/lib/schemas/providers/google-cloud-kms';
import { ZGoogleCloudLoggingSettings, type TGoogleCloudLoggingSettings } from '@/lib/schemas/providers/google-cloud-logging';
import { createHttpClient, DEFAULT_TIMEOUT_MS, statusError, type THttpAnswer } from './http';
import { defineSiemSink, SiemError, type TSiemEvent } from './types';

export const LOGGING_WRITE_SCOPE = 'https://www.googleapis.com/auth/logging.write';
export const ENTRIES_WRITE_PATH = '/v2/entries:write';
const WHAT = 'Google Cloud Logging';

/** LogSeverity: a refused operation is worth a look; the proxy's own security and delivery events stand out from routine key use. */
export function severityOf(event: TSiemEvent): 'WARNING' | 'NOTICE' | 'INFO' {
  if (event.outcome === 'failure') return 'WARNING';
  // A test event is routine, as key use is; what needs attention is a refusal, a security event or a delivery notice.
  return event.category === 'key_use' || event.category === 'test' ? 'INFO' : 'NOTICE';
}

/** `projects/<project>/logs/<LOG_ID>`, the LOG_ID URL-encoded as the API requires (`/` → `%2F`). */
export function logNameOf(settings: Pick<TGoogleCloudLoggingSettings, 'projectId' | 'logName'>): string {
  return `projects/${settings.projectId}/logs/${encodeURIComponent(settings.logName)}`;
}

/** Indexed labels to filter on in Logs Explorer; the whole event is in jsonPayload. */
function labelsOf(event: TSiemEvent): Record<string, string> {
  return {
    tenant: event.tenantId,
    deployment: event.deploymentId,
    instance: event.instanceId,
    ...(event.kmsConfigId === null ? {} : { configuration: String(event.kmsConfigId) }),
    category: event.category,
    event: event.event,
    outcome: event.outcome,
  };
}

export function writeBody(events: readonly TSiemEvent[], settings: Pick<TGoogleCloudLoggingSettings, 'projectId' | 'logName'>): Buffer {
  return Buffer.from(
    JSON.stringify({
      logName: logNameOf(settings),
      // The documented resource for entries that belong to no Google resource; its one label is the project.
      resource: { type: 'global', labels: { project_id: settings.projectId } },
      entries: events.map((event) => ({ insertId: event.id, timestamp: event.time, severity: severityOf(event), labels: labelsOf(event), jsonPayload: event })),
      partialSuccess: false,
    }),
    'utf8',
  );
}

const safeWord = (value: unknown) => (typeof value === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(value) ? value : undefined);

/** The google.rpc.Status word and the first ErrorInfo reason of an error answer: upper-case words, safe to repeat. */
function rpcStatus(answer: THttpAnswer): { status?: string; reason?: string } {
  try {
    const error = (JSON.parse(answer.body.toString('utf8')) as { error?: { status?: unknown; details?: unknown } } | null)?.error;
    const details = Array.isArray(error?.details) ? (error.details as { '@type'?: unknown; reason?: unknown }[]) : [];
    const info = details.find((detail) => detail?.['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
    return { status: safeWord(error?.status), reason: safeWord(info?.reason) };
  } catch {
    return {};
  }
}

/** ErrorInfo reasons that say more than PERMISSION_DENIED does. */
const REASONS: Record<string, string> = {
  SERVICE_DISABLED: 'the Cloud Logging API is not enabled in the project',
  BILLING_DISABLED: 'billing is disabled for the project',
  ACCESS_TOKEN_SCOPE_INSUFFICIENT: 'the access token lacks the logging.write scope',
  IAM_PERMISSION_DENIED: 'the service account lacks the Logs Writer role (roles/logging.logWriter) on the project',
};

export function loggingError(answer: THttpAnswer): SiemError {
  const { status, reason } = rpcStatus(answer);
  const tag = reason ?? status ?? `HTTP ${answer.status}`;
  const refused = (why: string, code: 'auth' | 'not_found' | 'rejected') =>
    new SiemError(`${WHAT} refused the entries (HTTP ${answer.status}, ${tag}): ${why}.`, { code, retryable: false });
  if (answer.status === 401) return refused('the access token was not accepted; check that the service account and its key still exist', 'auth');
  if (answer.status === 403) return refused((reason && REASONS[reason]) ?? 'the service account may not write to this project’s logs; grant it the Logs Writer role', 'auth');
  if (answer.status === 404) return refused('the project does not exist; check the project id', 'not_found');
  if (answer.status === 400 || answer.status === 413) return refused('it could not accept the batch as written', 'rejected');
  return statusError(WHAT, answer, status);
}

const OAUTH_ERROR = /^[a-z][a-z_]{0,63}$/;

/** The token grant's failures, in SIEM terms: only the OAuth error word is repeated, never its description. */
function tokenError(error: unknown): SiemError {
  if (error instanceof SiemError) return error;
  // The poster is a SIEM client: a network failure, timeout or TLS refusal already names the token endpoint.
  if (error instanceof GoogleTokenNetworkError && error.cause instanceof SiemError) return error.cause;
  if (error instanceof GoogleAnswerError) {
    if (error.status === 429 || error.status >= 500) {
      const code = error.status === 429 ? 'throttled' : 'unavailable';
      return new SiemError(`Google's token endpoint is unavailable (HTTP ${error.status}).`, { code, retryable: true });
    }
    const word = (error.body as { error?: unknown } | undefined)?.error;
    const tag = typeof word === 'string' && OAUTH_ERROR.test(word) ? word : `HTTP ${error.status}`;
    return new SiemError(
      `Google refused the service account key (${tag}); check that the key is current and its service account exists and is enabled.`,
      { code: 'auth', retryable: false },
    );
  }
  // The token source's own KmsErrors (read by code, so lib/siem stays clear of lib/kms/types): an unreadable key, an unusable answer.
  const kmsCode = (error as { name?: unknown; code?: unknown } | null)?.name === 'KmsError' ? (error as { code?: unknown }).code : undefined;
  if (kmsCode === 'kms_config_invalid') return new SiemError("The service account key file's private_key cannot be read as an RSA key.", { code: 'config', retryable: false });
  if (kmsCode !== undefined) return new SiemError("Google's token endpoint answered without a usable access token.", { code: 'auth', retryable: false });
  return new SiemError('The access token for Google Cloud Logging could not be obtained.', { code: 'internal', retryable: true });
}

/** The token URL from the key file (Google's own, or the configuration is refused) and the Logging endpoint in the key's universe. */
function endpointsOf(settings: TGoogleCloudLoggingSettings): { token: URL; logging: URL } {
  const file = settings.serviceAccountKey;
  const universe = typeof file.universe_domain === 'string' ? file.universe_domain : 'googleapis.com';
  const problem = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(universe)
    ? googleTokenUriProblem(file.token_uri.trim(), universe)
    : "The key file's universe_domain is not a domain name.";
  if (problem !== undefined) throw new SiemError(problem, { code: 'config', retryable: false });
  return { token: new URL(file.token_uri.trim()), logging: new URL(ENTRIES_WRITE_PATH, `https://logging.${universe}`) };
}

export const googleCloudLoggingSink = defineSiemSink<TGoogleCloudLoggingSettings>({
  provider: 'google-cloud-logging',
  schema: ZGoogleCloudLoggingSettings,
  // Far under the 10 MB request limit with each entry's labels on top; an event is a few hundred bytes against 256 KB per entry.
  maxBatchEvents: 1000,
  maxBatchBytes: 2 * 1024 * 1024,
  create(settings, options) {
    const endpoints = endpointsOf(settings);
    const http = createHttpClient(WHAT, options);
    const tokenHttp = createHttpClient("Google's token endpoint", options);
    // A little longer than the client's own limit, so a silent endpoint is reported as the client's timeout.
    const tokens = createTokenSource(settings.serviceAccountKey, endpoints.token, tokenHttp, (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + 1000, LOGGING_WRITE_SCOPE);

    async function write(body: Buffer, signal: AbortSignal | undefined): Promise<{ token: string; answer: THttpAnswer }> {
      const token = await tokens.get().catch((error: unknown) => {
        throw tokenError(error);
      });
      if (signal?.aborted) throw new SiemError(`Delivery to ${WHAT} was cancelled.`, { code: 'cancelled', retryable: true });
      const headers = { 'user-agent': 'cmk-tsp', authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };
      return { token, answer: await http.post(endpoints.logging, headers, body, signal) };
    }

    return {
      provider: 'google-cloud-logging',
      async send(events, signal) {
        if (events.length === 0) return;
        const body = writeBody(events, settings);
        const first = await write(body, signal);
        let { answer } = first;
        if (answer.status === 401) {
          // A token Logging no longer accepts (revoked, expired early): sign in again, once.
          tokens.invalidate(first.token);
          ({ answer } = await write(body, signal));
        }
        if (answer.status !== 200) throw loggingError(answer);
      },
      close() {
        http.close();
        tokenHttp.close();
      },
    };
  },
});
