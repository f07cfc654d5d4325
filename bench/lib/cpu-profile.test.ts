import { describe, expect, it } from 'vitest';
import { summarizeProfile, type TCpuProfile } from './cpu-profile';

const frame = (functionName: string, url: string) => ({ functionName, url });

describe('summarizeProfile', () => {
  it('adds each sample’s time to its node’s category and sorts by time', () => {
    const profile: TCpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('run', '') },
        { id: 3, callFrame: frame('jobPromise', 'node:internal/crypto/util') },
        { id: 4, callFrame: frame('decryptJWE', 'file:///w/node_modules/jose/dist/webapi/lib/jwe_decrypt.js') },
        { id: 5, callFrame: frame('base64urlDecode', 'file:///w/lib/crypto/encoding.ts') },
        { id: 6, callFrame: frame('(garbage collector)', '') },
        { id: 7, callFrame: frame('parse', 'file:///w/node_modules/zod/v4/core/schemas.js') },
      ],
      samples: [2, 2, 3, 4, 5, 5, 5, 6, 1, 7],
      timeDeltas: [1000, 1000, 500, 250, 1000, 1000, 1000, 250, 4000, 0],
    };
    expect(summarizeProfile(profile)).toEqual([
      { category: 'idle', ms: 4, share: 0.4 },
      { category: 'this project', ms: 3, share: 0.3 },
      { category: 'Node (native)', ms: 2, share: 0.2 },
      { category: 'Node (JavaScript)', ms: 0.5, share: 0.05 },
      { category: 'jose', ms: 0.25, share: 0.025 },
      { category: 'garbage collection', ms: 0.25, share: 0.025 },
    ]);
  });

  it('is empty for a profile without samples', () => {
    expect(summarizeProfile({ nodes: [{ id: 1, callFrame: frame('(root)', '') }], samples: [], timeDeltas: [] })).toEqual([]);
  });
});
