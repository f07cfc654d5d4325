// Reads the line the proxy client logs when it applies the broker's changes
// (lib/proxy-client/sync-core.ts appliedMessage), from the TSP's pino JSON log:
// when it applied them (the log's own time) and where the time went since the
// broker's answer. bench/tsp-revocation.ts splits its revocation time with it.

export type TAppliedLine = {
  /** When the TSP logged it (ms since the epoch; same machine, same clock as the bench). */
  at: number;
  /** What was applied, as the line names it ("bench-000001 at state 3", or "n tenants"). */
  which: string;
  fromAnswerMs: number;
  signatureMs: number;
  tenantStatesMs: number;
  pinsMs: number;
};

const APPLIED = /^Applied the broker's changes: (.+); (\d+) ms from its answer \(broker signature (\d+) ms, tenant states (\d+) ms, pins saved (\d+) ms\)\.$/;

/** The applied-changes line of one pino log line, or null for any other line (the full sync's included). */
export function parseAppliedLine(line: string): TAppliedLine | null {
  if (!line.includes("Applied the broker's changes")) return null;
  let entry: { time?: unknown; msg?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return null;
  }
  const match = typeof entry.msg === 'string' ? APPLIED.exec(entry.msg) : null;
  if (!match || typeof entry.time !== 'number') return null;
  const [, which, total, signature, tenants, pins] = match;
  return { at: entry.time, which: which as string, fromAnswerMs: Number(total), signatureMs: Number(signature), tenantStatesMs: Number(tenants), pinsMs: Number(pins) };
}
