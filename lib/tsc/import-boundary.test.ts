// lib/tsc is what a vendor's Node service imports: Apache-2.0, with nothing
// of Next.js, the broker (lib/server), the TSP (lib/tsp) or the test doubles,
// and never the reference client (AGPL). From its entry, every project file
// reached lies in lib/tsc, and the only packages are zod and protobufjs.
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, walkImports } from '@/lib/testing/import-graph';

describe('lib/tsc import boundary', () => {
  it('reaches only its own files, node: built-ins, zod and protobufjs', () => {
    const { files, problems } = walkImports([join(ROOT, 'lib/tsc/index.ts')], new Set(['zod', 'protobufjs']));
    expect(problems).toEqual([]);
    const outside = [...files].map((f) => relative(ROOT, f)).filter((f) => !f.startsWith('lib/tsc/'));
    expect(outside).toEqual([]);
    // The walk really followed the graph to the crypto, the transport and the batches.
    for (const reached of ['document-format.ts', 'stream-crypto.ts', 'transport.ts', 'batch.ts']) expect([...files].some((f) => f.endsWith(`lib/tsc/${reached}`)), reached).toBe(true);
  });
});
