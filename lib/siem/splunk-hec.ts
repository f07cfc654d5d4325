// The Splunk HTTP Event Collector sink: one POST per batch to
// <origin>/services/collector/event with `Authorization: Splunk <token>`, the
// body being one JSON envelope per event, concatenated (HEC's batch format):
//   {"time":<epoch s.ms>,"host":<TSP instance>,"source":"cmk-tsp","sourcetype":…,"index":…,"event":<event>}
// Answers are HEC's {text, code}: 200 with code 0 is success; 503 (busy,
// unhealthy), 5xx, 429 and 408 are retried; 400/401/403 need the tenant to
// fix the token, its allowed indexes or its settings. Indexer acknowledgment
// is not used (the queue retries on its own); a channel id is sent anyway, so
// a token with acknowledgment turned on still accepts the events.
import { randomUUID } from 'node:crypto';
import { ZSplunkHecSettings, type TSplunkHecSettings } from '@/lib/schemas/providers/splunk-hec';
import { createHttpClient, statusError, type THttpAnswer } from './http';
import { defineSiemSink, SiemError, type TSiemEvent } from './types';

export const HEC_EVENT_PATH = '/services/collector/event';

/** HEC's status codes (Splunk docs, "Troubleshoot HTTP Event Collector"), with what the tenant should do where it can. */
const HEC_CODES: Record<number, { text: string; hint?: string }> = {
  1: { text: 'Token disabled', hint: 'enable the HEC token in Splunk' },
  2: { text: 'Token is required', hint: 'check the HEC token in the configuration' },
  3: { text: 'Invalid authorization', hint: 'check the HEC token in the configuration' },
  4: { text: 'Invalid token', hint: 'check the HEC token in the configuration' },
  5: { text: 'No data' },
  6: { text: 'Invalid data format' },
  7: { text: 'Incorrect index', hint: 'add the index to the HEC token’s allowed indexes, or choose one of them' },
  8: { text: 'Internal server error' },
  9: { text: 'Server is busy' },
  10: { text: 'Data channel is missing', hint: 'turn off indexer acknowledgment for the HEC token' },
  11: { text: 'Invalid data channel', hint: 'turn off indexer acknowledgment for the HEC token' },
  12: { text: 'Event field is required' },
  13: { text: 'Event field cannot be blank' },
  14: { text: 'ACK is disabled' },
  15: { text: 'Error in handling indexed fields' },
  16: { text: 'Query string authorization is not enabled' },
  18: { text: 'HEC is unhealthy, queues are full' },
  19: { text: 'HEC is unhealthy, ack service unavailable' },
  20: { text: 'HEC is unhealthy, queues are full, ack service unavailable' },
};

/** The `code` of a HEC answer, if the body is one. Its `text` is not echoed: a known code's text is. */
function hecCode(answer: THttpAnswer): number | undefined {
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as unknown;
    const code = (parsed as { code?: unknown } | null)?.code;
    return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function hecError(answer: THttpAnswer): SiemError {
  const code = hecCode(answer);
  const known = code === undefined ? undefined : HEC_CODES[code];
  const detail = code === undefined ? undefined : `${known?.text ?? 'HEC error'} (code ${code})`;
  if (known?.hint !== undefined && answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
    return new SiemError(`Splunk HEC refused the events (HTTP ${answer.status}): ${detail}; ${known.hint}.`, { code: code === 7 ? 'not_found' : code !== undefined && code <= 4 ? 'auth' : 'rejected', retryable: false });
  }
  return statusError('Splunk HEC', answer, detail);
}

/** The configured URL is the HEC base or its event endpoint (the schema allows nothing else); both mean the endpoint. */
export function hecEndpoint(url: string): URL {
  return new URL(HEC_EVENT_PATH, new URL(url).origin);
}

function epochSeconds(time: string): number {
  const ms = Date.parse(time);
  return (Number.isFinite(ms) ? ms : Date.now()) / 1000;
}

export function hecBody(events: readonly TSiemEvent[], settings: Pick<TSplunkHecSettings, 'index' | 'sourcetype'>): Buffer {
  const lines = events.map((event) =>
    JSON.stringify({
      time: epochSeconds(event.time),
      host: event.instanceId,
      source: 'cmk-tsp',
      sourcetype: settings.sourcetype,
      index: settings.index,
      event,
    }),
  );
  // HEC reads concatenated objects; a line break between them keeps captures readable.
  return Buffer.from(lines.join('\n'), 'utf8');
}

export const splunkHecSink = defineSiemSink<TSplunkHecSettings>({
  provider: 'splunk-hec',
  schema: ZSplunkHecSettings,
  // With each envelope's few hundred bytes on top, a batch stays well under 1 MB (Splunk Cloud's usual request limit).
  maxBatchEvents: 200,
  maxBatchBytes: 512 * 1024,
  create(settings, options) {
    const endpoint = hecEndpoint(settings.url);
    const http = createHttpClient('Splunk HEC', options);
    const channel = randomUUID();
    return {
      provider: 'splunk-hec',
      async send(events, signal) {
        if (events.length === 0) return;
        const headers = {
          'user-agent': 'cmk-tsp',
          authorization: `Splunk ${settings.token}`,
          'content-type': 'application/json',
          'x-splunk-request-channel': channel,
        };
        const answer = await http.post(endpoint, headers, hecBody(events, settings), signal);
        if (answer.status !== 200) throw hecError(answer);
        if (hecCode(answer) !== 0) {
          throw new SiemError('The Splunk HEC URL answered 200 without HEC’s success code; check that it points at an HTTP Event Collector.', {
            code: 'not_found',
            retryable: false,
          });
        }
      },
      close: () => http.close(),
    };
  },
});
