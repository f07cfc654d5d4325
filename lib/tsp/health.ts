// The health port (9000 by default, as the reference): /live (the process
// answers), /ready (the first full sync is verified and the configuration is
// not staler than allowed — a load balancer sends key requests only then),
// /health (both, with the details, as JSON) and Prometheus /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TTspMetrics } from './metrics';

export type THealthState = {
  live: boolean;
  ready: boolean;
  /** Why not ready, for people reading /health. */
  reason: string | null;
  stalenessSeconds: number | null;
  tenants: number;
  deploymentId: string;
  instanceId: string;
  siem: { depth: number; dropped: number };
};

export function createHealthHandler(state: () => THealthState, metrics: TTspMetrics): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ code: 102, message: 'Use GET.' }));
      return;
    }
    const now = state();
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    switch (path) {
      case '/live':
        return void json(now.live ? 200 : 503, { live: now.live });
      case '/ready':
        return void json(now.ready ? 200 : 503, { ready: now.ready, reason: now.reason });
      case '/health':
        return void json(now.live && now.ready ? 200 : 503, now);
      case '/metrics': {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        return;
      }
      default:
        json(404, { code: 100, message: 'The health port serves /live, /ready, /health and /metrics.' });
    }
  };
}
