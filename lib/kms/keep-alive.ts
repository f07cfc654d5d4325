// What every KMS driver's outbound connections share: keep-alive sockets that
// close after a few idle seconds (a busy tenant reuses its sockets within
// milliseconds; an idle one stops holding them), and, per proxy, resources
// that carry nothing of a configuration — the AWS drivers' agents and HTTP
// handler, the STS client signing with the vendor's own credentials — kept
// once per proxy instead of once per configuration. A proxy is the options
// object it hands every driver it creates (as endpointLimit keys its limits):
// two proxies in one process share nothing, and closeSharedResources(options)
// releases what one proxy made.

/** Free keep-alive sockets close after this long unused (Node's own global agent uses 5 s). */
export const IDLE_SOCKET_MS = 5_000;

/** Agent options for a keep-alive agent whose idle sockets close: `timeout` destroys a socket only while it sits in the free list. */
export function keepAliveOptions(maxSockets?: number): { keepAlive: true; timeout: number; maxSockets?: number } {
  return { keepAlive: true, timeout: IDLE_SOCKET_MS, ...(maxSockets === undefined ? {} : { maxSockets }) };
}

type THeld = { value: unknown; close(): void };

const sharedByOwner = new WeakMap<object, Map<string, THeld>>();

/** The one `key` resource of the proxy that owns `owner` (its driver options), made on first use. */
export function sharedResource<T>(owner: object, key: string, create: () => T, close: (value: T) => void): T {
  let byKey = sharedByOwner.get(owner);
  if (!byKey) sharedByOwner.set(owner, (byKey = new Map()));
  const held = byKey.get(key);
  if (held) return held.value as T;
  const value = create();
  byKey.set(key, { value, close: () => close(value) });
  return value;
}

/** Closes every shared resource made for `owner`; the next driver made with it starts afresh. */
export function closeSharedResources(owner: object): void {
  const byKey = sharedByOwner.get(owner);
  sharedByOwner.delete(owner);
  for (const held of byKey?.values() ?? []) held.close();
}
