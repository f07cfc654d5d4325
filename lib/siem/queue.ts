// The shared delivery core: one bounded queue per (tenant, SIEM configuration)
// in front of one sink. Events leave in order, in batches, one request at a
// time; a batch stays at the head of the queue until the sink confirms it, so
// a retry sends the same events again and none is lost or queued twice.
// Retryable failures back off exponentially with full jitter (honouring
// Retry-After); configuration failures (bad token, bad request) are logged
// once per streak and retried slowly, since the tenant may fix them and the
// queue keeps what it holds meanwhile. When the queue is full the tenant's
// signed policy decides: drop the oldest waiting event and count it (the
// newest say most about what is happening now; events in a request in flight
// are not taken back, so when every held event is in flight the new one is
// dropped instead), or refuse the new one so the
// TSP refuses the key use. `health()` is what the broker is told. No
// module-level state; every timer is unref'd except drain's deadline, which a
// caller awaits on purpose.
import { backoffDelay } from '@/lib/proxy-client/backoff';
import { knownBatchLimits } from './registry';
import { SiemError, type TSiemErrorCode, type TSiemEvent, type TSiemSink } from './types';

export type TSiemQueueFullPolicy = 'drop' | 'refuse';
export type TSiemEnqueueResult = 'queued' | 'dropped' | 'refused';

export type TSiemRetry = {
  /** First backoff ceiling after a retryable failure (doubles per failure). */
  baseMs: number;
  /** Largest backoff ceiling. */
  capMs: number;
  /** Wait after a failure that needs the configuration fixed (jittered between half and all of it). */
  slowMs: number;
  /** Largest Retry-After honoured: a receiver cannot park the queue for hours. */
  maxRetryAfterMs: number;
};

export const DEFAULT_SIEM_RETRY: TSiemRetry = { baseMs: 500, capMs: 30_000, slowMs: 60_000, maxRetryAfterMs: 300_000 };
export const DEFAULT_SIEM_QUEUE_EVENTS = 10_000;
export const MAX_FLUSH_MS = 250;
export const DEFAULT_SIEM_BATCH = { maxEvents: 100, maxBytes: 256 * 1024 };

export type TSiemLogger = { warn(message: string): void; error(message: string): void };

export type TSiemQueueOptions = {
  sink: TSiemSink;
  /** Most events held, in flight included. Default 10 000. */
  maxEvents?: number;
  /** From the configuration's signed `onQueueFull`. Default 'drop'. */
  onFull?: TSiemQueueFullPolicy;
  /**
   * The sink definition's maxBatchEvents and maxBatchBytes (bytes of the
   * events' JSON). Default: the registered definition of `sink.provider`, or
   * DEFAULT_SIEM_BATCH for a sink the registry does not know.
   */
  batch?: { maxEvents: number; maxBytes: number };
  /** How long a partial batch lingers for company; at most 250 ms (the default). */
  flushMs?: number;
  retry?: Partial<TSiemRetry>;
  logger?: TSiemLogger;
  /** Starts every log line, e.g. "SIEM c_abc of tenant acme". */
  label?: string;
  /** For tests: the jitter source. */
  random?: () => number;
  /** For tests: the clock of health()'s times. */
  now?: () => number;
};

/** A queue's delivery so far, as the status report carries it (times in ms since the epoch). */
export type TSiemQueueHealth = {
  sent: number;
  retried: number;
  /** Dropped (oldest, policy drop), refused (policy refuse), unsendable (too large) and abandoned at close. */
  dropped: number;
  backlog: number;
  lastSuccessAt: number | null;
  lastErrorCode: TSiemErrorCode | null;
  failingSince: number | null;
};

export type TSiemQueue = {
  /** 'dropped' under policy drop means an older event made room (or this one could never be sent); 'refused' under refuse: this one was not taken. */
  enqueue(event: TSiemEvent): TSiemEnqueueResult;
  /** Events held, the batch in flight included. */
  depth(): number;
  /** How many more events fit: a batch of key uses under 'refuse' can check before using the key. */
  room(): number;
  dropped(): number;
  refused(): number;
  delivered(): number;
  /** Failed send attempts. */
  failures(): number;
  /** Events sent again after a failed attempt. */
  retried(): number;
  /** Events still held when the queue was closed: lost, and counted in health().dropped. */
  abandoned(): number;
  health(): TSiemQueueHealth;
  /** The last failure's message while failing (safe to report), or null once delivering again. */
  lastError(): string | null;
  /** Sends what is held without lingering, until empty or `timeoutMs` has passed. */
  drain(timeoutMs: number): Promise<{ delivered: number; left: number }>;
  /** Stops timers and the request in flight; closes the sink. Held events are abandoned. */
  close(): void;
};

type TEntry = { event: TSiemEvent; bytes: number };

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer.`);
  return value;
}

export function createSiemQueue(options: TSiemQueueOptions): TSiemQueue {
  const { sink, logger, random = Math.random, now = Date.now } = options;
  const maxEvents = positiveInteger('maxEvents', options.maxEvents ?? DEFAULT_SIEM_QUEUE_EVENTS);
  const batch = options.batch ?? knownBatchLimits(sink.provider) ?? DEFAULT_SIEM_BATCH;
  const batchEvents = positiveInteger('batch.maxEvents', batch.maxEvents);
  const batchBytes = positiveInteger('batch.maxBytes', batch.maxBytes);
  const flushMs = Math.min(Math.max(options.flushMs ?? MAX_FLUSH_MS, 0), MAX_FLUSH_MS);
  const onFull = options.onFull ?? 'drop';
  const retry = { ...DEFAULT_SIEM_RETRY, ...options.retry };
  const backoff = { baseMs: retry.baseMs, capMs: retry.capMs, unauthorizedMs: retry.slowMs, minPollMs: 0 };
  const prefix = options.label ? `${options.label}: ` : `SIEM ${sink.provider}: `;

  const entries: TEntry[] = [];
  let heldBytes = 0;
  const counts = { dropped: 0, refused: 0, delivered: 0, failures: 0, retried: 0, abandoned: 0 };
  let lastError: string | null = null;
  let lastErrorCode: TSiemErrorCode | null = null;
  let failingSince: number | null = null;
  let lastSuccessAt: number | null = null;
  /** Entries at the head that the request in flight carries: never dropped from under it. */
  let inFlight = 0;
  let streak: 'retryable' | 'configuration' | null = null;
  let attempt = 0;
  let streakFailures = 0;
  let fullLogged = false;
  let oversizeLogged = false;
  let closed = false;
  let pumping = false;
  let draining = 0;
  let linger: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  // Called after every change drain() may be waiting for.
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((watch) => watch());

  /** Under the policy, the answer for an event that cannot be held. */
  function turnAway(): TSiemEnqueueResult {
    if (onFull === 'refuse') counts.refused++;
    else counts.dropped++;
    return onFull === 'refuse' ? 'refused' : 'dropped';
  }

  function enqueue(event: TSiemEvent): TSiemEnqueueResult {
    if (closed) return turnAway();
    const bytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
    if (bytes > batchBytes) {
      // No request could carry it, and holding it would block every later event.
      if (!oversizeLogged) logger?.warn(`${prefix}an event of ${bytes} bytes exceeds the ${batchBytes}-byte batch limit and cannot be sent.`);
      oversizeLogged = true;
      return turnAway();
    }
    if (entries.length >= maxEvents) {
      if (!fullLogged) {
        const policy = onFull === 'refuse' ? 'refusing key use' : 'dropping the oldest waiting events and counting them';
        logger?.warn(`${prefix}the queue holds its limit of ${maxEvents} events; ${policy} until the SIEM catches up.`);
      }
      fullLogged = true;
      // Policy drop: the oldest event not in flight makes room (a batch in flight may yet be delivered).
      if (onFull === 'refuse' || inFlight >= entries.length) return turnAway();
      const [oldest] = entries.splice(inFlight, 1);
      heldBytes -= oldest?.bytes ?? 0;
      counts.dropped++;
      entries.push({ event, bytes });
      heldBytes += bytes;
      schedule();
      return 'dropped';
    }
    fullLogged = false;
    entries.push({ event, bytes });
    heldBytes += bytes;
    schedule();
    return 'queued';
  }

  function clearLinger(): void {
    if (linger !== undefined) clearTimeout(linger);
    linger = undefined;
  }

  /** Sends at once when a batch is full or a drain waits; otherwise lets a partial batch linger. */
  function schedule(): void {
    if (closed || pumping || entries.length === 0) return;
    if (draining > 0 || entries.length >= batchEvents || heldBytes >= batchBytes) {
      clearLinger();
      void pump();
    } else if (linger === undefined) {
      linger = setTimeout(() => {
        linger = undefined;
        void pump();
      }, flushMs);
      linger.unref();
    }
  }

  /** The head's size within both batch limits; at least one event (each fits, see enqueue). */
  function nextBatchSize(): number {
    let count = 0;
    let bytes = 0;
    while (count < entries.length && count < batchEvents) {
      const next = (entries[count] as TEntry).bytes;
      if (count > 0 && bytes + next > batchBytes) break;
      bytes += next;
      count++;
    }
    return count;
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  async function afterFailure(error: unknown): Promise<void> {
    counts.failures++;
    streakFailures++;
    // A sink throws SiemError; anything else is a bug whose message may hold anything, so it is not repeated.
    const failure = error instanceof SiemError ? error : new SiemError(`The ${sink.provider} sink failed unexpectedly.`, { code: 'internal', retryable: true });
    lastError = failure.message;
    lastErrorCode = failure.code;
    failingSince ??= now();
    let delay: number;
    if (failure.retryable) {
      attempt++;
      delay = backoffDelay(attempt, backoff, random);
      if (failure.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(failure.retryAfterMs, retry.maxRetryAfterMs));
      if (streak !== 'retryable') logger?.warn(`${prefix}${failure.message} Retrying with backoff; ${entries.length} events wait.`);
      streak = 'retryable';
    } else {
      delay = Math.floor(retry.slowMs / 2 + (random() * retry.slowMs) / 2);
      if (streak !== 'configuration') {
        logger?.error(`${prefix}${failure.message} Retrying slowly until the configuration is fixed; up to ${maxEvents} events are kept meanwhile.`);
      }
      streak = 'configuration';
    }
    notify();
    await pause(delay);
  }

  async function pump(): Promise<void> {
    if (pumping || closed) return;
    pumping = true;
    try {
      while (!closed && entries.length > 0) {
        const count = nextBatchSize();
        if (streakFailures > 0) counts.retried += count;
        inFlight = count;
        try {
          await sink.send(
            entries.slice(0, count).map((entry) => entry.event),
            controller.signal,
          );
        } catch (error) {
          inFlight = 0;
          if (closed) break;
          await afterFailure(error);
          continue;
        }
        inFlight = 0;
        if (closed) break;
        for (const entry of entries.splice(0, count)) heldBytes -= entry.bytes;
        counts.delivered += count;
        lastSuccessAt = now();
        if (streak !== null) logger?.warn(`${prefix}delivering again after ${streakFailures} failed attempts.`);
        streak = null;
        attempt = 0;
        streakFailures = 0;
        lastError = null;
        lastErrorCode = null;
        failingSince = null;
        notify();
      }
    } finally {
      pumping = false;
      notify();
    }
  }

  async function drain(timeoutMs: number): Promise<{ delivered: number; left: number }> {
    const before = counts.delivered;
    draining++;
    schedule();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(deadline);
        watchers.delete(check);
        resolve();
      };
      const check = () => {
        if (closed || entries.length === 0) done();
      };
      // Not unref'd: a shutdown awaiting drain must not end early because only unref'd timers are left.
      const deadline = setTimeout(done, Math.max(0, timeoutMs));
      watchers.add(check);
      check();
    });
    draining--;
    return { delivered: counts.delivered - before, left: entries.length };
  }

  function close(): void {
    if (closed) return;
    closed = true;
    // Whatever is still held is lost now: counted, so the loss is reported rather than silent.
    counts.abandoned = entries.length;
    if (entries.length > 0) logger?.warn(`${prefix}${entries.length} events could not be delivered before the queue closed; they are counted as dropped.`);
    entries.length = 0;
    heldBytes = 0;
    clearLinger();
    controller.abort();
    sink.close();
    notify();
  }

  return {
    enqueue,
    depth: () => entries.length,
    retried: () => counts.retried,
    abandoned: () => counts.abandoned,
    health: () => ({
      sent: counts.delivered,
      retried: counts.retried,
      dropped: counts.dropped + counts.refused + counts.abandoned,
      backlog: entries.length,
      lastSuccessAt,
      lastErrorCode,
      failingSince,
    }),
    room: () => (closed ? 0 : maxEvents - entries.length),
    dropped: () => counts.dropped,
    refused: () => counts.refused,
    delivered: () => counts.delivered,
    failures: () => counts.failures,
    lastError: () => lastError,
    drain,
    close,
  };
}
