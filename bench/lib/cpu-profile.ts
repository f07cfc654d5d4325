// A CPU profile of one stretch of a benchmark, taken in-process through the
// inspector, and where its samples went: Node's own code (JavaScript and
// native), jose, zod, this project, garbage collection, idle. It shows which
// thread sets the pace and how much of it any change to our code could save.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

type TCallFrame = { functionName: string; url: string };
export type TCpuProfile = { nodes: { id: number; callFrame: TCallFrame }[]; samples: number[]; timeDeltas: number[] };
export type TProfileShare = { category: string; ms: number; share: number };

const CATEGORIES: [string, (frame: TCallFrame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['jose', (f) => f.url.includes('/node_modules/jose/')],
  ['zod', (f) => f.url.includes('/node_modules/zod/')],
  ['Node (JavaScript)', (f) => f.url.startsWith('node:')],
  ['Node (native)', (f) => f.url === ''],
  ['this project', (f) => /\/(lib|bench|app|components)\//.test(f.url) && !f.url.includes('/node_modules/')],
];

/** Sampled time per category, largest first; `share` is of all samples (0–1). */
export function summarizeProfile(profile: TCpuProfile): TProfileShare[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map<string, number>();
  let all = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (!us) continue;
    all += us;
    const category = CATEGORIES.find(([, matches]) => matches(node.callFrame))?.[0] ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + us);
  }
  return [...totals]
    .map(([category, us]) => ({ category, ms: us / 1000, share: all ? us / all : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** Runs `fn` under the sampling profiler of this thread; writes the .cpuprofile to `file` (Chrome DevTools opens it). */
export async function profiled<T>(file: string, fn: () => Promise<T>): Promise<{ value: T; summary: TProfileShare[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const value = await fn();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: TCpuProfile };
    await writeFile(file, JSON.stringify(profile));
    return { value, summary: summarizeProfile(profile) };
  } finally {
    session.disconnect();
  }
}
