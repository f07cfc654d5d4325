import 'server-only';
// Hearing every committed change. Each change a proxy must see sends NOTIFY
// on `cmk_delivery` inside its transaction, so it is delivered only on commit:
// with PostgreSQL, one dedicated connection per broker instance LISTENs and
// wakes that instance's held long-polls; with PGlite, the same notifications
// arrive in process. While the listener hears everything the hub is "live"
// and may answer a proxy's 304 from memory (docs/performance.md); when the
// PostgreSQL connection drops it is not, until LISTEN is back. The connection
// reconnects by itself, and a heartbeat notices a connection that died quietly.
// A change committed meanwhile was announced to no one: each time LISTEN is
// back, the seqs of the environments with held polls are read again, and the
// polls a missed change left behind are answered; the polls of a deployment
// that may have been disabled or lost a key meanwhile check their key again.
import pg from 'pg';
import { getEnv } from '@/lib/env';
import { getDatabase, getPrisma } from '@/lib/server/db';
import { environmentSeqs } from '@/lib/server/dal/delivery';
import { deploymentsToRecheck } from '@/lib/server/dal/deployments';
import { getLogger } from '@/lib/server/log';
import { getDeliveryHub } from './hub';

export const DELIVERY_CHANNEL = 'cmk_delivery';

/** `e:<environmentId>:<seq>`, `d:<deploymentId>`, or `t:<deploymentId>` (a configuration test for it). */
export function deliveryPayload(event: { environmentId: string; seq: number } | { deploymentId: string } | { testFor: string }): string {
  if ('testFor' in event) return `t:${event.testFor}`;
  return 'deploymentId' in event ? `d:${event.deploymentId}` : `e:${event.environmentId}:${event.seq}`;
}

export function dispatchPayload(payload: string | undefined): void {
  if (!payload) return;
  const hub = getDeliveryHub();
  const [kind, id, seq] = payload.split(':');
  if (kind === 'e' && id && seq && /^\d+$/.test(seq)) hub.publishEnvironment(id, Number(seq));
  else if (kind === 'd' && id) hub.publishDeployment(id);
  else if (kind === 't' && id) hub.publishTests(id);
}

/**
 * Closes a gap in what the listener heard: call once it listens again, so a change
 * committed after the read is heard and one committed before it is read. One query
 * for every environment with held polls; only the polls now behind are woken.
 */
export async function recheckHeldPolls(): Promise<{ environments: number; woken: number; deployments: number }> {
  const hub = getDeliveryHub();
  // Held test polls simply look again: a test committed during the gap is claimed by that look.
  const tests = hub.recheckTests();
  const environmentIds = hub.heldEnvironments();
  const deploymentIds = hub.heldDeployments();
  if (environmentIds.length === 0 && deploymentIds.length === 0) return { environments: 0, woken: tests, deployments: 0 };
  const generation = hub.generation();
  const db = await getPrisma();
  const [seqs, recheck] = await Promise.all([environmentSeqs(db, environmentIds), deploymentsToRecheck(db, deploymentIds, new Date())]);
  const woken = hub.recheck(seqs, generation) + tests;
  // As if their event had been heard: their cached keys are dropped and their polls check the key again (401 if it ended).
  for (const id of recheck) hub.publishDeployment(id);
  return { environments: environmentIds.length, woken, deployments: recheck.length };
}

const LISTENER = Symbol.for('cmk-broker.delivery-listener');
type GlobalWithListener = typeof globalThis & { [LISTENER]?: { ready: Promise<void>; stop: () => Promise<void> } };

const HEARTBEAT_MS = 15_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

function startListener(url: string): { ready: Promise<void>; stop: () => Promise<void> } {
  const hub = getDeliveryHub();
  let client: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async () => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: url, application_name: 'cmk-broker-listen', keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === DELIVERY_CHANNEL) dispatchPayload(message.payload);
    });
    let dead = false;
    const lost = (error: unknown) => {
      if (dead || stopped) return;
      dead = true;
      getLogger().warn({ err: error }, 'delivery listener lost its connection; reconnecting');
      void next.end().catch(() => {});
      schedule();
    };
    next.on('error', lost);
    next.on('end', () => lost(new Error('connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${DELIVERY_CHANNEL}`);
      client = next;
      attempt = 0;
      // From now on every commit is heard: forget what was read before and trust what follows.
      hub.setLive(true);
      markReady();
      getLogger().info('delivery listener is listening');
      heartbeat = setInterval(() => {
        const timeout = setTimeout(() => lost(new Error('heartbeat timed out')), HEARTBEAT_TIMEOUT_MS);
        next.query('SELECT 1').then(() => clearTimeout(timeout), lost);
      }, HEARTBEAT_MS);
      heartbeat.unref();
      // A change committed before LISTEN may have been announced to no one (at start, and after every
      // reconnect or restart). Until the read succeeds the gap stays open: read again, while listening.
      for (let tries = 0; !dead && !stopped; tries++) {
        try {
          const rechecked = await recheckHeldPolls();
          if (rechecked.woken > 0 || rechecked.deployments > 0) getLogger().info(rechecked, 'delivery listener woke held polls a missed change or deployment event left behind');
          break;
        } catch (error) {
          getLogger().warn({ err: error }, 'delivery listener could not recheck held polls; retrying');
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** tries)).unref());
        }
      }
    } catch (error) {
      if (dead || stopped) return;
      dead = true;
      getLogger().warn({ err: error }, 'delivery listener could not connect; retrying');
      void next.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    hub.setLive(false);
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    if (stopped || retry) return;
    client = undefined;
    const delay = Math.min(30_000, 250 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };
  void connect();
  return {
    ready,
    stop: async () => {
      stopped = true;
      hub.setLive(false);
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}

/** PGlite: the process's own database delivers the notifications. */
function startPgliteListener(): { ready: Promise<void>; stop: () => Promise<void> } {
  const hub = getDeliveryHub();
  let unlisten: (() => Promise<void>) | undefined;
  const ready = (async () => {
    const db = await getDatabase();
    if (!db.listen) return;
    unlisten = await db.listen(DELIVERY_CHANNEL, dispatchPayload);
    hub.setLive(true);
    // In process nothing is lost once it listens; polls held before that are looked at once.
    await recheckHeldPolls().catch((error: unknown) => getLogger().warn({ err: error }, 'delivery listener could not recheck held polls'));
  })();
  return {
    ready,
    stop: async () => {
      hub.setLive(false);
      await unlisten?.().catch(() => {});
    },
  };
}

/** Starts the listener once per process (after the database is open); resolves when it listens. */
export function ensureDeliveryListener(): Promise<void> {
  const url = getEnv().DATABASE_URL;
  const g = globalThis as GlobalWithListener;
  g[LISTENER] ??= url ? startListener(url) : startPgliteListener();
  return g[LISTENER].ready;
}

export async function stopDeliveryListener(): Promise<void> {
  const g = globalThis as GlobalWithListener;
  const listener = g[LISTENER];
  delete g[LISTENER];
  await listener?.stop();
}
