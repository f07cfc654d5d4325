import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPins, savePins, type TPins } from './pins';

const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'broker-kid' } as const;
const signingKey = { kty: 'EC', crv: 'P-256', x: 'sx', y: 'sy', kid: 'tenant-kid' } as const;
const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-pins-test-')), 'pins.json');

describe('pins file', () => {
  it('starts from the credentials’ broker keys when there is none', async () => {
    expect(await loadPins(file(), 'dep_1', [key])).toEqual({ version: 1, deploymentId: 'dep_1', broker: { keys: [key] }, tenants: {} });
  });

  it('round-trips the applied state’s signature, and still reads pins written before it was kept', async () => {
    const withState: TPins = { version: 1, deploymentId: 'dep_1', broker: { keys: [key] }, tenants: { acme: { signingKey, seq: 4, state: 'S'.repeat(86) } } };
    const target = file();
    await savePins(target, withState);
    expect(await loadPins(target, 'dep_1', [key])).toEqual(withState);
    const older = file();
    writeFileSync(older, JSON.stringify({ version: 1, deploymentId: 'dep_1', broker: { keys: [key] }, tenants: { acme: { signingKey, seq: 4 } } }));
    expect((await loadPins(older, 'dep_1', [key])).tenants.acme).toEqual({ signingKey, seq: 4 });
  });

  it('refuses a damaged file, another deployment’s, and a state that is not a signature, instead of starting afresh', async () => {
    const damaged = file();
    writeFileSync(damaged, '{ not json');
    await expect(loadPins(damaged, 'dep_1', [key])).rejects.toThrow(/not valid JSON/);
    const other = file();
    await savePins(other, { version: 1, deploymentId: 'dep_2', broker: { keys: [key] }, tenants: {} });
    await expect(loadPins(other, 'dep_1', [key])).rejects.toThrow(/belongs to deployment dep_2/);
    const bad = file();
    writeFileSync(bad, JSON.stringify({ version: 1, deploymentId: 'dep_1', broker: { keys: [key] }, tenants: { acme: { signingKey, seq: 4, state: 'short' } } }));
    await expect(loadPins(bad, 'dep_1', [key])).rejects.toThrow(/malformed at: tenants\.acme\.state/);
  });

  it('saves a change without waiting for the event loop: a TSP busy with requests cannot hold a revocation in the save', async () => {
    // What this guards (docs/performance.md "Revocation under load"): a save awaited step by step waits for a
    // whole turn of a busy event loop at each of its ~10 file operations. Counted here in turns, not time.
    const target = file();
    const pins: TPins = { version: 1, deploymentId: 'dep_1', broker: { keys: [key] }, tenants: { acme: { signingKey, seq: 4, state: 'S'.repeat(86) } } };
    const first = await savePins(target, pins);
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns += 1;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const second = await savePins(target, { ...pins, tenants: { acme: { ...pins.tenants.acme!, seq: 5 } } }, { writtenIno: first.ino });
    counting = false;
    expect(turns).toBe(0);
    expect((await loadPins(target, 'dep_1', [key])).tenants.acme?.seq).toBe(5);
    expect(second.ino).not.toBe(first.ino);
  });
});
