// Syslog over TLS (RFC 5425) settings: the collector's host and port, an
// optional CA certificate to trust instead of the public roots, and the
// message format.
import { z } from 'zod';
import { defineField, defineProvider, isLocalHost, siemQueueFullField, ZOptionalText, ZRequiredText, ZSiemSettingsObject } from './common';

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

const PEM_EXAMPLE = '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const MAX_CERTIFICATES = 20;
const MAX_PEM_CHARS = 65_536;

type TDerElement = { tag: number; start: number; end: number };

/** Reads one DER element (tag, definite length) at `offset` of `bytes`, or undefined if malformed. */
const readDer = (bytes: Uint8Array, offset: number, limit: number): TDerElement | undefined => {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) return undefined;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0 would be BER's indefinite length, which DER forbids; 4 bytes is far beyond any certificate.
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i += 1) {
      const byte = bytes[start + i];
      if (byte === undefined) return undefined;
      length = length * 256 + byte;
    }
    // DER uses the shortest length encoding.
    if (length < 0x80 || (count > 1 && bytes[start] === 0)) return undefined;
    start += count;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : undefined;
};

/**
 * The outer shape of an X.509 certificate: SEQUENCE { tbsCertificate SEQUENCE,
 * signatureAlgorithm SEQUENCE, signature BIT STRING } filling every byte.
 * Enough to catch truncated, corrupted or non-certificate blocks; the proxy's
 * TLS stack does the full parse.
 */
export const isCertificateDer = (bytes: Uint8Array): boolean => {
  const outer = readDer(bytes, 0, bytes.length);
  if (!outer || outer.tag !== 0x30 || outer.end !== bytes.length) return false;
  const tags: number[] = [];
  let offset = outer.start;
  while (offset < outer.end) {
    const element = readDer(bytes, offset, outer.end);
    if (!element) return false;
    tags.push(element.tag);
    offset = element.end;
  }
  return tags.length === 3 && tags[0] === 0x30 && tags[1] === 0x30 && tags[2] === 0x03;
};

const decodeBase64 = (body: string): Uint8Array | undefined => {
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  try {
    return Uint8Array.from(atob(compact), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
};

/** RFC 7468 layout: 64-character lines, which every TLS stack reads. */
const toPem = (body: string) => `-----BEGIN CERTIFICATE-----\n${(body.replace(/\s+/g, '').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----`;

type TPemBlock = { label: string; endLabel: string; body: string };
const pemBlocks = (pem: string): TPemBlock[] =>
  [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', body: m[2] ?? '', endLabel: m[3] ?? '' }));

function caCertificateProblem(value: string): string | undefined {
  if (value.length > MAX_PEM_CHARS) return 'Use at most 64 KiB of certificates; paste only the CA that signs the collector.';
  // Refused outright: a key pasted here would be sealed into a configuration not meant to carry it.
  if (/PRIVATE KEY/.test(value)) return 'This is a private key; paste only the CA certificate, which starts with -----BEGIN CERTIFICATE-----.';
  const blocks = pemBlocks(value);
  if ((value.match(/-----BEGIN /g) ?? []).length > blocks.length) return 'The certificate is incomplete: its -----END CERTIFICATE----- line is missing.';
  if (blocks.length === 0) return `Paste the CA certificate in PEM form, starting with -----BEGIN CERTIFICATE-----, like ${PEM_EXAMPLE}.`;
  if (!blocks.every((b) => b.label === 'CERTIFICATE' && b.endLabel === 'CERTIFICATE')) {
    return 'Paste only CERTIFICATE blocks, each between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----.';
  }
  if (blocks.length > MAX_CERTIFICATES) return `Paste at most ${MAX_CERTIFICATES} certificates, like a root and its intermediates.`;
  const intact = blocks.every((b) => {
    const der = decodeBase64(b.body);
    return der !== undefined && isCertificateDer(der);
  });
  if (!intact) return `The certificate is damaged or incomplete; paste the whole PEM block exactly as exported, like ${PEM_EXAMPLE}.`;
  return undefined;
}

/**
 * One or more CA certificates in PEM (a root and its intermediates is fine);
 * blank means "trust the public roots". Explanatory text around the blocks
 * (RFC 7468) is accepted but dropped, so only certificates reach the sealed
 * configuration. Not ZRequiredText: PEM has line breaks.
 */
export const ZCaCertificatePem = ZOptionalText(
  z
    .string()
    .trim()
    .check((ctx) => {
      const message = caCertificateProblem(ctx.value);
      if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
    })
    .transform((value) => pemBlocks(value).map((b) => toPem(b.body)).join('\n')),
);

const FORMAT_MESSAGE = 'Choose RFC 5424 or RFC 3164 as the message format.';
/** RFC 5424 unless the tenant picks the legacy BSD format; blank means the default. */
export const ZSyslogFormat = z
  .string({ error: FORMAT_MESSAGE })
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
  .pipe(z.enum(['rfc5424', 'rfc3164'], { error: FORMAT_MESSAGE }).default('rfc5424'));

export const ZSyslogTlsSettings = ZSiemSettingsObject('syslog over TLS', {
  host: ZSyslogHost,
  port: ZSyslogPort,
  caCertificate: ZCaCertificatePem,
  format: ZSyslogFormat,
});
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
    defineField({
      name: 'caCertificate',
      label: 'CA certificate',
      help: 'Only if the collector’s certificate is not signed by a public CA: the PEM of the CA (and any intermediates) to trust.',
      example: PEM_EXAMPLE,
      input: 'pem',
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
