// The syslog-over-TLS sink: one persistent TLS connection to the tenant's
// collector, each event one RFC 5424 message (or the legacy RFC 3164 line the
// tenant may choose), framed by octet counting — "<length> <message>" — as
// RFC 5425 §4.3 prescribes for TLS (and RFC 6587 §3.4.1 for TCP); rsyslog's
// imtcp reads that framing by default (rsyslog.com/doc/imtcp.html). A batch
// is one write of many frames.
//
// Syslog has no application acknowledgment, so "delivered" is defined here:
// the whole batch was handed to the TLS socket (the write callback fired)
// and the connection then stayed open, with no error, reset or close, for
// SETTLE_MS. That catches a collector that refuses the client certificate
// (TLS 1.3 lets the client finish its handshake before the server has judged
// the certificate; rsyslog then resets the connection) and a collector that
// died while the connection sat idle. It cannot catch a collector that
// crashes after the settle window with our bytes still unread in its kernel
// buffers (those events are lost), nor tell how much of a batch a collector
// processed before a reset (the queue sends the whole batch again:
// duplicates, which the event `id` lets the SIEM drop).
import tls from 'node:tls';
import { ZSyslogTlsSettings, type TSyslogTlsSettings } from '@/lib/schemas/providers/syslog-tls';
import { connectTargets, DEFAULT_TIMEOUT_MS, defaultCasWith, identityOf, makeLookup, networkError } from './http';
import { defineSiemSink, SiemError, type TSiemEvent } from './types';

const WHAT = 'the syslog collector';
/** RFC 5424 §6.2.1 facility 13, "log audit": these events are the tenant's audit trail of key use. */
export const SYSLOG_FACILITY = 13;
/** Failures are warnings (4), successes informational (6). */
const SEVERITY = { failure: 4, success: 6 } as const;
export const SYSLOG_APP_NAME = 'cmk-tsp';
/** The structured-data element's id: 32473 is the enterprise number RFC 5612 reserves for documentation. */
export const SYSLOG_SD_ID = 'cmk@32473';
/** How long a written batch must go without the collector closing or resetting the connection to count as delivered. */
export const SETTLE_MS = 150;
const BOM = '\u{FEFF}';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** TLS alerts by which a server refuses a client certificate (or the lack of one). */
const CLIENT_REFUSED = /ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|UNKNOWN_CA|ACCESS_DENIED|CERTIFICATE_REQUIRED)$/;

/** PRINTUSASCII (33–126) only, at most `max` characters; NILVALUE when nothing is left (RFC 5424 §6.2). */
function printable(text: string, max: number): string {
  const cleaned = text.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` take a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

function structuredData(event: TSiemEvent): string {
  const params: [string, string | number | null][] = [
    ['id', event.id],
    ['tenant', event.tenantId],
    ['deployment', event.deploymentId],
    ['instance', event.instanceId],
    ['kmsConfig', event.kmsConfigId],
    ['category', event.category],
    ['event', event.event],
    ['outcome', event.outcome],
    ['errorCode', event.errorCode],
  ];
  const pairs = params.filter(([, value]) => value !== null).map(([name, value]) => ` ${name}="${escapeSdValue(String(value))}"`);
  return `[${SYSLOG_SD_ID}${pairs.join('')}]`;
}

const priority = (event: TSiemEvent) => `<${SYSLOG_FACILITY * 8 + SEVERITY[event.outcome === 'failure' ? 'failure' : 'success']}>`;

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM+JSON` (RFC 5424 §6); the host is the TSP instance. */
export function rfc5424Message(event: TSiemEvent): string {
  const ms = Date.parse(event.time);
  const timestamp = Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
  const msgId = printable(`${event.category}.${event.event}`, 32);
  return `${priority(event)}1 ${timestamp} ${printable(event.instanceId, 255)} ${SYSLOG_APP_NAME} - ${msgId} ${structuredData(event)} ${BOM}${JSON.stringify(event)}`;
}

/** `<PRI>Mmm dd hh:mm:ss HOSTNAME cmk-tsp: JSON` (RFC 3164 §4.1), the timestamp in UTC since the format has no zone. */
export function rfc3164Message(event: TSiemEvent): string {
  const parsed = Date.parse(event.time);
  const at = new Date(Number.isFinite(parsed) ? parsed : Date.now());
  const day = String(at.getUTCDate()).padStart(2, ' ');
  const time = at.toISOString().slice(11, 19);
  return `${priority(event)}${MONTHS[at.getUTCMonth()]} ${day} ${time} ${printable(event.instanceId, 255)} ${SYSLOG_APP_NAME}: ${JSON.stringify(event)}`;
}

/** The batch as octet-counted frames, one buffer for one write. */
export function syslogFrames(events: readonly TSiemEvent[], format: TSyslogTlsSettings['format']): Buffer {
  return Buffer.concat(
    events.map((event) => {
      const message = Buffer.from(format === 'rfc3164' ? rfc3164Message(event) : rfc5424Message(event), 'utf8');
      return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
    }),
  );
}

type TConnection = {
  socket: tls.TLSSocket;
  /** Whether a batch has settled on it: until then a close means the collector refused us. */
  proven: boolean;
  /** The send waiting on this connection, told of its failure. */
  watcher?: (error: SiemError) => void;
};

const refusedClient = () =>
  new SiemError(
    'The syslog collector closed the connection right after the TLS handshake: it requires a client certificate, or refuses the one configured; check the client certificate and key, and that the collector trusts their CA.',
    { code: 'auth', retryable: false },
  );

export const syslogTlsSink = defineSiemSink<TSyslogTlsSettings>({
  provider: 'syslog-tls',
  schema: ZSyslogTlsSettings,
  // Each event is one frame of about 1 KiB; rsyslog's own limit is per message (maxMessageSize, 8 KiB by default), not per write.
  maxBatchEvents: 500,
  maxBatchBytes: 512 * 1024,
  create(settings, options) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const targets = connectTargets(options.connectTo);
    const lookup = makeLookup(options.resolve);
    const target = targets.get(`${settings.host.toLowerCase()}:${settings.port}`) ?? { host: settings.host, port: settings.port };
    // The tenant's CA, when given, is the only one trusted (its private PKI); otherwise the system's plus the operator's.
    const ca = settings.caCertificate !== undefined ? [settings.caCertificate] : defaultCasWith(options.ca);
    let context: tls.SecureContext | SiemError;
    try {
      context = tls.createSecureContext({ ca, cert: settings.clientCertificate, key: settings.clientKey });
    } catch {
      // OpenSSL's reason is not repeated: it is about key material.
      context = new SiemError('The client certificate and private key in the syslog settings cannot be used together; enter the key that belongs to the certificate.', {
        code: 'config',
        retryable: false,
      });
    }
    let current: TConnection | undefined;

    function fail(connection: TConnection, error: SiemError): void {
      if (current === connection) current = undefined;
      connection.socket.destroy();
      const watcher = connection.watcher;
      connection.watcher = undefined;
      watcher?.(error);
    }

    function connect(secureContext: tls.SecureContext): TConnection {
      const socket = tls.connect({ host: target.host, port: target.port, lookup, secureContext, ...identityOf(settings.host) });
      const connection: TConnection = { socket, proven: false };
      let secure = false;
      socket.on('secureConnect', () => {
        secure = true;
        socket.setKeepAlive(true, 30_000);
      });
      // A collector sends nothing; reading keeps the socket flowing so its close is seen.
      socket.on('data', () => undefined);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        const code = typeof error.code === 'string' ? error.code : '';
        if (CLIENT_REFUSED.test(code) || (secure && !connection.proven)) return fail(connection, refusedClient());
        fail(connection, networkError(WHAT, error));
      });
      socket.on('close', () => {
        if (!secure) return fail(connection, new SiemError('The syslog collector closed the connection during the TLS handshake.', { code: 'tls', retryable: true }));
        if (!connection.proven) return fail(connection, refusedClient());
        fail(connection, new SiemError('The syslog collector closed the connection while a batch was being sent.', { code: 'network', retryable: true }));
      });
      // A half-close is a close: the collector will not read on.
      socket.on('end', () => socket.destroy());
      return connection;
    }

    function send(events: readonly TSiemEvent[], signal?: AbortSignal): Promise<void> {
      if (events.length === 0) return Promise.resolve();
      if (context instanceof SiemError) return Promise.reject(context);
      if (signal?.aborted) return Promise.reject(new SiemError('Delivery to the syslog collector was cancelled.', { code: 'cancelled', retryable: true }));
      const frames = syslogFrames(events, settings.format);
      const connection = current ?? connect(context);
      current = connection;
      connection.socket.ref();
      return new Promise<void>((resolve, reject) => {
        let settleTimer: NodeJS.Timeout | undefined;
        const finish = (error?: SiemError) => {
          clearTimeout(deadline);
          clearTimeout(settleTimer);
          signal?.removeEventListener('abort', onAbort);
          connection.watcher = undefined;
          connection.socket.unref();
          if (error === undefined) resolve();
          else reject(error);
        };
        connection.watcher = finish;
        const onAbort = () => fail(connection, new SiemError('Delivery to the syslog collector was cancelled.', { code: 'cancelled', retryable: true }));
        signal?.addEventListener('abort', onAbort, { once: true });
        // A batch that may be half written is never followed by another on the same connection.
        const deadline = setTimeout(
          () => fail(connection, new SiemError(`The syslog collector did not take the batch within ${timeoutMs} ms.`, { code: 'timeout', retryable: true })),
          timeoutMs,
        );
        deadline.unref();
        connection.socket.write(frames, (error) => {
          if (error || connection.watcher !== finish) return;
          settleTimer = setTimeout(() => {
            connection.proven = true;
            finish();
          }, SETTLE_MS);
        });
      });
    }

    return {
      provider: 'syslog-tls',
      send,
      close() {
        const connection = current;
        current = undefined;
        // close_notify and FIN after anything still buffered; the collector then closes its side.
        connection?.socket.destroySoon();
      },
    };
  },
});
