// A 1 GiB stream through our Tenant Security client (lib/tsc) in bounded
// memory: encryptStream from a generated plaintext (never held whole) to a
// file, then decryptStream from that file into a sink that only hashes,
// checked against the plaintext's digest. Prints each phase's throughput and
// the process's peak resident memory during it (VmHWM, reset before each
// phase through /proc/self/clear_refs; where the kernel refuses, sampled
// every 20 ms). With --reference, the reference client's streams
// (@ironcorelabs/tenant-security-nodejs 4.1.3) run after ours, same TSP.
//
// The TSP world (createTsp, the AWS KMS *protocol double*: no cloud) runs in
// a child process, so this process's memory is the client's alone.
//
//   npm run bench -- tsc-stream [--mib 1024] [--reference]
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { DocumentMetadata, TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { hashSink, patternStream } from '@/lib/testing/tsc-streams';
import { createTenantSecurityClient } from '@/lib/tsc';
import { printTable, type BenchSummary } from './lib/broker';
import { startTspWorldChild } from './lib/tsp-world-child';

type Phase = { name: string; seconds: number; mibPerSecond: number; peakMb: number; baseMb: number };

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const hwmMb = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;

/** Resets the kernel's peak-RSS mark; false where it cannot (then sampling stands in). */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function measure(name: string, bytes: number, work: () => Promise<void>): Promise<Phase> {
  global.gc?.();
  const baseMb = rssMb();
  const kernelPeak = resetPeak();
  let sampled = baseMb;
  const sampler = setInterval(() => (sampled = Math.max(sampled, rssMb())), 20);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const peakMb = Math.max(sampled, kernelPeak ? hwmMb() : 0);
  console.log(`${name}: ${seconds.toFixed(1)} s, ${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s, peak RSS ${peakMb.toFixed(0)} MB (${baseMb.toFixed(0)} MB before)`);
  return { name, seconds, mibPerSecond: bytes / 2 ** 20 / seconds, peakMb, baseMb };
}

/** Hashes what passes through. */
function tap(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({ transform: (chunk: Buffer, _encoding, callback) => (hash.update(chunk), callback(null, chunk)) });
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { mib: { type: 'string', default: '1024' }, reference: { type: 'boolean', default: false } }, strict: true });
  const mib = Number(values.mib);
  if (!(mib > 0)) throw new Error('usage: tsc-stream [--mib 1024] [--reference]');
  const size = mib * 2 ** 20;
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}); a ${mib} MiB stream through a file in ${os.tmpdir()}.`);
  console.log('The KMS is a local protocol double of AWS KMS (one wrap or unwrap per stream), not AWS.\n');

  const world = await startTspWorldChild();
  const dir = await mkdtemp(join(os.tmpdir(), 'tsc-stream-bench-'));
  const file = join(dir, 'stream.enc');
  const phases: Phase[] = [];
  const ours = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true });
  const meta = { tenantId: 'quiet', requestingId: 'svc-bench' };
  try {
    type TClient = {
      encrypt(input: Readable, output: Writable): Promise<string>;
      decrypt(edek: string, input: Readable, output: Writable): Promise<void>;
    };
    const clients: [string, TClient][] = [
      ['ours', { encrypt: async (i, o) => (await ours.encryptStream(i, o, meta)).edek, decrypt: (e, i, o) => ours.decryptStream(e, i, o, meta) }],
    ];
    if (values.reference) {
      const theirs = new TenantSecurityClient(world.url, world.apiKey);
      const theirMeta = new DocumentMetadata('quiet', 'svc-bench');
      clients.push(['reference', { encrypt: async (i, o) => (await theirs.encryptStream(i, o, theirMeta)).edek, decrypt: async (e, i, o) => void (await theirs.decryptStream(e, i, o, theirMeta)) }]);
    }
    for (const [who, client] of clients) {
      const plaintext = createHash('sha256');
      let edek = '';
      phases.push(
        await measure(`${who} encryptStream`, size, async () => {
          const output = createWriteStream(file);
          edek = await client.encrypt(patternStream(size, 'tsc-stream-bench').pipe(tap(plaintext)), output);
          await finished(output);
        }),
      );
      console.log(`  ciphertext ${(await stat(file)).size} bytes`);
      const sink = hashSink();
      phases.push(await measure(`${who} decryptStream`, size, () => client.decrypt(edek, createReadStream(file), sink)));
      const expected = plaintext.digest('hex');
      if (sink.bytes() !== size || sink.digest() !== expected) throw new Error(`${who}: the decrypted stream does not match the plaintext`);
      console.log(`  decrypted ${sink.bytes()} bytes, SHA-256 matches the plaintext's`);
    }
  } finally {
    ours.close();
    await world.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('');
  printTable(
    ['phase', 'MiB', 's', 'MiB/s', 'peak RSS MB', 'RSS before MB'],
    phases.map((p) => [p.name, String(mib), p.seconds.toFixed(1), p.mibPerSecond.toFixed(0), p.peakMb.toFixed(0), p.baseMb.toFixed(0)]),
  );
  const [encrypt, decrypt] = phases as [Phase, Phase];
  return [
    { measure: `TSC stream ${mib} MiB encrypt / decrypt, MiB/s`, value: `${encrypt.mibPerSecond.toFixed(0)} / ${decrypt.mibPerSecond.toFixed(0)}` },
    { measure: `TSC stream ${mib} MiB, peak RSS (encrypt / decrypt)`, value: `${encrypt.peakMb.toFixed(0)} / ${decrypt.peakMb.toFixed(0)} MB` },
  ];
}
