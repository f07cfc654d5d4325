// An HTTP relay between the TSP and the AWS KMS protocol doubles, for the
// fault tests (no cloud KMS is reachable here). It forwards every request
// unchanged — the Host header too, which SigV4 signs — so the double still
// checks each signature, and it sees what the double's own server hides:
// how many requests are in flight at the KMS at once. It also routes by the
// SigV4 access key id, so that two doubles sit behind one endpoint as two
// AWS accounts do behind one regional endpoint, and it can stop listening
// and start again on the same port (a KMS that is down: connection refused).
// A request the TSP abandons is abandoned towards the double too.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type TKmsRelay = {
  /** http://127.0.0.1:<port>: the TSP's AWS KMS and STS endpoint. */
  readonly url: string;
  /** Where requests go unless routed elsewhere (set it once the double is started). */
  target: string | undefined;
  /** Requests signed with this access key id go to `target` instead. */
  route(accessKeyId: string, target: string): void;
  /** Requests being forwarded now (sent to a double, not yet answered or abandoned). */
  readonly inFlight: number;
  /** The most requests in flight at once since the start or the last resetPeak. */
  readonly peak: number;
  resetPeak(): void;
  /** Stops listening and cuts every connection (the TSP's next call is refused), or listens again on the same port. */
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
};

const accessKeyIdOf = (req: IncomingMessage) => /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1];

export async function startKmsRelay(): Promise<TKmsRelay> {
  const routes = new Map<string, string>();
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let peak = 0;
  let target: string | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const to = routes.get(accessKeyIdOf(req) ?? '') ?? target;
    if (!to) return void res.writeHead(502).end();
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight -= 1;
      counted = false;
    };
    const upstream = httpRequest(new URL(req.url ?? '/', to), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', done);
    });
    // The double dropped the connection: so does the relay, as the network between them would.
    upstream.on('error', () => {
      done();
      req.socket.destroy();
    });
    // The TSP gave up (its deadline): the double sees its client leave.
    res.on('close', () => {
      done();
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer(forward);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return target;
    },
    set target(url) {
      target = url;
    },
    route: (accessKeyId, to) => void routes.set(accessKeyId, to),
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
    resetPeak: () => void (peak = inFlight),
    setDown: (down) => (down ? stopListening() : listen(port)),
    close: stopListening,
  };
}
