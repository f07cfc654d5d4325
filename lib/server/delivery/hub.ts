import 'server-only';
// Wakes held long-polls. Every change a proxy must receive bumps its
// environment's delivery sequence in the database; after the transaction
// commits, this process publishes it here, and — when several broker
// instances share one PostgreSQL — LISTEN/NOTIFY (listener.ts) publishes the
// other instances' changes too. A deployment event (disabled, deleted, key
// revoked) wakes that deployment's polls so they answer 401 at once. After a
// gap in what the listener heard, `recheck` wakes the polls a missed change
// left behind. Configuration tests (GET /api/v1/proxy/tests) hold their polls
// here too, per deployment: a new test for the deployment wakes them.
export type WaitOutcome = 'changed' | 'deployment' | 'timeout' | 'aborted';

type Waiter = { deploymentId: string; afterSeq: number; resolve: (outcome: WaitOutcome) => void };

/** A registered poll: `wait` holds it (until woken, `ms`, or the signal aborts), `cancel` unregisters it. */
export type HeldPoll = { promise: Promise<WaitOutcome>; wait: (ms: number, signal?: AbortSignal, seenSeq?: number) => Promise<WaitOutcome>; cancel: () => void };

/** A proxy API key this process has verified against the database, until its deployment's next event. */
export type CachedPrincipal = {
  principal: { id: string; kid: string; environmentId: string };
  apiKeyId: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
};

const MAX_PRINCIPALS = 10_000;

class DeliveryHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Held polls for configuration tests, by deployment id. */
  private readonly testWaiters = new Map<string, Set<Waiter>>();
  /** The highest delivery seq this process has seen committed, per environment. */
  private readonly seqs = new Map<string, number>();
  /** Verified API keys by their SHA-256, trusted only while `live`. */
  private readonly principals = new Map<string, CachedPrincipal>();
  private live = false;
  /** Bumped by every deployment event and live transition: a key read from the database before a bump is not cached. */
  private epoch = 0;

  knownSeq(environmentId: string): number | undefined {
    return this.seqs.get(environmentId);
  }

  /**
   * Whether this process hears every committed change (the in-process
   * notifications of PGlite, or a connected LISTEN on PostgreSQL). Only then
   * may a 304 be answered from memory, without a database round trip. Both
   * transitions forget what was cached: values read before the listener
   * connected, or while it was down, may have missed a notification.
   */
  isLive(): boolean {
    return this.live;
  }

  generation(): number {
    return this.epoch;
  }

  setLive(live: boolean): void {
    this.live = live;
    this.epoch += 1;
    this.seqs.clear();
    this.principals.clear();
  }

  /** The trusted current seq of an environment, or undefined when it must be read from the database. */
  liveSeq(environmentId: string): number | undefined {
    return this.live ? this.seqs.get(environmentId) : undefined;
  }

  cachedPrincipal(keyHash: string, now: number): CachedPrincipal | undefined {
    if (!this.live) return undefined;
    const entry = this.principals.get(keyHash);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= now) {
      this.principals.delete(keyHash);
      return undefined;
    }
    return entry;
  }

  cachePrincipal(keyHash: string, entry: CachedPrincipal, readAtGeneration: number): void {
    if (!this.live || readAtGeneration !== this.epoch) return;
    if (this.principals.size >= MAX_PRINCIPALS) {
      const oldest = this.principals.keys().next().value;
      if (oldest !== undefined) this.principals.delete(oldest);
    }
    this.principals.set(keyHash, entry);
  }

  /**
   * Records a seq read from the database (never moves backwards). Pass the
   * generation taken before the read: a read that overlapped a live
   * transition may predate a change nobody heard, and is not kept.
   */
  observe(environmentId: string, seq: number, readAtGeneration: number): void {
    if (readAtGeneration === this.epoch) this.raise(environmentId, seq);
  }

  private raise(environmentId: string, seq: number): void {
    if (seq > (this.seqs.get(environmentId) ?? -1)) this.seqs.set(environmentId, seq);
  }

  publishEnvironment(environmentId: string, seq: number): void {
    this.raise(environmentId, seq);
    for (const waiter of this.waiters.get(environmentId) ?? []) {
      if (seq > waiter.afterSeq) waiter.resolve('changed');
    }
  }

  /** The environments with polls held right now: what a recheck reads. */
  heldEnvironments(): string[] {
    return [...this.waiters.keys()];
  }

  /** The deployments with polls held right now (bundle or test polls): whose keys a recheck looks at. */
  heldDeployments(): string[] {
    const ids = new Set<string>(this.testWaiters.keys());
    for (const set of this.waiters.values()) for (const waiter of set) ids.add(waiter.deploymentId);
    return [...ids];
  }

  /** A configuration test for this deployment committed: its held test polls look again. */
  publishTests(deploymentId: string): void {
    for (const waiter of this.testWaiters.get(deploymentId) ?? []) waiter.resolve('changed');
  }

  /** After a gap in what the listener heard: every held test poll looks again (one cheap query each). Returns how many. */
  recheckTests(): number {
    let woken = 0;
    for (const set of this.testWaiters.values()) {
      for (const waiter of set) {
        waiter.resolve('changed');
        woken += 1;
      }
    }
    return woken;
  }

  /**
   * The seqs read from the database after a gap in what the listener heard
   * (read once it listens again, so nothing committed since is missed):
   * wakes every held poll whose environment moved past the seq it answered
   * from, and returns how many; the others keep waiting. Pass the generation
   * taken before the read, as for `observe`.
   */
  recheck(seqs: ReadonlyMap<string, number>, readAtGeneration: number): number {
    let woken = 0;
    for (const [environmentId, seq] of seqs) {
      this.observe(environmentId, seq, readAtGeneration);
      for (const waiter of this.waiters.get(environmentId) ?? []) {
        if (seq > waiter.afterSeq) {
          waiter.resolve('changed');
          woken += 1;
        }
      }
    }
    return woken;
  }

  publishDeployment(deploymentId: string): void {
    this.epoch += 1;
    // Any event of a deployment (disabled, deleted, a key revoked or given an end) drops its keys from
    // the cache, so the next request is checked against the database.
    for (const [hash, entry] of this.principals) if (entry.principal.id === deploymentId) this.principals.delete(hash);
    for (const set of this.waiters.values()) {
      for (const waiter of set) if (waiter.deploymentId === deploymentId) waiter.resolve('deployment');
    }
    for (const waiter of this.testWaiters.get(deploymentId) ?? []) waiter.resolve('deployment');
  }

  /** Number of polls held right now (for diagnostics and benchmarks). */
  held(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    for (const set of this.testWaiters.values()) n += set.size;
    return n;
  }

  /**
   * Registers a waiter for a change past `afterSeq`. Register before reading
   * the database, then check: a change that commits in between still wakes it.
   * `wait` takes the seq the poll read, so only a change past it wakes the wait.
   */
  register(environmentId: string, deploymentId: string, afterSeq: number): HeldPoll {
    return this.enlist(this.waiters, environmentId, deploymentId, afterSeq);
  }

  /**
   * Registers a configuration-test poll of a deployment, woken by a new test
   * for it (or its deployment's events). Register before claiming, then wait:
   * a test that commits in between still wakes it.
   */
  registerTests(deploymentId: string): HeldPoll {
    return this.enlist(this.testWaiters, deploymentId, deploymentId, -1);
  }

  private enlist(waiters: Map<string, Set<Waiter>>, key: string, deploymentId: string, afterSeq: number): HeldPoll {
    let settle!: (outcome: WaitOutcome) => void;
    const promise = new Promise<WaitOutcome>((resolve) => (settle = resolve));
    const set = waiters.get(key) ?? new Set<Waiter>();
    waiters.set(key, set);
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
        if (set.size === 0 && waiters.get(key) === set) waiters.delete(key);
        if (timer) clearTimeout(timer);
        if (signal && onAbort) signal.removeEventListener('abort', onAbort);
        settle(outcome);
      },
    };
    set.add(waiter);
    return {
      promise,
      wait: (ms, abortSignal, seenSeq) => {
        if (settled) return promise;
        // A change up to the seq read would have woken the waiter already: only a later one matters now.
        if (seenSeq !== undefined && seenSeq > waiter.afterSeq) waiter.afterSeq = seenSeq;
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
