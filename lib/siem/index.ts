// The SIEM layer's entry point for the Tenant Security Proxy: the sink
// registry's `createSiemSink` (settings parsed with the same zod schema the
// browser used), the delivery queue, and `createSiemDelivery`, a queue in
// front of a new sink with the batch limits of its definition and the
// tenant's signed queue-full policy.
import { createSiemQueue, type TSiemQueue, type TSiemQueueFullPolicy, type TSiemQueueOptions } from './queue';
import { findSink } from './registry';
import type { TSiemSinkOptions } from './types';

export * from './types';
export {
  createSiemQueue,
  DEFAULT_SIEM_QUEUE_EVENTS,
  DEFAULT_SIEM_BATCH,
  DEFAULT_SIEM_RETRY,
  type TSiemEnqueueResult,
  type TSiemLogger,
  type TSiemQueue,
  type TSiemQueueFullPolicy,
  type TSiemQueueHealth,
  type TSiemQueueOptions,
  type TSiemRetry,
} from './queue';
export { createSiemSink, siemBatchLimits, SUPPORTED_SIEM_PROVIDERS } from './registry';
export { signWebhookBody, WEBHOOK_SIGNATURE_VERSION } from './webhook';

export type TSiemDeliveryOptions = {
  sink?: TSiemSinkOptions;
  queue?: Omit<TSiemQueueOptions, 'sink' | 'batch' | 'onFull'>;
};

/**
 * A queue delivering to a new sink, for one SIEM configuration of one tenant:
 * batch limits from the sink's definition, `onFull` from the signed settings'
 * `onQueueFull`. Closing the queue closes the sink.
 */
export function createSiemDelivery(provider: string, settings: unknown, options: TSiemDeliveryOptions = {}): TSiemQueue & { onFull: TSiemQueueFullPolicy } {
  const registered = findSink(provider);
  const { sink, onFull } = registered.open(settings, options.sink ?? {});
  const queue = createSiemQueue({
    ...options.queue,
    sink,
    onFull,
    batch: { maxEvents: registered.maxBatchEvents, maxBytes: registered.maxBatchBytes },
  });
  return { ...queue, onFull };
}
