// A CA certificate field (private PKI): one or more X.509 certificates in PEM
// that a key proxy trusts for one configuration's endpoint only (a syslog
// collector, a Vault server, a CipherTrust Manager), instead of the public
// roots. Checked in the browser far enough to catch a truncated, damaged or
// wrong paste (a private key is refused outright); the proxy's TLS stack does
// the full parse. The same check, with its own words, serves client
// certificates (ZCertificatesPem).
import { z } from 'zod';
import { defineField, ZOptionalText } from './common';

export const CA_PEM_EXAMPLE = '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----';
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

/** How a certificate field's messages name what belongs in it. */
export type TCertificateWords = {
  /** "CA certificate", "client certificate". */
  name: string;
  /** What to paste instead of a too-long value. */
  only: string;
  /** What a legitimate bundle is, as an example. */
  bundle: string;
  /** Said when a private key is pasted. */
  privateKey: string;
};

const CA_WORDS: TCertificateWords = {
  name: 'CA certificate',
  only: 'the CA that signs the server, and its intermediates',
  bundle: 'a root and its intermediates',
  privateKey: 'This is a private key; paste only the CA certificate, which starts with -----BEGIN CERTIFICATE-----.',
};

function certificatesProblem(value: string, words: TCertificateWords): string | undefined {
  if (value.length > MAX_PEM_CHARS) return `Use at most 64 KiB of certificates; paste only ${words.only}.`;
  // Refused outright: a key pasted here would be sealed into a field not meant to carry it (and shown unmasked).
  if (/PRIVATE KEY/.test(value)) return words.privateKey;
  const blocks = pemBlocks(value);
  if ((value.match(/-----BEGIN /g) ?? []).length > blocks.length) return 'The certificate is incomplete: its -----END CERTIFICATE----- line is missing.';
  if (blocks.length === 0) return `Paste the ${words.name} in PEM form, starting with -----BEGIN CERTIFICATE-----, like ${CA_PEM_EXAMPLE}.`;
  if (!blocks.every((b) => b.label === 'CERTIFICATE' && b.endLabel === 'CERTIFICATE')) {
    return 'Paste only CERTIFICATE blocks, each between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----.';
  }
  if (blocks.length > MAX_CERTIFICATES) return `Paste at most ${MAX_CERTIFICATES} certificates, like ${words.bundle}.`;
  const intact = blocks.every((b) => {
    const der = decodeBase64(b.body);
    return der !== undefined && isCertificateDer(der);
  });
  if (!intact) return `The certificate is damaged or incomplete; paste the whole PEM block exactly as exported, like ${CA_PEM_EXAMPLE}.`;
  return undefined;
}

/**
 * One or more certificates in PEM, trimmed and checked, normalised to the
 * CERTIFICATE blocks alone (RFC 7468 explanatory text is dropped). Required
 * once present; wrap it in ZOptionalText for an optional field.
 */
export function ZCertificatesPem(words: TCertificateWords) {
  return z
    .string()
    .trim()
    .check((ctx) => {
      const message = certificatesProblem(ctx.value, words);
      if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
    })
    .transform((value) => pemBlocks(value).map((b) => toPem(b.body)).join('\n'));
}

/**
 * One or more CA certificates in PEM (a root and its intermediates is fine);
 * blank means "trust the public roots". Explanatory text around the blocks
 * (RFC 7468) is accepted but dropped, so only certificates reach the sealed
 * configuration. Not ZRequiredText: PEM has line breaks.
 */
export const ZCaCertificatePem = ZOptionalText(ZCertificatesPem(CA_WORDS));

/**
 * The form field for ZCaCertificatePem under the name `caCertificate`;
 * `server` names what the certificate must sign, as the admin knows it
 * ("the collector", "your Vault server").
 */
export function caCertificateField(server: string) {
  return defineField({
    name: 'caCertificate',
    label: 'CA certificate',
    help: `Only if the certificate of ${server} is not signed by a public CA: the PEM of the CA (and any intermediates) to trust, for this configuration only.`,
    example: CA_PEM_EXAMPLE,
    input: 'pem',
    required: false,
  });
}
