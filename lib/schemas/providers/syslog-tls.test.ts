// The syslog-over-TLS schema: its example passes, hosts, ports, CA
// certificates and formats each get one clear message on the right field.
// The CA fixtures are (1) a throwaway self-signed P-256 certificate made with
// `openssl req -x509` for these tests only (its private key was discarded),
// and (2) minimal DER SEQUENCEs built by hand below. Client keys are made with
// WebCrypto per run.
import { describe, expect, it } from 'vitest';
import { isCertificateDer, syslogTls, ZSyslogTlsSettings } from './syslog-tls';

const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBwDCCAWWgAwIBAgIUPewxjC1BRvaUbL5LsYnq6zDSPPUwCgYIKoZIzj0EAwIw
NTEzMDEGA1UEAwwqQ01LIEJyb2tlciBUZXN0IENBIChmYWtlLCB1bml0IHRlc3Rz
IG9ubHkpMB4XDTI2MTEyODE5NDI0MVoXDTM2MTEyNTE5NDI0MVowNTEzMDEGA1UE
AwwqQ01LIEJyb2tlciBUZXN0IENBIChmYWtlLCB1bml0IHRlc3RzIG9ubHkpMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaCNv7u9LVOudXD8uxkgQgOamh/gulgMP
lXkhelpUaEWleoX+CAyUWmB9JdNAzivbonqhVjLMY9NIRTrLTXkUXaNTMFEwHQYD
VR0OBBYEFHNssG02gGHCLRB36qicrH8XTBKJMB8GA1UdIwQYMBaAFHNssG02gGHC
LRB36qicrH8XTBKJMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AKXqumCGnab3X+0LHjcg3sko6+2saO+uUYC01cNkn3lPAiEA3E7EL4MIPOH6OacT
7pBxwSBhcIwhAi/MUI47GlgljDY=
-----END CERTIFICATE-----`;

const pem = (bytes: number[], label = 'CERTIFICATE') =>
  `-----BEGIN ${label}-----\n${btoa(String.fromCharCode(...bytes))}\n-----END ${label}-----`;
// SEQUENCE { SEQUENCE {}, SEQUENCE {}, BIT STRING '' }: the outer shape of a certificate, nothing more.
const MINIMAL_CERT = [0x30, 0x07, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00];
// The same shape with a 192-byte tbsCertificate, so both lengths use the long form (0x81 nn).
const LONG_FORM_CERT = [0x30, 0x81, 0xc8, 0x30, 0x81, 0xc0, ...new Array<number>(192).fill(0x05), 0x30, 0x00, 0x03, 0x01, 0x00];

const pkcs8Pem = async (algorithm: EcKeyGenParams | Algorithm, usages: KeyUsage[]) => {
  const pair = (await crypto.subtle.generateKey(algorithm, true, usages)) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const body = (btoa(String.fromCharCode(...der)).match(/.{1,64}/g) ?? []).join('\n');
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
};
const ecKey = await pkcs8Pem({ name: 'ECDSA', namedCurve: 'P-256' }, ['sign']);
const x25519Key = await pkcs8Pem({ name: 'X25519' }, ['deriveBits']);

const valid = syslogTls.example;
const problems = (value: unknown) =>
  ZSyslogTlsSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const HOST = 'Enter a fully qualified host name or an IP address, like syslog.example.com or 203.0.113.10.';
const PORT = 'Enter the port as a whole number from 1 to 65535, like 6514.';
const DAMAGED = 'The certificate is damaged or incomplete; paste the whole PEM block exactly as exported, like -----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----.';

describe('syslog-tls provider', () => {
  it('accepts its example and fills in the defaults', () => {
    expect(ZSyslogTlsSettings.parse(valid)).toEqual(valid);
    expect(ZSyslogTlsSettings.parse({ host: valid.host })).toEqual({ host: valid.host, port: 6514, format: 'rfc5424', onQueueFull: 'drop' });
  });

  it.each([
    ['a DNS name', 'logs.eu-1.example.net'],
    ['a DNS name with a final dot', 'logs.example.net.'],
    ['an IPv4 address', '203.0.113.10'],
    ['a private IPv4 address (reached over a VPN)', '10.20.30.40'],
    ['an IPv6 address', '2001:db8::514'],
    ['a unique-local IPv6 address', 'fd12:3456::514'],
  ])('accepts %s as host', (_kind, host) => {
    expect(ZSyslogTlsSettings.parse({ ...valid, host }).host).toBe(host);
  });

  it('accepts a bracketed IPv6 address and drops the brackets', () => {
    expect(ZSyslogTlsSettings.parse({ ...valid, host: '[2001:db8::514]' }).host).toBe('2001:db8::514');
  });

  it.each([
    ['an empty host', '', "Enter the syslog collector's host name, like syslog.example.com."],
    ['a URL with a scheme', 'tls://syslog.example.com', 'Enter only the host name, without tls:// or another scheme, like syslog.example.com.'],
    ['a host with a port', 'syslog.example.com:6514', 'Put the port in the Port field and enter only the host here, like syslog.example.com.'],
    ['a single-label name', 'syslog', HOST],
    ['a name with an underscore', 'sys_log.example.com', HOST],
    ['a name with a path', 'syslog.example.com/in', HOST],
    ['an IPv4 address with a leading zero', '203.0.113.010', HOST],
    ['a number that is not a host', 42, "Enter the syslog collector's host name, like syslog.example.com."],
  ])('refuses %s as host', (_kind, host, message) => {
    expect(problems({ ...valid, host })).toEqual([{ path: ['host'], message }]);
  });

  it.each([
    ['localhost'],
    ['metrics.localhost'],
    ['127.0.0.1'],
    ['169.254.169.254'],
    ['0.0.0.0'],
    ['239.1.1.1'],
    ['::1'],
    ['[::1]'],
    ['0:0:0:0:0:0:0:1'],
    ['fe80::1'],
    ['ff02::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:a9fe:a9fe'],
  ])(
    'refuses the local or link-local address %s',
    (host) => {
      expect(problems({ ...valid, host })).toEqual([
        {
          path: ['host'],
          message: 'Enter an address the key proxies reach over the network; loopback, link-local and multicast addresses like 127.0.0.1 are not allowed.',
        },
      ]);
    },
  );

  it.each([
    ['zero', 0],
    ['above 65535', 65_536],
    ['a fraction', 6514.5],
    ['negative', -1],
    ['text', 'tls'],
    ['digits with a sign', '+6514'],
    ['a boolean', true],
  ])('refuses a port that is %s', (_kind, port) => {
    expect(problems({ ...valid, port })).toEqual([{ path: ['port'], message: PORT }]);
  });

  it('accepts the digits a number input sends, and takes blank as the default port', () => {
    expect(ZSyslogTlsSettings.parse({ ...valid, port: ' 10514 ' }).port).toBe(10_514);
    expect(ZSyslogTlsSettings.parse({ ...valid, port: '' }).port).toBe(6514);
    expect(problems({ ...valid, port: '65536' })).toEqual([{ path: ['port'], message: PORT }]);
  });

  describe('CA certificate', () => {
    it('accepts a real certificate and normalises it to the PEM block alone', () => {
      const withText = `Subject: CN=CMK Broker Test CA\n${TEST_CA.replace(/\n(?!-----END)/g, '\r\n')}\n`;
      expect(ZSyslogTlsSettings.parse({ ...valid, caCertificate: withText }).caCertificate).toBe(TEST_CA);
    });

    it('accepts a bundle, and hand-built DER in short and long length form', () => {
      const bundle = `${TEST_CA}\n${pem(MINIMAL_CERT)}\n${pem(LONG_FORM_CERT)}`;
      const parsed = ZSyslogTlsSettings.parse({ ...valid, caCertificate: bundle }).caCertificate ?? '';
      expect(parsed.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3);
      expect(parsed.startsWith(`${TEST_CA}\n${pem(MINIMAL_CERT)}\n`)).toBe(true);
      // The long one-line body is re-wrapped at 64 characters, and the result is stable.
      expect(Math.max(...parsed.split('\n').map((line) => line.length))).toBe(64);
      expect(ZSyslogTlsSettings.parse({ ...valid, caCertificate: parsed }).caCertificate).toBe(parsed);
      expect(isCertificateDer(Uint8Array.from(MINIMAL_CERT))).toBe(true);
      expect(isCertificateDer(Uint8Array.from(LONG_FORM_CERT))).toBe(true);
    });

    it('treats a blank value as not set', () => {
      expect(ZSyslogTlsSettings.parse({ ...valid, caCertificate: '  \n' })).not.toHaveProperty('caCertificate', expect.anything());
    });

    it.each([
      [
        'a private key',
        pem(MINIMAL_CERT, 'PRIVATE KEY'),
        'This is a private key; paste only the CA certificate, which starts with -----BEGIN CERTIFICATE-----.',
      ],
      [
        'text that is not PEM',
        'MIIBwDCCAWWgAwIBAgIUPewxjC1BRvaUbL5LsYnq6zDSPPUw',
        'Paste the CA certificate in PEM form, starting with -----BEGIN CERTIFICATE-----, like -----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----.',
      ],
      [
        'another kind of PEM block',
        pem(MINIMAL_CERT, 'PUBLIC KEY'),
        'Paste only CERTIFICATE blocks, each between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----.',
      ],
      ['a body that is not base64', TEST_CA.replace('MIIBwDCC', 'MIIB*DCC'), DAMAGED],
      ['a truncated certificate', TEST_CA.replace(/\n7pBx.*\n/, '\n'), DAMAGED],
      ['a certificate without its END line', TEST_CA.replace('-----END CERTIFICATE-----', ''), 'The certificate is incomplete: its -----END CERTIFICATE----- line is missing.'],
      [
        'a bundle whose second certificate lost its END line',
        `${TEST_CA}\n${TEST_CA.replace('-----END CERTIFICATE-----', '')}`,
        'The certificate is incomplete: its -----END CERTIFICATE----- line is missing.',
      ],
      ['DER that is not a SEQUENCE', pem([0x04, 0x03, 0x01, 0x02, 0x03]), DAMAGED],
      ['a SEQUENCE that is not a certificate', pem([0x30, 0x03, 0x02, 0x01, 0x05]), DAMAGED],
      ['DER with trailing bytes', pem([...MINIMAL_CERT, 0x00]), DAMAGED],
      ['BER indefinite length', pem([0x30, 0x80, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00]), DAMAGED],
    ])('refuses %s', (_kind, caCertificate, message) => {
      expect(problems({ ...valid, caCertificate })).toEqual([{ path: ['caCertificate'], message }]);
    });

    it('refuses more than 20 certificates', () => {
      expect(problems({ ...valid, caCertificate: new Array(21).fill(TEST_CA).join('\n') })).toEqual([
        { path: ['caCertificate'], message: 'Paste at most 20 certificates, like a root and its intermediates.' },
      ]);
    });
  });

  it('treats a blank format as the default', () => {
    expect(ZSyslogTlsSettings.parse({ ...valid, format: '' }).format).toBe('rfc5424');
    expect(ZSyslogTlsSettings.parse({ ...valid, format: 'rfc3164' }).format).toBe('rfc3164');
  });

  it('refuses an unknown format, an unknown setting and a non-object', () => {
    expect(problems({ ...valid, format: 'rfc5425' })).toEqual([{ path: ['format'], message: 'Choose RFC 5424 or RFC 3164 as the message format.' }]);
    expect(problems({ ...valid, protocol: 'udp' })).toEqual([{ path: [], message: 'Remove "protocol": syslog over TLS has no such setting.' }]);
    expect(problems(null)).toEqual([{ path: [], message: 'The syslog over TLS settings must be an object of fields.' }]);
  });

  describe('client certificate and key (mutual TLS)', () => {
    const KEY_MISSING =
      "Paste the client certificate's private key too, like -----BEGIN PRIVATE KEY-----\nMIGH…\n-----END PRIVATE KEY-----; the certificate alone cannot identify the key proxies.";
    const CERT_MISSING = 'Paste the client certificate that goes with the private key, like -----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----.';

    it('accepts both, normalising the certificate to its PEM blocks and trimming the key', () => {
      const parsed = ZSyslogTlsSettings.parse({ ...valid, clientCertificate: `Subject: CN=client\n${TEST_CA}\n`, clientKey: `\n${ecKey}\n` });
      expect(parsed).toMatchObject({ clientCertificate: TEST_CA, clientKey: ecKey.trim() });
    });

    it('treats blanks as not set, and asks for the other half when only one is given', () => {
      expect(ZSyslogTlsSettings.parse({ ...valid, clientCertificate: ' ', clientKey: '' })).not.toHaveProperty('clientKey', expect.anything());
      expect(problems({ ...valid, clientCertificate: TEST_CA })).toEqual([{ path: ['clientKey'], message: KEY_MISSING }]);
      expect(problems({ ...valid, clientKey: ecKey, clientCertificate: '  ' })).toEqual([{ path: ['clientCertificate'], message: CERT_MISSING }]);
    });

    it.each([
      [
        'a private key as the certificate',
        { clientCertificate: ecKey, clientKey: ecKey },
        'clientCertificate',
        'This is a private key; paste it under Client private key, and here only the client certificate, which starts with -----BEGIN CERTIFICATE-----.',
      ],
      [
        'text as the certificate',
        { clientCertificate: 'client.pem', clientKey: ecKey },
        'clientCertificate',
        'Paste the client certificate in PEM form, starting with -----BEGIN CERTIFICATE-----, like -----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----.',
      ],
      ['a certificate as the key', { clientCertificate: TEST_CA, clientKey: TEST_CA }, 'clientKey', 'The client private key is a certificate; paste the private key instead.'],
      [
        'a damaged key',
        { clientCertificate: TEST_CA, clientKey: ecKey.replace(/\n[A-Za-z0-9+/]{8}/, '\n') },
        'clientKey',
        'The client private key is damaged or incomplete; paste the whole key again, unchanged.',
      ],
      [
        'a key that cannot sign',
        { clientCertificate: TEST_CA, clientKey: x25519Key },
        'clientKey',
        'The client private key is a key-agreement key, which cannot sign; use the RSA, EC or Ed25519 key of the client certificate.',
      ],
    ])('refuses %s with one message that does not repeat it', (_kind, fields, path, message) => {
      const found = problems({ ...valid, ...fields });
      expect(found).toEqual([{ path: [path], message }]);
      const body = ecKey.split('\n')[1] ?? 'unreachable';
      expect(JSON.stringify(ZSyslogTlsSettings.safeParse({ ...valid, ...fields }).error?.issues.map((issue) => issue.message))).not.toContain(body);
    });
  });

  it('describes exactly the schema’s fields, in form order, with valid examples', () => {
    expect(syslogTls.fields.map((f) => f.name)).toEqual(Object.keys(ZSyslogTlsSettings.shape));
    expect(syslogTls.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['clientKey']);
    expect(syslogTls.fields.filter((f) => f.input === 'pem').map((f) => f.name)).toEqual(['caCertificate', 'clientCertificate', 'clientKey']);
    expect(syslogTls).toMatchObject({ id: 'syslog-tls', kind: 'siem' });
    const fromExamples = Object.fromEntries(syslogTls.fields.map((f) => [f.name, f.input === 'number' ? Number(f.example) : f.example]));
    // The PEM fields' examples are abbreviated (MIIB…) for display; real PEM stands in for them.
    const { clientCertificate: _certificate, clientKey: _key, ...withoutClient } = fromExamples;
    expect(problems({ ...withoutClient, caCertificate: TEST_CA })).toEqual([]);
    expect(problems(withoutClient)).toEqual([{ path: ['caCertificate'], message: DAMAGED }]);
    expect(problems(fromExamples).map((problem) => problem.path[0])).toEqual(['caCertificate', 'clientCertificate', 'clientKey']);
  });
});
