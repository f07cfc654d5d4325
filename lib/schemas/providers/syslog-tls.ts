// Syslog over TLS (RFC 5425) settings: the collector's host and port, an
// optional CA certificate to trust instead of the public roots, an optional
// client certificate and key for collectors that check their clients (mutual
// TLS), and the message format.
import { z } from 'zod';
import { CA_PEM_EXAMPLE, caCertificateField, ZCaCertificatePem, ZCertificatesPem } from './ca-certificate';
import {
  checkExclusiveFields,
  defineField,
  defineProvider,
  inspectPemPrivateKey,
  isLocalHost,
  siemQueueFullField,
  whenSettingsObject,
  ZOptionalText,
  ZRequiredText,
  ZSiemSettingsObject,
} from './common';

export { isCertificateDer, ZCaCertificatePem } from './ca-certificate';

const HOST_EXAMPLE = 'syslog.example.com';
const HOST_MESSAGE = `Enter a fully qualified host name or an IP address, like ${HOST_EXAMPLE} or 203.0.113.10.`;

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ZIpv6 = z.ipv6();

const isIpv6 = (host: string) => ZIpv6.safeParse(host).success;

// Single-label names ("syslog") would resolve through the search domains of
// the vendor's network, not the tenant's, so a fully qualified name is required.
const isDnsName = (host: string) => {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
};

/** An IPv6 literal may be written with or without brackets; it is stored without. */
const withoutBrackets = (host: string) => (/^\[[^\]]*\]$/.test(host) && isIpv6(host.slice(1, -1)) ? host.slice(1, -1) : host);

function hostProblem(value: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `Enter only the host name, without tls:// or another scheme, like ${HOST_EXAMPLE}.`;
  const host = withoutBrackets(value);
  if (/^[^:]+:\d+$/.test(host) || /^\[.*\]:\d+$/.test(host)) {
    return `Put the port in the Port field and enter only the host here, like ${HOST_EXAMPLE}.`;
  }
  if (isLocalHost(host)) {
    return 'Enter an address the key proxies reach over the network; loopback, link-local and multicast addresses like 127.0.0.1 are not allowed.';
  }
  if (!isDnsName(host) && !IPV4.test(host) && !isIpv6(host)) return HOST_MESSAGE;
  return undefined;
}

/** The collector's DNS name or IP literal, without scheme or port. */
export const ZSyslogHost = ZRequiredText(`Enter the syslog collector's host name, like ${HOST_EXAMPLE}.`, hostProblem, 255).transform(withoutBrackets);

const PORT_MESSAGE = 'Enter the port as a whole number from 1 to 65535, like 6514.';
/**
 * A number, or the digits a form's number input sends; stored as a number.
 * Blank means the default, 6514, the IANA port for syslog over TLS (RFC 5425).
 */
export const ZSyslogPort = z
  .union([z.number(), z.string()], { error: PORT_MESSAGE })
  .optional()
  .transform((value) => {
    if (typeof value !== 'string') return value;
    const digits = value.trim();
    if (digits === '') return undefined;
    return /^\d{1,5}$/.test(digits) ? Number(digits) : Number.NaN;
  })
  .pipe(z.int({ error: PORT_MESSAGE }).min(1, { error: PORT_MESSAGE }).max(65_535, { error: PORT_MESSAGE }).default(6514));

const FORMAT_MESSAGE = 'Choose RFC 5424 or RFC 3164 as the message format.';
/** RFC 5424 unless the tenant picks the legacy BSD format; blank means the default. */
export const ZSyslogFormat = z
  .string({ error: FORMAT_MESSAGE })
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
  .pipe(z.enum(['rfc5424', 'rfc3164'], { error: FORMAT_MESSAGE }).default('rfc5424'));

const KEY_EXAMPLE = '-----BEGIN PRIVATE KEY-----\nMIGH…\n-----END PRIVATE KEY-----';

/** The key proxies' certificate for a collector that checks its clients (mutual TLS), with any intermediates; not a secret. */
export const ZSyslogClientCertificate = ZOptionalText(
  ZCertificatesPem({
    name: 'client certificate',
    only: 'the client certificate and its intermediates',
    bundle: 'the client certificate and its intermediates',
    privateKey: 'This is a private key; paste it under Client private key, and here only the client certificate, which starts with -----BEGIN CERTIFICATE-----.',
  }),
);

/** The client certificate's private key, unencrypted PEM; X25519/X448 keys cannot sign a TLS handshake. */
export const ZSyslogClientKey = ZOptionalText(
  z
    .string()
    .trim()
    .check((ctx) => {
      const inspection = inspectPemPrivateKey(ctx.value, 'The client private key');
      const message = !inspection.ok
        ? inspection.message
        : inspection.algorithm === 'x25519' || inspection.algorithm === 'x448'
          ? 'The client private key is a key-agreement key, which cannot sign; use the RSA, EC or Ed25519 key of the client certificate.'
          : undefined;
      if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
    }),
);

export const ZSyslogTlsSettings = ZSiemSettingsObject('syslog over TLS', {
  host: ZSyslogHost,
  port: ZSyslogPort,
  caCertificate: ZCaCertificatePem,
  clientCertificate: ZSyslogClientCertificate,
  clientKey: ZSyslogClientKey,
  format: ZSyslogFormat,
}).superRefine((settings, ctx) => {
  // Both or neither: one without the other cannot make a TLS client identity.
  if (settings.clientCertificate !== undefined) {
    checkExclusiveFields(ctx, settings, {
      required: { clientKey: `Paste the client certificate's private key too, like ${KEY_EXAMPLE}; the certificate alone cannot identify the key proxies.` },
      refused: {},
    });
  }
  if (settings.clientKey !== undefined) {
    checkExclusiveFields(ctx, settings, {
      required: { clientCertificate: `Paste the client certificate that goes with the private key, like ${CA_PEM_EXAMPLE}.` },
      refused: {},
    });
  }
}, whenSettingsObject);
export type TSyslogTlsSettings = z.infer<typeof ZSyslogTlsSettings>;

export const syslogTls = defineProvider({
  id: 'syslog-tls',
  kind: 'siem',
  label: 'Syslog over TLS',
  description: 'Lets the key proxies send audit events to your syslog collector over TLS (RFC 5425).',
  schema: ZSyslogTlsSettings,
  fields: [
    defineField({
      name: 'host',
      label: 'Host',
      help: 'The collector’s DNS name or IP address, without scheme or port. It must be reachable from the key proxies.',
      example: HOST_EXAMPLE,
    }),
    defineField({
      name: 'port',
      label: 'Port',
      help: 'The TCP port of the TLS listener; leave it at 6514, the standard port for syslog over TLS, unless yours differs.',
      example: '6514',
      input: 'number',
      required: false,
    }),
    caCertificateField('the collector'),
    defineField({
      name: 'clientCertificate',
      label: 'Client certificate',
      help: 'Only if the collector checks its clients (mutual TLS): the PEM certificate the key proxies present, and any intermediates. Enter its private key below.',
      example: CA_PEM_EXAMPLE,
      input: 'pem',
      required: false,
    }),
    defineField({
      name: 'clientKey',
      label: 'Client private key',
      help: 'The private key of the client certificate, in PEM without a passphrase (the configuration is sealed end to end).',
      example: KEY_EXAMPLE,
      input: 'pem',
      secret: true,
      required: false,
    }),
    defineField({
      name: 'format',
      label: 'Message format',
      help: 'RFC 5424 carries structured data and full timestamps; choose RFC 3164 only for collectors that need the legacy BSD format.',
      example: 'rfc5424',
      input: 'select',
      required: false,
      options: [
        { value: 'rfc5424', label: 'RFC 5424 (recommended)' },
        { value: 'rfc3164', label: 'RFC 3164 (legacy BSD)' },
      ],
    }),
    siemQueueFullField,
  ],
  example: {
    host: 'siem-collector.example.com',
    port: 6514,
    format: 'rfc5424',
    onQueueFull: 'drop',
  },
});
