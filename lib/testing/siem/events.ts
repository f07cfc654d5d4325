// Made-up SIEM events for the SIEM layer's tests, demo and bench: shaped as
// the TSP builds them, numbered so a test can check order and exactly-once.
import { randomUUID } from 'node:crypto';
import type { TSiemEvent } from '@/lib/siem/types';

const BASE_MS = Date.parse('2026-03-01T12:00:00.000Z');

/** Event number `n`: an unwrap of document doc-<n> by user-<n>, 1 ms after number n − 1. */
export function makeSiemEvent(n: number, overrides: Partial<TSiemEvent> = {}): TSiemEvent {
  return {
    id: randomUUID(),
    time: new Date(BASE_MS + n).toISOString(),
    source: 'cmk-tsp',
    category: 'key_use',
    event: 'unwrap',
    outcome: 'success',
    errorCode: null,
    tenantId: 'acme',
    deploymentId: 'dep_test',
    instanceId: 'tsp-test-1',
    kmsConfigId: 1,
    iclFields: { requestingId: `user-${n}`, dataLabel: 'PII', requestId: `req-${n}` },
    customFields: { seq: String(n) },
    details: { documentId: `doc-${n}` },
    ...overrides,
  };
}

export function makeSiemEvents(count: number, from = 0): TSiemEvent[] {
  return Array.from({ length: count }, (_, i) => makeSiemEvent(from + i));
}

/** The `seq` custom field of each event: what order-and-exactly-once assertions compare. */
export function seqOf(events: readonly TSiemEvent[]): string[] {
  return events.map((event) => event.customFields.seq ?? '?');
}
