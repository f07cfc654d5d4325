import { describe, expect, it } from 'vitest';
import { deliveryEvents, type TenantDeliveryStatus } from './status-audit';

const dep = { id: 'dep_1', name: 'eu-1' };
const err = (configId: string | null, code: string) => ({ configId, code });

describe('deliveryEvents', () => {
  it('records an applied seq only when it changed, with the previous one', () => {
    const previous = new Map<string, TenantDeliveryStatus>([
      ['a', { seq: 4, errors: [] }],
      ['b', { seq: 7, errors: [] }],
    ]);
    const events = deliveryEvents(dep, previous, new Map([['a', 5], ['b', 7], ['c', 1]]), new Map());
    expect(events.map((e) => [e.action, e.tenantExternalId, e.details])).toEqual([
      ['delivery.apply', 'a', { deploymentId: 'dep_1', seq: 5, previousSeq: 4 }],
      ['delivery.apply', 'c', { deploymentId: 'dep_1', seq: 1, previousSeq: null }],
    ]);
    expect(events[0]).toMatchObject({ actor: { type: 'deployment', id: 'dep_1', label: 'eu-1' }, target: { type: 'deployment', id: 'dep_1' } });
  });

  it('records an error set when it changed to a non-empty one: codes and ids, never messages', () => {
    const previous = new Map<string, TenantDeliveryStatus>([
      ['same', { seq: 1, errors: [err('c_1', 'config_signature'), err(null, 'tenant_key')] }],
      ['grew', { seq: 1, errors: [err('c_1', 'config_signature')] }],
      ['cleared', { seq: 1, errors: [err('c_1', 'config_signature')] }],
    ]);
    const withMessage = (configId: string | null, code: string) => ({ ...err(configId, code), message: 'secret-looking text' });
    const errors = new Map([
      ['same', [withMessage(null, 'tenant_key'), withMessage('c_1', 'config_signature')]],
      ['grew', [withMessage('c_1', 'config_signature'), withMessage('c_2', 'config_signature')]],
      ['new', [withMessage('c_9', 'config_decrypt')]],
    ]);
    const events = deliveryEvents(dep, previous, new Map(), errors);
    expect(events.map((e) => [e.action, e.tenantExternalId, e.outcome])).toEqual([
      ['delivery.error', 'grew', 'failure'],
      ['delivery.error', 'new', 'failure'],
    ]);
    expect(events[0]?.details).toEqual({ deploymentId: 'dep_1', errors: [err('c_1', 'config_signature'), err('c_2', 'config_signature')], errorCount: 2 });
    expect(JSON.stringify(events)).not.toContain('secret-looking');
  });

  it('caps the errors listed in one event and keeps the count', () => {
    const many = Array.from({ length: 50 }, (_, i) => err(`c_${i}`, 'config_decrypt'));
    const [event] = deliveryEvents(dep, new Map(), new Map(), new Map([['t', many]]));
    expect(event?.details).toMatchObject({ errorCount: 50 });
    expect((event?.details as { errors: unknown[] }).errors).toHaveLength(20);
  });
});
