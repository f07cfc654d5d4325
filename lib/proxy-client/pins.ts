// The proxy's pins, kept on disk so trust survives restarts: the broker
// signing keys it accepts (extended only through rotation statements), and per
// tenant the signing key first seen (TOFU), the highest state seq applied and
// that state's signature (rollback detection, including a different state at
// an applied seq). Public keys and numbers only — never settings.
// Written atomically and durably (temp file, fsync, rename, fsync of the
// folder; mode 0600) before anything they protect is applied (sync-core.ts).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

import type { JWK } from 'jose';
import { z } from 'zod';

import type { TTenantPin } from './verify-tenant';

const ZJwk = z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string() });

const ZPins = z.strictObject({
  version: z.literal(1),
  deploymentId: z.string(),
  broker: z.strictObject({ keys: z.array(ZJwk).min(1) }),
  tenants: z.record(
    z.string(),
    // `state`: the applied state's signature (ES256, 64 bytes), kept since the same-seq check; older pins lack it.
    // `configs`: how many configurations that state lists (0 for a tenant that may be deleted); older pins lack it.
    z.strictObject({ signingKey: ZJwk, seq: z.number().int().min(0), state: z.string().regex(/^[A-Za-z0-9_-]{86}$/).optional(), configs: z.number().int().min(0).optional() }),
  ),
});

export type TPins = { version: 1; deploymentId: string; broker: { keys: JWK[] }; tenants: Record<string, TTenantPin> };

/** What savePins wrote, and the file's inode: pass it to the next save to spare re-reading the file. */
export type TSavedPins = { pins: TPins; ino: number };

/**
 * A tenant map with no prototype: a tenant called `constructor` or `toString`
 * (valid ids) must read as "not pinned yet", not as Object's own members.
 */
export function tenantPins(entries: Record<string, TTenantPin> = {}): Record<string, TTenantPin> {
  return Object.assign(Object.create(null) as Record<string, TTenantPin>, entries);
}

/** `<credentials>.pins.json` beside the credentials file. */
export function defaultPinsFile(credentialsFile: string): string {
  return join(dirname(credentialsFile), `${basename(credentialsFile).replace(/\.json$/, '')}.pins.json`);
}

/**
 * Reads the pins; a missing file starts from the credentials' broker keys. A
 * file for another deployment or a damaged one is an error, not a fresh start:
 * silently forgetting pins would undo rollback and key-change detection.
 */
export async function loadPins(file: string, deploymentId: string, brokerKeys: JWK[]): Promise<TPins> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return { version: 1, deploymentId, broker: { keys: brokerKeys }, tenants: tenantPins() };
    }
    throw new Error(`Cannot read the pins file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`The pins file ${file} is not valid JSON. Restore it from a backup if you can: removing it makes the proxy trust every tenant's signing key on first use again, and accept older states.`);
  }
  const parsed = ZPins.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new Error(`The pins file ${file} is malformed at: ${[...new Set(paths)].join(', ')}.`);
  }
  if (parsed.data.deploymentId !== deploymentId) {
    throw new Error(`The pins file ${file} belongs to deployment ${parsed.data.deploymentId}, not ${deploymentId}.`);
  }
  return { ...(parsed.data as TPins), tenants: tenantPins(parsed.data.tenants as Record<string, TTenantPin>) };
}

/**
 * What two processes sharing one pins file both hold: per tenant the pin with
 * the higher seq (at the same seq, the one already on disk, so that a process
 * shown a different state at that seq reports it as a rollback), and every
 * broker key either accepted. Nothing pinned is ever lowered or dropped.
 */
export function mergePins(onDisk: TPins, ours: TPins): TPins {
  const tenants = tenantPins(ours.tenants);
  for (const [id, pin] of Object.entries(onDisk.tenants)) {
    const mine = tenants[id];
    if (!mine || pin.seq > mine.seq) tenants[id] = pin;
    // The same state pinned by both: the one that knows how many configurations it lists (older pins do not).
    else if (pin.seq === mine.seq && !(pin.state === mine.state && pin.configs === undefined && mine.configs !== undefined)) tenants[id] = pin;
  }
  const keys = [...onDisk.broker.keys];
  for (const key of ours.broker.keys) if (!keys.some((k) => k.kid === key.kid)) keys.push(key);
  return { ...ours, broker: { keys }, tenants };
}

/**
 * Writes `pins`, merged with what the file holds now (each process should
 * have its own pins file, but one that shares it must not undo another's
 * pins), and returns what was written. A crash or power loss at any moment
 * leaves either the old or the new file whole: the new content is flushed to
 * disk before the rename, and the rename before this returns.
 */
export async function savePins(file: string, pins: TPins, { writtenIno }: { writtenIno?: number | null } = {}): Promise<TSavedPins> {
  const onDisk = statOrNull(file);
  // Still the file the caller wrote last (every save renames a new inode in): `pins` already holds all of it.
  const merged = onDisk && onDisk.ino === writtenIno ? pins : mergePins(await loadPins(file, pins.deploymentId, pins.broker.keys), pins);
  return { pins: { ...merged, tenants: tenantPins(merged.tenants) }, ino: writeDurably(file, `${JSON.stringify(merged)}\n`) };
}

function statOrNull(file: string): { ino: number } | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/**
 * Temp file, fsync, rename, fsync of the folder — in one synchronous block,
 * returning the new file's inode. Each step awaited on its own would wait for
 * a whole turn of an event loop that is busy with a TSP's requests: at 100
 * application workers on 2 cores a turn took 30–50 ms, and the save of a
 * disable took up to 540 ms of the time until apps were refused
 * (docs/performance.md "Revocation under load"). Held synchronously, requests
 * wait only for the two flushes, once per applied change.
 */
function writeDurably(file: string, text: string): number {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // The rename itself is durable once the folder is flushed (where the platform can flush a folder).
  let folder: number | null = null;
  try {
    folder = openSync(dirname(file), 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EISDIR' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
  }
  if (folder !== null) {
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }
  return statSync(file).ino;
}
