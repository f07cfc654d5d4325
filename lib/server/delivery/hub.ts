import 'server-only';
// Wakes held long-polls. Every change a proxy must receive bumps its
// environment's delivery sequence in the database; after the transaction
// commits, this process publishes it here, and — when several broker
// instances share one PostgreSQL — LISTEN/NOTIFY (listener.ts) publishes the
// other instances' changes too. A deployment event (disabled, deleted, key
// revoked) wakes that deployment's polls so they answer 401 at once.
export type WaitOutcome = 'changed' | 'deployment' | 'timeout' | 'aborted';

type Waiter = { deploymentId: string; afterSeq: number; resolve: (outcome: WaitOutcome) => void };

class DeliveryHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** The highest delivery seq this process has seen committed, per environment. */
  private readonly seqs = new Map<string, number>();

  knownSeq(environmentId: string): number | undefined {
    return this.seqs.get(environmentId);
  }

  /** Records a seq read from the database (never moves backwards). */
  observe(environmentId: string, seq: number): void {
    if (seq > (this.seqs.get(environmentId) ?? -1)) this.seqs.set(environmentId, seq);
  }

  publishEnvironment(environmentId: string, seq: number): void {
    this.observe(environmentId, seq);
    for (const waiter of this.waiters.get(environmentId) ?? []) {
      if (seq > waiter.afterSeq) waiter.resolve('changed');
    }
  }

  publishDeployment(deploymentId: string): void {
    for (const set of this.waiters.values()) {
      for (const waiter of set) if (waiter.deploymentId === deploymentId) waiter.resolve('deployment');
    }
  }

  /** Number of polls held right now (for diagnostics and benchmarks). */
  held(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Registers a waiter for a change past `afterSeq`. Register before reading
   * the database, then check: a change that commits in between still wakes it.
   */
  register(environmentId: string, deploymentId: string, afterSeq: number): { promise: Promise<WaitOutcome>; wait: (ms: number, signal?: AbortSignal) => Promise<WaitOutcome>; cancel: () => void } {
    let settle!: (outcome: WaitOutcome) => void;
    const promise = new Promise<WaitOutcome>((resolve) => (settle = resolve));
    const set = this.waiters.get(environmentId) ?? new Set<Waiter>();
    this.waiters.set(environmentId, set);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let signal: AbortSignal | undefined;
    let settled = false;
    const waiter: Waiter = {
      deploymentId,
      afterSeq,
      resolve: (outcome) => {
        if (settled) return;
        settled = true;
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(environmentId) === set) this.waiters.delete(environmentId);
        if (timer) clearTimeout(timer);
        if (signal && onAbort) signal.removeEventListener('abort', onAbort);
        settle(outcome);
      },
    };
    set.add(waiter);
    return {
      promise,
      wait: (ms, abortSignal) => {
        if (settled) return promise;
        timer = setTimeout(() => waiter.resolve('timeout'), ms);
        if (abortSignal) {
          signal = abortSignal;
          onAbort = () => waiter.resolve('aborted');
          if (abortSignal.aborted) waiter.resolve('aborted');
          else abortSignal.addEventListener('abort', onAbort, { once: true });
        }
        return promise;
      },
      cancel: () => waiter.resolve('aborted'),
    };
  }
}

const HUB = Symbol.for('cmk-broker.delivery-hub');
type GlobalWithHub = typeof globalThis & { [HUB]?: DeliveryHub };

/** The process's hub, shared by the custom server and Next's route bundles. */
export function getDeliveryHub(): DeliveryHub {
  const g = globalThis as GlobalWithHub;
  g[HUB] ??= new DeliveryHub();
  return g[HUB];
}

export type { DeliveryHub };
