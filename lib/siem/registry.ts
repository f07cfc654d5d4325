// The registry of SIEM sinks, one definition per provider (the other SIEM
// providers join here, one file each). Each definition is registered behind
// a parse with its provider's zod schema — the one the browser validated the
// form with — so decrypted settings reach a sink only once they pass it.
import { googleCloudLoggingSink } from './google-cloud-logging';
import type { TSiemQueueFullPolicy } from './queue';
import { azureMonitorSink } from './azure-monitor';
import { datadogSink } from './datadog';
import { elasticSink } from './elastic';
import { splunkHecSink } from './splunk-hec';
import { sumoLogicSink } from './sumo-logic';
import { syslogTlsSink } from './syslog-tls';
import { SiemError, type TSiemSink, type TSiemSinkDefinition, type TSiemSinkOptions } from './types';
import { webhookSink } from './webhook';

export type TOpenedSink = { sink: TSiemSink; onFull: TSiemQueueFullPolicy };

/** A definition with its settings type erased behind a parse, so definitions of different types share one registry. */
export type TRegisteredSink = {
  provider: string;
  maxBatchEvents: number;
  maxBatchBytes: number;
  open(settings: unknown, options: TSiemSinkOptions): TOpenedSink;
};

function register<T>(definition: TSiemSinkDefinition<T>): TRegisteredSink {
  return {
    provider: definition.provider,
    maxBatchEvents: definition.maxBatchEvents,
    maxBatchBytes: definition.maxBatchBytes,
    open(settings, options) {
      const parsed = definition.schema.safeParse(settings);
      if (!parsed.success) {
        // Schema messages name the field and what to enter; they never repeat the value.
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
        throw new SiemError(`The ${definition.provider} settings are invalid${where}: ${issue?.message ?? 'unreadable settings'}`, { code: 'config', retryable: false });
      }
      const policy = (parsed.data as { onQueueFull?: unknown }).onQueueFull;
      return { sink: definition.create(parsed.data, options), onFull: policy === 'refuse' ? 'refuse' : 'drop' };
    },
  };
}

const SINKS = new Map(
  [
    register(splunkHecSink),
    register(googleCloudLoggingSink),
    register(elasticSink),
    register(datadogSink),
    register(sumoLogicSink),
    register(azureMonitorSink),
    register(syslogTlsSink),
    register(webhookSink),
  ].map((registered) => [registered.provider, registered] as const),
);

/** The SIEM providers this key proxy can deliver to. */
export const SUPPORTED_SIEM_PROVIDERS: readonly string[] = [...SINKS.keys()];

export function findSink(provider: string): TRegisteredSink {
  const found = SINKS.get(provider);
  if (found === undefined) {
    throw new SiemError(
      `This key proxy cannot deliver events to "${provider.slice(0, 64)}" yet; it supports ${SUPPORTED_SIEM_PROVIDERS.join(', ')}.`,
      { code: 'config', retryable: false },
    );
  }
  return found;
}

/** The batch limits of a provider's sink; throws SiemError for an unsupported provider. */
export function siemBatchLimits(provider: string): { maxEvents: number; maxBytes: number } {
  const { maxBatchEvents, maxBatchBytes } = findSink(provider);
  return { maxEvents: maxBatchEvents, maxBytes: maxBatchBytes };
}

/** A sink for decrypted `settings`; throws a non-retryable SiemError for an unsupported provider or invalid settings. */
export function createSiemSink(provider: string, settings: unknown, options: TSiemSinkOptions = {}): TSiemSink {
  return findSink(provider).open(settings, options).sink;
}

/** The batch limits of a known provider's sink, or undefined (a test's fake sink). */
export function knownBatchLimits(provider: string): { maxEvents: number; maxBytes: number } | undefined {
  const found = SINKS.get(provider);
  return found && { maxEvents: found.maxBatchEvents, maxBytes: found.maxBatchBytes };
}
