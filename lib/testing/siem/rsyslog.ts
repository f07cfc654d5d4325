// A real rsyslogd for the syslog-over-TLS sink's tests (no double): started as
// a child process on a private config and work directory, a TLS listener
// (imtcp with the gtls driver) on 127.0.0.1 and a free port, and an omfile
// action that writes every message it received over TCP as one JSON line of
// the fields rsyslog parsed (facility, severity, timestamp, host, app-name,
// msgid, structured data, msg) plus the raw message, so a test reads back
// what rsyslog understood. Needs the Debian packages rsyslog and
// rsyslog-gnutls; without them it fails, saying so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TTestTls } from '../tls';

export type TRsyslogAuthMode = 'anon' | 'x509/certvalid' | 'x509/name';

/** One message as rsyslog stored it. */
export type TRsyslogRecord = {
  facility: string;
  severity: string;
  version: string;
  time: string;
  host: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  raw: string;
};

export type TRsyslog = {
  port: number;
  /** Every message stored so far, in arrival order (across restarts). */
  records(): TRsyslogRecord[];
  /** Waits until at least `count` messages are stored; throws with rsyslog's own output after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<TRsyslogRecord[]>;
  /** What rsyslogd wrote to stderr (its internal messages: refused peers, TLS errors). */
  log(): string;
  stop(): Promise<void>;
  /** Starts it again on the same port and files. */
  start(): Promise<void>;
  close(): Promise<void>;
};

const INSTALL = 'The syslog-over-TLS tests run a real rsyslogd; install it with: apt-get install rsyslog rsyslog-gnutls';

function findRsyslogd(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  const found = dirs.filter((dir) => dir !== '').map((dir) => join(dir, 'rsyslogd')).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`rsyslogd was not found. ${INSTALL}`);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on the port (rsyslog logs the probe's missing TLS handshake; harmless). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function config(dir: string, port: number, authMode: TRsyslogAuthMode, permittedPeer?: string): string {
  const peers = permittedPeer === undefined ? '' : ` StreamDriver.PermittedPeers="${permittedPeer}"`;
  const field = (outname: string, name: string, extra = '') => `  property(outname="${outname}" name="${name}"${extra} format="jsonf")`;
  return `global(workDirectory="${dir}/work" maxMessageSize="64k"
  DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="${dir}/ca.pem"
  DefaultNetstreamDriverCertFile="${dir}/cert.pem"
  DefaultNetstreamDriverKeyFile="${dir}/key.pem")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="${authMode}"${peers})
input(type="imtcp" address="127.0.0.1" port="${port}")
template(name="fields" type="list" option.jsonf="on") {
${[
  field('facility', 'syslogfacility'),
  field('severity', 'syslogseverity'),
  field('version', 'protocol-version'),
  field('time', 'timereported', ' dateFormat="rfc3339"'),
  field('host', 'hostname'),
  field('app', 'app-name'),
  field('procid', 'procid'),
  field('msgid', 'msgid'),
  field('sd', 'structured-data'),
  field('msg', 'msg'),
  field('raw', 'rawmsg'),
].join('\n')}
}
if $inputname == "imtcp" then action(type="omfile" file="${dir}/out.jsonl" template="fields")
`;
}

/** Starts rsyslogd with `tls` as its certificate and CA; `authMode` says how it checks clients (anon: it does not). */
export async function startRsyslog(tls: TTestTls, { authMode = 'anon', permittedPeer }: { authMode?: TRsyslogAuthMode; permittedPeer?: string } = {}): Promise<TRsyslog> {
  const binary = findRsyslogd();
  const dir = mkdtempSync(join(tmpdir(), 'cmk-rsyslog-'));
  const port = await freePort();
  writeFileSync(join(dir, 'ca.pem'), tls.caPem);
  writeFileSync(join(dir, 'cert.pem'), tls.certPem);
  writeFileSync(join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'rsyslog.conf'), config(dir, port, authMode, permittedPeer));
  const outFile = join(dir, 'out.jsonl');
  let child: ChildProcess | undefined;
  let stderr = '';

  async function start(): Promise<void> {
    mkdirSync(join(dir, 'work'), { recursive: true });
    const started = spawn(binary, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let exited = false;
    // A test run that ends early (a timeout, a crash) must not leave rsyslogd behind.
    const orphan = () => void started.kill('SIGKILL');
    process.once('exit', orphan);
    started.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    started.once('exit', () => {
      exited = true;
      process.off('exit', orphan);
    });
    const spawnError = new Promise<Error>((resolve) => started.once('error', resolve));
    for (let waited = 0; !(await listening(port)); waited += 20) {
      const failed = await Promise.race([spawnError, sleep(20).then(() => undefined)]);
      if (failed || exited || waited > 10_000) {
        started.kill('SIGKILL');
        const why = failed ? failed.message : exited ? 'it exited' : 'it did not listen within 10 s';
        throw new Error(`rsyslogd did not start (${why}). ${INSTALL}.\n${stderr}`);
      }
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  function records(): TRsyslogRecord[] {
    if (!existsSync(outFile)) return [];
    return readFileSync(outFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as TRsyslogRecord);
  }

  await start();
  return {
    port,
    records,
    async waitFor(count, timeoutMs = 10_000) {
      for (let waited = 0; ; waited += 20) {
        const found = records();
        if (found.length >= count) return found;
        if (waited > timeoutMs) throw new Error(`rsyslogd stored ${found.length} of ${count} messages.\n${stderr}`);
        await sleep(20);
      }
    },
    log: () => stderr,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
