// The delivery hub's memory, which lets a 304 skip the database: it is
// trusted only while live, forgets everything on each live transition, never
// keeps a value read across a transition or a deployment event, and drops a
// deployment's keys on its events or when they expire. And its held polls:
// after a gap in what the listener heard, a recheck wakes only the polls a
// missed change left behind.
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

/** Whether the promise settles within one turn of the event loop. */
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('delivery hub recheck after a gap', () => {

  it('wakes only the held polls behind the seqs read, and lists the environments it must read', async () => {
    hub.setLive(true);
    const behind = hub.register('env_1', 'dep_1', -1);
    const current = hub.register('env_1', 'dep_2', -1);
    const other = hub.register('env_2', 'dep_3', -1);
    const polls = [behind.wait(30_000, undefined, 5), current.wait(30_000, undefined, 6), other.wait(30_000, undefined, 2)];
    expect(hub.heldEnvironments().sort()).toEqual(['env_1', 'env_2']);
    expect(hub.recheck(new Map([['env_1', 6], ['env_2', 2]]), hub.generation())).toBe(1);
    expect(await polls[0]).toBe('changed');
    expect(await settled(polls[1] as Promise<unknown>)).toBe(false);
    expect(await settled(polls[2] as Promise<unknown>)).toBe(false);
    expect(hub.liveSeq('env_1')).toBe(6);
    expect(hub.heldDeployments().sort()).toEqual(['dep_2', 'dep_3']);
    current.cancel();
    other.cancel();
    expect(hub.heldEnvironments()).toEqual([]);
    expect(hub.heldDeployments()).toEqual([]);
  });

  it('a wait is woken only by a change past the seq its poll read', async () => {
    hub.setLive(true);
    const held = hub.register('env_1', 'dep_1', -1);
    const poll = held.wait(30_000, undefined, 4);
    hub.publishEnvironment('env_1', 4);
    expect(hub.recheck(new Map([['env_1', 4]]), hub.generation())).toBe(0);
    expect(await settled(poll)).toBe(false);
    hub.publishEnvironment('env_1', 5);
    expect(await poll).toBe('changed');
  });

  it('wakes a poll behind even when the read overlapped a live transition, but does not keep that seq', async () => {
    const generation = hub.generation();
    const held = hub.register('env_1', 'dep_1', -1);
    const poll = held.wait(30_000, undefined, 1);
    hub.setLive(true);
    expect(hub.recheck(new Map([['env_1', 2]]), generation)).toBe(1);
    expect(await poll).toBe('changed');
    expect(hub.liveSeq('env_1')).toBeUndefined();
  });
});

describe('held configuration-test polls', () => {
  it('a new test wakes only its deployment’s test polls, not bundle polls', async () => {
    const mine = hub.registerTests('dep_1');
    const theirs = hub.registerTests('dep_2');
    const bundle = hub.register('env_1', 'dep_1', -1);
    const polls = [mine.wait(30_000), theirs.wait(30_000), bundle.wait(30_000)];
    hub.publishTests('dep_1');
    expect(await polls[0]).toBe('changed');
    expect(await settled(polls[1] as Promise<unknown>)).toBe(false);
    expect(await settled(polls[2] as Promise<unknown>)).toBe(false);
    expect(hub.heldDeployments().sort()).toEqual(['dep_1', 'dep_2']);
    theirs.cancel();
    bundle.cancel();
    expect(hub.held()).toBe(0);
  });

  it('a deployment event wakes its test polls (so they check the key again), and a recheck wakes every one', async () => {
    const first = hub.registerTests('dep_1');
    const poll = first.wait(30_000);
    hub.publishDeployment('dep_1');
    expect(await poll).toBe('deployment');
    const a = hub.registerTests('dep_1');
    const b = hub.registerTests('dep_2');
    const waits = [a.wait(30_000), b.wait(30_000)];
    expect(hub.recheckTests()).toBe(2);
    expect(await Promise.all(waits)).toEqual(['changed', 'changed']);
    expect(hub.heldDeployments()).toEqual([]);
  });

  it('a test published between registering and waiting is not missed', async () => {
    const held = hub.registerTests('dep_1');
    hub.publishTests('dep_1');
    expect(await held.wait(30_000)).toBe('changed');
  });
});
