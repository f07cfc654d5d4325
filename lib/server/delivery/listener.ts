import 'server-only';
// Cross-instance wake-ups: with PostgreSQL, one dedicated connection LISTENs
// on `cmk_delivery`; each committed change's NOTIFY (sent inside its
// transaction, so only on commit) reaches every broker instance, which then
// wakes its own held long-polls. PGlite has a single process, so the local
// publish after commit is all it needs. The connection reconnects by itself.
import pg from 'pg';
import { getEnv } from '@/lib/env';
import { getLogger } from '@/lib/server/log';
import { getDeliveryHub } from './hub';

export const DELIVERY_CHANNEL = 'cmk_delivery';

/** `e:<environmentId>:<seq>` or `d:<deploymentId>`. */
export function deliveryPayload(event: { environmentId: string; seq: number } | { deploymentId: string }): string {
  return 'deploymentId' in event ? `d:${event.deploymentId}` : `e:${event.environmentId}:${event.seq}`;
}

export function dispatchPayload(payload: string | undefined): void {
  if (!payload) return;
  const hub = getDeliveryHub();
  const [kind, id, seq] = payload.split(':');
  if (kind === 'e' && id && seq && /^\d+$/.test(seq)) hub.publishEnvironment(id, Number(seq));
  else if (kind === 'd' && id) hub.publishDeployment(id);
}

const LISTENER = Symbol.for('cmk-broker.delivery-listener');
type GlobalWithListener = typeof globalThis & { [LISTENER]?: { ready: Promise<void>; stop: () => Promise<void> } };

function startListener(url: string): { ready: Promise<void>; stop: () => Promise<void> } {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async () => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: url, application_name: 'cmk-broker-listen' });
    next.on('notification', (message) => {
      if (message.channel === DELIVERY_CHANNEL) dispatchPayload(message.payload);
    });
    next.on('error', (error) => {
      getLogger().warn({ err: error }, 'delivery listener lost its connection; reconnecting');
      void next.end().catch(() => {});
      schedule();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${DELIVERY_CHANNEL}`);
      client = next;
      attempt = 0;
      markReady();
    } catch (error) {
      getLogger().warn({ err: error }, 'delivery listener could not connect; retrying');
      void next.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
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
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

/** Starts the listener once per process when the broker runs on PostgreSQL; resolves when it listens. */
export function ensureDeliveryListener(): Promise<void> {
  const url = getEnv().DATABASE_URL;
  if (!url) return Promise.resolve();
  const g = globalThis as GlobalWithListener;
  g[LISTENER] ??= startListener(url);
  return g[LISTENER].ready;
}

export async function stopDeliveryListener(): Promise<void> {
  const g = globalThis as GlobalWithListener;
  const listener = g[LISTENER];
  delete g[LISTENER];
  await listener?.stop();
}
