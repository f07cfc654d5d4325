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
//   4. the same cryptography through jose alone, 16 in flight: jose 6 (the
//      product's, on WebCrypto) and jose 5.10 (its last line with a node:crypto
//      build, end-of-life since 2026-04-30; a devDependency for this row only):
//      what a library swap could buy, measured in the same run.
//
// CPU time counts every thread of the process (WebCrypto runs on the libuv
// pool). The projection multiplies by 10 000 tenants × 3 configurations.
//
//   npm run bench -- verify-cost [--tenants 250] [--rounds 3] [--profile file.cpuprofile]
//
// --profile runs the client row once more under the main thread's sampling
// profiler, writes the profile and prints where that thread's time went.
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import * as jose6 from 'jose';
import * as jose5 from 'jose-v5';

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

// One jose line's two calls, with the key types each line takes (jose 6: CryptoKey; jose 5: KeyObject).
type JoseLine<K> = {
  verify: (jws: string, key: K) => Promise<unknown>;
  decrypt: (jwe: TFlattenedJwe, key: K) => Promise<{ plaintext: Uint8Array }>;
  importSigner: (jwk: Record<string, string>) => Promise<K>;
  recipient: K;
};

/** The state signature, then each configuration's decryption and inner signature, through one jose line only. */
async function libraryOnly<K>(lib: JoseLine<K>, tenant: { state: string; signingKey: unknown; configs: { jwe: TFlattenedJwe }[] }): Promise<number> {
  const signer = await lib.importSigner(tenant.signingKey as Record<string, string>);
  await lib.verify(tenant.state, signer);
  const opened = await Promise.all(
    tenant.configs.map(async (c) => {
      const { plaintext } = await lib.decrypt(c.jwe, lib.recipient);
      await lib.verify(new TextDecoder().decode(plaintext), signer);
      return 1;
    }),
  );
  return opened.length;
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
  // From the JWK: Node 24 deprecates KeyObject.from() of a non-extractable CryptoKey (DEP0204).
  const recipient = createPrivateKey({ key: deployment.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });

  const asTheClientDoes = async (list: Parameters<typeof verifyTenant>[0][]) => {
    const verdicts: { ok: boolean }[] = [];
    await inFlight(list, 16, async (t) => verdicts.push(await verifyTenant(t, undefined, key)));
    return verdicts;
  };

  const libraryRow = async <K>(lib: JoseLine<K>) => {
    const bundle = await verifyBundle(page, [broker.publicJwk], { deploymentId: deployment.id });
    let opened = 0;
    await inFlight(bundle.tenants, 16, async (t) => {
      const n = await libraryOnly(lib, t);
      opened += n;
    });
    if (opened !== configs) throw new Error(`jose opened ${opened} of ${configs} configurations`);
  };
  const jose6Line: JoseLine<CryptoKey> = {
    verify: (jws, key) => jose6.compactVerify(jws, key, { algorithms: ['ES256'] }),
    decrypt: (jwe, key) => jose6.flattenedDecrypt(jwe, key, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] }),
    importSigner: async (jwk) => (await jose6.importJWK(jwk, 'ES256')) as CryptoKey,
    recipient: deployment.key,
  };
  const jose5Line: JoseLine<KeyObject> = {
    verify: (jws, key) => jose5.compactVerify(jws, key, { algorithms: ['ES256'] }),
    decrypt: (jwe, key) => jose5.flattenedDecrypt(jwe, key, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] }),
    importSigner: async (jwk) => createPublicKey({ key: jwk, format: 'jwk' }),
    recipient,
  };
  const best = {
    page: Infinity, serial: Infinity, parallel: Infinity, floor: Infinity, jose6: Infinity, jose5: Infinity,
    pageCpu: Infinity, serialCpu: Infinity, parallelCpu: Infinity, floorCpu: Infinity, jose6Cpu: Infinity, jose5Cpu: Infinity,
  };
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
    // jose's own rows include one page verification each, as the client rows do not: subtract it.
    const viaJose6 = await measure(() => libraryRow(jose6Line));
    const viaJose5 = await measure(() => libraryRow(jose5Line));
    best.jose6 = Math.min(best.jose6, viaJose6.wallMs - opened.wallMs);
    best.jose6Cpu = Math.min(best.jose6Cpu, viaJose6.cpuMs - opened.cpuMs);
    best.jose5 = Math.min(best.jose5, viaJose5.wallMs - opened.wallMs);
    best.jose5Cpu = Math.min(best.jose5Cpu, viaJose5.cpuMs - opened.cpuMs);
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
      ['jose 6 alone (WebCrypto), 16 in flight', best.jose6.toFixed(0), best.jose6Cpu.toFixed(0), perConfig(best.jose6Cpu), project(best.jose6), project(best.jose6Cpu)],
      ['jose 5.10 alone (node:crypto, end-of-life), 16 in flight', best.jose5.toFixed(0), best.jose5Cpu.toFixed(0), perConfig(best.jose5Cpu), project(best.jose5), project(best.jose5Cpu)],
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
    { measure: 'verify: µs CPU per config (jose 6 alone / jose 5 alone)', value: `${perConfig(best.jose6Cpu)} / ${perConfig(best.jose5Cpu)}` },
    { measure: 'verify 10k×3 without broker: client s', value: project(best.parallel + best.page) },
  ];
}
