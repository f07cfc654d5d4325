// A TCP relay for client tests: forwards each connection to a target (the
// real TSP), counts connections, and can cut them — every open one now, or
// each new one as it arrives — so that a client's keep-alive, reconnection
// and retries are seen from the network's side. With no target it accepts
// and then either hangs (a server that never answers) or resets at once.
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type TTcpRelay = {
  url(protocol: 'http' | 'https'): string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroys every connection open now (the client's kept-alive sockets die). */
  cutAll(): void;
  /** The next `n` connections are destroyed as soon as they arrive. */
  refuseNext(n: number): void;
  close(): Promise<void>;
};

export async function startTcpRelay(target: { port: number } | 'hang' | 'reset'): Promise<TTcpRelay> {
  const open = new Set<Socket>();
  let connections = 0;
  let refuse = 0;
  const server = createServer((client) => {
    connections += 1;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (target === 'reset' || refuse > 0) {
      refuse = Math.max(0, refuse - 1);
      return void client.resetAndDestroy();
    }
    if (target === 'hang') return;
    const upstream = createConnection({ host: '127.0.0.1', port: target.port });
    open.add(upstream);
    upstream.on('close', () => (open.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (protocol) => `${protocol}://localhost:${port}`,
    get connections() {
      return connections;
    },
    cutAll: () => open.forEach((socket) => socket.destroy()),
    refuseNext: (n) => void (refuse = n),
    close: () =>
      new Promise((resolve) => {
        open.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
