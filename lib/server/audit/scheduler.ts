import 'server-only';
// Signs the audit chains' heads at intervals (AUDIT_CHECKPOINT_INTERVAL_S,
// default 300 s): once shortly after start, then after each interval. Every
// broker instance runs it; the writer's lock makes concurrent runs skip and
// its unique keys make a repeated head harmless. A failed run is logged
// (error name and code, never a value) and retried at the next interval: the
// scheduler never stops the server.
import { getEnv } from '@/lib/env';
import { getLogger } from '@/lib/server/log';
import { writeAuditCheckpoints, type CheckpointRun } from './checkpoint';

export type CheckpointScheduler = { stop(): Promise<void> };

const FIRST_RUN_DELAY_MS = 5_000;

function describeError(error: unknown): { name: string; code?: string } {
  const e = error as { name?: unknown; code?: unknown };
  return { name: typeof e?.name === 'string' ? e.name : 'Error', ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

export function startAuditCheckpoints(options: { intervalMs?: number; firstRunDelayMs?: number; run?: () => Promise<CheckpointRun> } = {}): CheckpointScheduler {
  const intervalMs = options.intervalMs ?? getEnv().AUDIT_CHECKPOINT_INTERVAL_S * 1000;
  const run = options.run ?? (() => writeAuditCheckpoints());
  const log = getLogger();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const tick = async () => {
    try {
      const result = await run();
      if (result.vendor && !result.skipped) log.debug({ vendorSeq: result.vendor.vendorSeq, tenants: result.tenants }, 'audit checkpoints signed');
    } catch (error) {
      log.error({ error: describeError(error) }, 'audit checkpoint run failed; retrying at the next interval');
    }
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        schedule(intervalMs);
      });
    }, delay);
    timer.unref();
  };
  schedule(options.firstRunDelayMs ?? Math.min(FIRST_RUN_DELAY_MS, intervalMs));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
