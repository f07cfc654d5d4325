// Verification cost (issue 8, with benchmark 3): what it costs a proxy, per
// configuration, to verify what a full sync delivers — with no broker, network
// or database in the way. One page of `--tenants` tenants × 3 configurations is
// made with the real crypto (lib/testing/bundle-factory.ts), then verified:
//
//   1. the page's broker signature and structure (verifyBundle);
//   2. every tenant with the proxy's own code (verifyTenant: state signature,
//      digest, ECDH-ES+A256KW / A256GCM decryption, inner ES256 signature,
//      identity, provider schema), one at a time and 16 in flight as
//      lib/proxy-client/sync-core.ts runs it;
//   3. the primitives alone, through node:crypto on one thread (import the
//      ephemeral key, ECDH, Concat KDF, AES key unwrap, AES-GCM, ES256 verify,
//      per tenant its key import and state signature): what this CPU needs at
//      the least for the cryptography the protocol prescribes. Bench-only code,
//      checked against step 2's result; the product never uses it.
//
// CPU time counts every thread of the process (WebCrypto runs on the libuv
// pool). The projection multiplies by 10 000 tenants × 3 configurations.
//
//   npm run bench -- verify-cost [--tenants 250] [--rounds 3] [--profile file.cpuprofile]
//
// --profile runs the client row once more under the main thread's sampling
// profiler, writes the profile and prints where that thread's time went.
import { createDecipheriv, createHash, createPublicKey, diffieHellman, KeyObject, verify as nodeVerify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { verifyBundle } from '@/lib/crypto/bundle';
import type { TFlattenedJwe } from '@/lib/crypto/jwe-types';
import { verifyTenant } from '@/lib/proxy-client/verify-tenant';
import { bundleTenant, createBroker, createDeployment, createTenant, publishState, sealTestConfig, signTestBundle } from '@/lib/testing/bundle-factory';

import { printTable, type BenchSummary } from './lib/broker';
import { profiled } from './lib/cpu-profile';

const PROVIDERS = ['aws-kms', 'splunk-hec', 'hashicorp-vault-transit'];

function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return fn().then((value) => {
    const cpu = process.cpuUsage(cpu0);
    return { value, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  });
}

async function inFlight<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

// RFC 7518 §4.6.2 Concat KDF for ECDH-ES+A256KW (no apu/apv), one SHA-256 round for 256 bits.
function concatKdf(z: Buffer): Buffer {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const other = Buffer.concat([field(Buffer.from('ECDH-ES+A256KW')), field(Buffer.alloc(0)), field(Buffer.alloc(0)), Buffer.from([0, 0, 1, 0])]);
  return createHash('sha256').update(Buffer.from([0, 0, 0, 1])).update(z).update(other).digest();
}

function es256Verify(jws: string, key: KeyObject): void {
  const dot = jws.lastIndexOf('.');
  if (!nodeVerify('sha256', Buffer.from(jws.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(jws.slice(dot + 1), 'base64url'))) {
    throw new Error('floor: a signature does not verify');
  }
}

/** The primitives only; throws if anything does not check out, so the figure is for real work. */
function primitiveFloor(jwe: TFlattenedJwe, recipient: KeyObject, signer: KeyObject): void {
  // Sealed to several recipients, each entry carries its own ephemeral key in its unprotected header.
  const epk = createPublicKey({ key: (jwe.header as { epk: Record<string, string> }).epk, format: 'jwk' });
  const kek = concatKdf(diffieHellman({ privateKey: recipient, publicKey: epk }));
  const unwrap = createDecipheriv('id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
  const cek = Buffer.concat([unwrap.update(Buffer.from(jwe.encrypted_key, 'base64url')), unwrap.final()]);
  const gcm = createDecipheriv('aes-256-gcm', cek, Buffer.from(jwe.iv, 'base64url'));
  gcm.setAAD(Buffer.from(jwe.protected, 'ascii'));
  gcm.setAuthTag(Buffer.from(jwe.tag, 'base64url'));
  const inner = Buffer.concat([gcm.update(Buffer.from(jwe.ciphertext, 'base64url')), gcm.final()]).toString('utf8');
  es256Verify(inner, signer);
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({
    args,
    options: { tenants: { type: 'string', default: '250' }, rounds: { type: 'string', default: '3' }, profile: { type: 'string' } },
    strict: true,
  });
  const count = Number(values.tenants);
  const rounds = Number(values.rounds);
  console.log(`sealing ${count} tenants × 3 configurations…`);
  const broker = await createBroker();
  const deployment = await createDeployment([broker]);
  const tenants = [];
  for (let i = 0; i < count; i++) {
    const tenant = await createTenant(`bench-${String(i).padStart(6, '0')}`, [deployment]);
    for (const [c, provider] of PROVIDERS.entries()) await sealTestConfig(tenant, { provider, primary: c < 2 });
    await publishState(tenant);
    tenants.push(tenant);
  }
  const page = await signTestBundle(broker, deployment, tenants.map((t) => bundleTenant(t, deployment)));
  const key = { key: deployment.key, kid: deployment.kid };
  const configs = count * PROVIDERS.length;
  const recipient = KeyObject.from(deployment.key);

  const asTheClientDoes = async (list: Parameters<typeof verifyTenant>[0][]) => {
    const verdicts: { ok: boolean }[] = [];
    await inFlight(list, 16, async (t) => verdicts.push(await verifyTenant(t, undefined, key)));
    return verdicts;
  };

  const best = { page: Infinity, serial: Infinity, parallel: Infinity, floor: Infinity, pageCpu: Infinity, serialCpu: Infinity, parallelCpu: Infinity, floorCpu: Infinity };
  for (let r = 0; r < rounds; r++) {
    const opened = await measure(() => verifyBundle(page, [broker.publicJwk], { deploymentId: deployment.id }));
    const bundle = opened.value;
    const check = (verdicts: { ok: boolean }[]) => {
      if (verdicts.length !== count || !verdicts.every((v) => v.ok)) throw new Error('a tenant did not verify');
    };
    const serial = await measure(async () => {
      const verdicts = [];
      for (const t of bundle.tenants) verdicts.push(await verifyTenant(t, undefined, key));
      return verdicts;
    });
    check(serial.value);
    const parallel = await measure(() => asTheClientDoes(bundle.tenants));
    check(parallel.value);
    const floor = await measure(async () => {
      for (const t of bundle.tenants) {
        const signer = createPublicKey({ key: t.signingKey as Record<string, string>, format: 'jwk' });
        es256Verify(t.state, signer);
        for (const c of t.configs) primitiveFloor(c.jwe, recipient, signer);
      }
    });
    best.page = Math.min(best.page, opened.wallMs);
    best.pageCpu = Math.min(best.pageCpu, opened.cpuMs);
    best.serial = Math.min(best.serial, serial.wallMs);
    best.serialCpu = Math.min(best.serialCpu, serial.cpuMs);
    best.parallel = Math.min(best.parallel, parallel.wallMs);
    best.parallelCpu = Math.min(best.parallelCpu, parallel.cpuMs);
    best.floor = Math.min(best.floor, floor.wallMs);
    best.floorCpu = Math.min(best.floorCpu, floor.cpuMs);
  }

  const perConfig = (ms: number) => ((ms * 1000) / configs).toFixed(0);
  const project = (ms: number) => ((ms / count) * 10_000 / 1000).toFixed(1);
  console.log(`\nVerifying one page of ${count} tenants × 3 configurations (${configs} configurations), best of ${rounds}; ${availableParallelism()} cores.\n`);
  printTable(
    ['step', 'wall ms', 'CPU ms', 'µs CPU per config', '10 000 × 3: wall s', '10 000 × 3: CPU s'],
    [
      ['broker signature + structure (verifyBundle)', best.page.toFixed(0), best.pageCpu.toFixed(0), perConfig(best.pageCpu), project(best.page), project(best.pageCpu)],
      ['verifyTenant, one at a time', best.serial.toFixed(0), best.serialCpu.toFixed(0), perConfig(best.serialCpu), project(best.serial), project(best.serialCpu)],
      ['verifyTenant, 16 in flight (the client)', best.parallel.toFixed(0), best.parallelCpu.toFixed(0), perConfig(best.parallelCpu), project(best.parallel), project(best.parallelCpu)],
      ['primitives only, node:crypto, 1 thread', best.floor.toFixed(0), best.floorCpu.toFixed(0), perConfig(best.floorCpu), project(best.floor), project(best.floorCpu)],
    ],
  );
  if (values.profile) {
    const bundle = await verifyBundle(page, [broker.publicJwk], { deploymentId: deployment.id });
    const { value, summary } = await profiled(values.profile, () => asTheClientDoes(bundle.tenants));
    if (!value.every((v) => v.ok)) throw new Error('a tenant did not verify');
    console.log(`\nThe client row under the profiler (${values.profile}): where the main thread's time went.\n`);
    printTable(
      ['category', 'ms', 'share'],
      summary.map((row) => [row.category, row.ms.toFixed(0), `${(row.share * 100).toFixed(1)} %`]),
    );
  }
  return [
    { measure: 'verify: µs CPU per config (client code)', value: perConfig(best.parallelCpu + best.pageCpu) },
    { measure: 'verify: µs CPU per config (primitives floor)', value: perConfig(best.floorCpu) },
    { measure: 'verify 10k×3 without broker: client s', value: project(best.parallel + best.page) },
  ];
}
