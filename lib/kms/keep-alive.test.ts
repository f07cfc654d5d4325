// Keep-alive sockets that close once idle, and the resources one proxy's
// drivers share (keep-alive.ts). A local node:http server stands in for a KMS
// endpoint: only the sockets are under test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closeSharedResources, IDLE_SOCKET_MS, keepAliveOptions, sharedResource } from './keep-alive';

let server: http.Server;
let port: number;
let open = 0;

beforeAll(async () => {
  server = http.createServer((_request, response) => response.end('ok'));
  server.on('connection', (socket) => {
    open += 1;
    socket.on('close', () => (open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent }, (response) => response.resume().on('end', resolve)).on('error', reject);
  });
}

describe('keep-alive agents', () => {
  it('reuse a socket while busy and close it once idle for IDLE_SOCKET_MS', async () => {
    const agent = new http.Agent(keepAliveOptions(4));
    try {
      for (let i = 0; i < 5; i += 1) await get(agent);
      expect(open).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, IDLE_SOCKET_MS / 2));
      await get(agent);
      expect(open).toBe(1);
      const deadline = Date.now() + IDLE_SOCKET_MS + 3000;
      while (open > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(open).toBe(0);
    } finally {
      agent.destroy();
    }
  }, 20_000);
});

describe('sharedResource', () => {
  it('makes one resource per owner and key, and closes them with their owner', () => {
    const closed: string[] = [];
    const owner = {};
    const other = {};
    const make = (name: string) => () => ({ name });
    const a = sharedResource(owner, 'agents', make('a'), (r) => closed.push(r.name));
    expect(sharedResource(owner, 'agents', make('again'), (r) => closed.push(r.name))).toBe(a);
    const b = sharedResource(other, 'agents', make('b'), (r) => closed.push(r.name));
    expect(b).not.toBe(a);
    closeSharedResources(owner);
    expect(closed).toEqual(['a']);
    expect(sharedResource(owner, 'agents', make('fresh'), () => {}).name).toBe('fresh');
    closeSharedResources(other);
    expect(closed).toEqual(['a', 'b']);
  });
});
