// Throw-away TLS material for the protocol doubles (tests, demo and bench
// only): one test CA per process, and server certificates it signs for given
// DNS names plus 127.0.0.1, made with the `openssl` CLI in a temporary
// directory that is removed at once. Clients trust the double by adding
// `caPem` to their CAs (never by turning verification off), so the real TLS
// checks — chain, host name, validity — run in every test. Valid 7 days, or
// longer when asked: the demo keeps its certificate across restarts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TTestTls = { caPem: string; certPem: string; keyPem: string };

type TCa = { caPem: string; caKeyPem: string };

// Cached per process and validity: key generation is the slow part, and every double can share one CA.
const cas = new Map<number, TCa>();
const servers = new Map<string, TTestTls>();

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('lib/testing/tls.ts needs the openssl command-line tool to make test certificates; install OpenSSL (e.g. apt-get install openssl).');
    }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? e.message}`);
  }
}

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cmk-test-tls-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testCa(days: number): TCa {
  const cached = cas.get(days);
  if (cached) return cached;
  const ca = inTempDir((dir) => {
    openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
    openssl(dir, [
      'req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', String(days), '-subj', '/CN=CMK test CA (throw-away)',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.crt',
    ]);
    return { caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), caKeyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  });
  cas.set(days, ca);
  return ca;
}

/** An EC P-256 key and a leaf certificate for `commonName` with `extensions` (EKU, SAN), signed by the test CA of `days`. */
function issue(days: number, commonName: string, extensions: string): TTestTls {
  const { caPem, caKeyPem } = testCa(days);
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'ca.crt'), caPem);
    writeFileSync(join(dir, 'ca.key'), caKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'leaf.ext'), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n${extensions}`);
    openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key']);
    openssl(dir, ['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${commonName}`, '-out', 'leaf.csr']);
    openssl(dir, [
      'x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', String(days),
      '-extfile', 'leaf.ext', '-out', 'leaf.crt',
    ]);
    return { caPem, certPem: readFileSync(join(dir, 'leaf.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8') };
  });
}

/** A certificate for `dnsNames` (and 127.0.0.1) signed by the process's test CA, both valid `days` (default 7). Names must be plain DNS names. */
export function makeTestTls(dnsNames: readonly string[] = ['localhost'], { days = 7 }: { days?: number } = {}): TTestTls {
  if (dnsNames.length === 0 || dnsNames.some((name) => !/^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i.test(name))) {
    throw new Error('makeTestTls takes one or more plain DNS names, like siem.test.');
  }
  const key = `${days}:${[...dnsNames].map((name) => name.toLowerCase()).sort().join(',')}`;
  const cached = servers.get(key);
  if (cached) return cached;
  const altNames = [...dnsNames.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',');
  const made = issue(days, dnsNames[0] ?? '', `extendedKeyUsage=serverAuth\nsubjectAltName=${altNames}\n`);
  servers.set(key, made);
  return made;
}

const clients = new Map<string, TTestTls>();

/**
 * A client certificate (extendedKeyUsage clientAuth) for `commonName`, signed
 * by the same test CA as makeTestTls with the same `days` — so a different
 * `days` gives a certificate from a different CA, one a server trusting the
 * first CA refuses. For mutual-TLS tests (a syslog collector that checks its
 * clients).
 */
export function makeTestClientTls(commonName = 'cmk-tsp test client', { days = 7 }: { days?: number } = {}): TTestTls {
  if (!/^[\w .-]{1,64}$/.test(commonName)) throw new Error('makeTestClientTls takes a plain common name, like cmk-tsp test client.');
  const key = `${days}:${commonName}`;
  const cached = clients.get(key);
  if (cached) return cached;
  const made = issue(days, commonName, 'extendedKeyUsage=clientAuth\n');
  clients.set(key, made);
  return made;
}
