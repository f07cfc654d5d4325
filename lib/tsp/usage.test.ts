// The TSP's key-use counters with a fake clock: per (tenant, configuration)
// and whole minute, only minutes that are over are reported, accepted ones are
// forgotten, a failed report is sent again whole, memory is capped and the cut
// counted, SIEM totals become per-minute deltas.
import { describe, expect, it } from 'vitest';
import { createUsageReporter } from '@/lib/proxy-client/usage-report';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import { ZUsageMinute } from '@/lib/schemas/usage';
import { createUsageCounter } from './usage';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');

function clock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('usage counter', () => {
  it('counts per configuration and minute and reports only minutes that are over', () => {
    const c = clock(T0 + 5_000);
    const usage = createUsageCounter({ now: c.now });
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    usage.keyUse('acme', 'cfg_a', 'unwrap', null);
    usage.keyUse('acme', 'cfg_a', 'unwrap', 206);
    usage.keyUse('acme', 'cfg_a', 'unwrap', 206);
    usage.keyUse('beta', 'cfg_b', 'rekey', null);
    expect(usage.take().usage).toEqual([]);
    c.advance(60_000);
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    const { usage: sent } = usage.take();
    expect(sent).toEqual([
      { tenantId: 'acme', configId: 'cfg_a', minute: '2025-03-01T10:00:00.000Z', wraps: 2, unwraps: 1, rekeys: 0, failures: { '206': 2 }, leasedHits: 0, siemSent: 0, siemDropped: 0 },
      { tenantId: 'beta', configId: 'cfg_b', minute: '2025-03-01T10:00:00.000Z', wraps: 0, unwraps: 0, rekeys: 1, failures: {}, leasedHits: 0, siemSent: 0, siemDropped: 0 },
    ]);
    for (const entry of sent) expect(ZUsageMinute.parse(entry)).toEqual(entry);
  });

  it('sends a failed report again whole and forgets what the broker accepted', () => {
    const c = clock();
    const usage = createUsageCounter({ now: c.now });
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    c.advance(60_000);
    const first = usage.take();
    // The report failed: accepted() never called.
    const again = usage.take();
    expect(again.usage).toEqual(first.usage);
    again.accepted();
    expect(usage.take().usage).toEqual([]);
    expect(usage.stats().waiting).toBe(0);
  });

  it('caps memory, cutting the oldest entries and counting them', () => {
    const c = clock();
    const usage = createUsageCounter({ now: c.now, maxEntries: 3 });
    for (let i = 0; i < 5; i++) {
      usage.keyUse(`t${i}`, 'cfg', 'wrap', null);
      c.advance(60_000);
    }
    expect(usage.stats()).toEqual({ waiting: 3, cut: 2, unattributed: 0 });
    expect(usage.take().usage.map((u) => u.tenantId)).toEqual(['t2', 't3', 't4']);
  });

  it('turns SIEM delivery totals into per-minute deltas', () => {
    const c = clock();
    let totals = { sent: 10, dropped: 0 };
    const health = () => [{ tenantId: 'acme', configId: 'siem_1', ...totals } as TSiemHealth];
    const usage = createUsageCounter({ now: c.now, siem: health });
    usage.sampleSiem();
    totals = { sent: 15, dropped: 2 };
    usage.sampleSiem();
    c.advance(60_000);
    totals = { sent: 16, dropped: 2 };
    usage.sampleSiem();
    c.advance(60_000);
    expect(usage.take().usage.map((u) => [u.minute.slice(11, 16), u.siemSent, u.siemDropped])).toEqual([
      ['10:00', 15, 2],
      ['10:01', 1, 0],
    ]);
  });

  it('reports the open minute after closeAll (shutdown), and again once it is over', () => {
    const c = clock();
    const usage = createUsageCounter({ now: c.now });
    const reporter = createUsageReporter('i-1', usage);
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    expect(reporter.next().part).toEqual({ instanceId: 'i-1' });
    expect(reporter.urgent()).toBe(false);
    usage.closeAll();
    expect(reporter.urgent()).toBe(true);
    const last = reporter.next();
    expect(last.part.usage?.map((u) => u.wraps)).toEqual([1]);
    last.accepted();
    expect(reporter.urgent()).toBe(false);
    usage.keyUse('acme', 'cfg_a', 'wrap', null);
    expect(reporter.urgent()).toBe(true);
    c.advance(60_000);
    const closed = reporter.next();
    expect(closed.part.usage?.map((u) => u.wraps)).toEqual([2]);
    closed.accepted();
    expect(reporter.next().part).toEqual({ instanceId: 'i-1' });
  });

  it('counts refusals that concern no configuration apart', () => {
    const usage = createUsageCounter({ now: () => T0 });
    usage.unattributed();
    expect(usage.stats().unattributed).toBe(1);
    expect(usage.stats().waiting).toBe(0);
  });
});
