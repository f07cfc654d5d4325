// The delivery hub's memory, which lets a 304 skip the database: it is
// trusted only while live, forgets everything on each live transition, never
// keeps a value read across a transition or a deployment event, and drops a
// deployment's keys on its events or when they expire.
import { beforeEach, describe, expect, it } from 'vitest';
import { getDeliveryHub, type CachedPrincipal } from './hub';

const hub = getDeliveryHub();
const entry = (deploymentId: string, expiresAt: number | null = null): CachedPrincipal => ({
  principal: { id: deploymentId, kid: `kid-${deploymentId}`, environmentId: 'env_1' },
  apiKeyId: `dak_${deploymentId}`,
  expiresAt,
  lastUsedAt: 0,
});

beforeEach(() => hub.setLive(false));

describe('delivery hub memory', () => {
  it('trusts nothing while not live', () => {
    hub.observe('env_1', 5, hub.generation());
    hub.cachePrincipal('h1', entry('dep_1'), hub.generation());
    expect(hub.liveSeq('env_1')).toBeUndefined();
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
  });

  it('keeps seqs and keys while live, and forgets them when it stops or starts again', () => {
    hub.setLive(true);
    hub.observe('env_1', 5, hub.generation());
    hub.cachePrincipal('h1', entry('dep_1'), hub.generation());
    expect(hub.liveSeq('env_1')).toBe(5);
    expect(hub.cachedPrincipal('h1', 0)?.principal.id).toBe('dep_1');
    hub.setLive(false);
    hub.setLive(true);
    expect(hub.liveSeq('env_1')).toBeUndefined();
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
  });

  it('never moves a seq backwards: a slow read older than a published change is ignored', () => {
    hub.setLive(true);
    const generation = hub.generation();
    hub.publishEnvironment('env_1', 8);
    hub.observe('env_1', 7, generation);
    expect(hub.liveSeq('env_1')).toBe(8);
  });

  it('does not keep a read that overlapped a live transition', () => {
    const generation = hub.generation();
    hub.setLive(true);
    hub.observe('env_1', 3, generation);
    hub.cachePrincipal('h1', entry('dep_1'), generation);
    expect(hub.liveSeq('env_1')).toBeUndefined();
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
  });

  it("drops a deployment's keys on its events, and does not keep a key read before one", () => {
    hub.setLive(true);
    hub.cachePrincipal('h1', entry('dep_1'), hub.generation());
    hub.cachePrincipal('h2', entry('dep_2'), hub.generation());
    const before = hub.generation();
    hub.publishDeployment('dep_1');
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
    expect(hub.cachedPrincipal('h2', 0)?.principal.id).toBe('dep_2');
    hub.cachePrincipal('h1', entry('dep_1'), before);
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
  });

  it('drops a key at its end', () => {
    hub.setLive(true);
    hub.cachePrincipal('h1', entry('dep_1', 1_000), hub.generation());
    expect(hub.cachedPrincipal('h1', 999)?.principal.id).toBe('dep_1');
    expect(hub.cachedPrincipal('h1', 1_000)).toBeUndefined();
    expect(hub.cachedPrincipal('h1', 0)).toBeUndefined();
  });
});
