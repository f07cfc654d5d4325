// The proxy's pins, kept on disk so trust survives restarts: the broker
// signing keys it accepts (extended only through rotation statements), and per
// tenant the signing key first seen (TOFU), the highest state seq applied and
// that state's signature (rollback detection, including a different state at
// an applied seq). Public keys and numbers only — never settings.
// Written atomically (temp file + rename, mode 0600).
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
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
    z.strictObject({ signingKey: ZJwk, seq: z.number().int().min(0), state: z.string().regex(/^[A-Za-z0-9_-]{86}$/).optional() }),
  ),
});

export type TPins = { version: 1; deploymentId: string; broker: { keys: JWK[] }; tenants: Record<string, TTenantPin> };

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
      return { version: 1, deploymentId, broker: { keys: brokerKeys }, tenants: {} };
    }
    throw new Error(`Cannot read the pins file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`The pins file ${file} is not valid JSON; fix or remove it (removing it re-trusts tenant keys on first use).`);
  }
  const parsed = ZPins.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new Error(`The pins file ${file} is malformed at: ${[...new Set(paths)].join(', ')}.`);
  }
  if (parsed.data.deploymentId !== deploymentId) {
    throw new Error(`The pins file ${file} belongs to deployment ${parsed.data.deploymentId}, not ${deploymentId}.`);
  }
  return parsed.data as TPins;
}

export async function savePins(file: string, pins: TPins): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(pins, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
