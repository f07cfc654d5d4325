// The TSP's side of a configuration test (docs/tsp.md "Configuration tests"),
// registered with the proxy client's onConfigTest: for KMS, a random 32-byte
// key wrapped and unwrapped with the tenant binding and compared; for SIEM,
// one event of category 'test' sent directly to a new sink for the settings.
// A saved configuration is tested as this proxy applied it (that id and
// version, else not_applied); a draft with the settings the proxy client
// opened and verified. The result says passed or failed, the failing step, a
// code and the wall time: never a message, which could quote a receiver or a
// setting. The log line says the same, with the tenant and configuration.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { KmsError, type TKmsDriver } from '@/lib/kms/types';
import type { TConfigTestContext, TConfigTestHandler, TConfigTestOutcome } from '@/lib/proxy-client';
import type { TConfigTestStep, TProxyConfigTest } from '@/lib/schemas/config-tests';
import type { TSiemErrorCode } from '@/lib/schemas/siem-health';
import { createSiemSink } from '@/lib/siem';
import { SiemError, type TSiemEvent, type TSiemSinkOptions } from '@/lib/siem/types';
import { TLS_TRUST_CODES } from '@/lib/socket-errors';
import type { TDriverCache, TKmsConfig } from './configs';
import { DEK_BYTES } from './key-ops';
import type { TTspLogger } from './log';

export type TConfigTestOptions = {
  drivers: TDriverCache;
  sink: TSiemSinkOptions;
  /** The SIEM providers this proxy may deliver to (TSP_SIEM_PROVIDERS); default every one it supports. */
  siemProviders?: readonly string[];
  deploymentId: string;
  instanceId: string;
  logger: TTspLogger;
  now?: () => number;
};

/** Provider error names (on a KmsError's cause) that say the credentials themselves were refused: AWS, Google's token endpoint, Microsoft Entra ID. */
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'AccessDenied',
  'CredentialsProviderError',
  'AuthenticationError',
  'AuthenticationRequiredError',
]);

type TCauseShape = { error?: unknown; service?: unknown; code?: unknown };

/** The step a KMS driver's failure belongs to (docs/tsp.md "Configuration tests" has the table). */
export function kmsStep(error: KmsError): TConfigTestStep {
  const cause: TCauseShape = typeof error.cause === 'object' && error.cause !== null ? (error.cause as TCauseShape) : {};
  switch (error.code) {
    case 'kms_unauthorized':
      return CREDENTIAL_ERRORS.has(String(cause.error)) || cause.service === 'oauth2' ? 'authentication' : 'key_access';
    case 'kms_unreachable': {
      // Drivers name the OpenSSL code on the cause or in the message's tag, e.g. "(SELF_SIGNED_CERT_IN_CHAIN)".
      const tls = TLS_TRUST_CODES.has(String(cause.code)) || [...TLS_TRUST_CODES].some((code) => error.message.includes(code));
      return tls ? 'tls' : 'network';
    }
    case 'kms_config_invalid':
      return 'configuration';
    case 'kms_throttled':
      return 'network';
    case 'kms_account_issue':
    case 'kms_wrap_failed':
    case 'kms_unwrap_failed':
      return 'key_access';
  }
}

const SIEM_STEPS: Record<TSiemErrorCode, TConfigTestStep> = {
  auth: 'authentication',
  tls: 'tls',
  network: 'network',
  timeout: 'network',
  unavailable: 'network',
  throttled: 'network',
  not_found: 'configuration',
  rejected: 'configuration',
  config: 'configuration',
  cancelled: 'internal',
  internal: 'internal',
};

const failure = (step: TConfigTestStep, code: string): Omit<TConfigTestOutcome, 'latencyMs'> => ({ outcome: 'failed', step, code });
const passed: Omit<TConfigTestOutcome, 'latencyMs'> = { outcome: 'passed', step: null, code: null };

/** The configuration and version this proxy applied, as the test names it; null when it has not. */
function appliedConfig(test: TProxyConfigTest, ctx: TConfigTestContext) {
  return ctx.tenant?.configs.find((c) => c.configId === test.configId && c.version === test.version && c.kind === test.kind) ?? null;
}

export function createConfigTestHandler(options: TConfigTestOptions): TConfigTestHandler {
  const now = options.now ?? (() => performance.now());

  async function testKms(test: TProxyConfigTest, ctx: TConfigTestContext): Promise<Omit<TConfigTestOutcome, 'latencyMs'>> {
    let driver: TKmsDriver;
    let owned = false;
    try {
      if (ctx.draft) {
        driver = options.drivers.createUncached(ctx.draft.provider, ctx.draft.settings);
        owned = true;
      } else {
        const config = appliedConfig(test, ctx);
        if (!config) return failure('not_applied', 'not_applied');
        // The cache keeps a driver per configuration version; kmsConfigId plays no part in a driver.
        driver = options.drivers.driverFor(test.tenantId, config as TKmsConfig);
      }
    } catch (error) {
      return error instanceof KmsError ? failure(kmsStep(error), error.code) : failure('configuration', 'kms_config_invalid');
    }
    const key = randomBytes(DEK_BYTES);
    try {
      // The binding every document wrap uses (lib/tsp/key-ops.ts wrapWith/unwrapFor): the tenant.
      const binding = { tenantId: test.tenantId };
      const wrapped = await driver.wrap(key, binding, ctx.signal);
      const unwrapped = await driver.unwrap(wrapped, binding, ctx.signal);
      const same = unwrapped.length === key.length && timingSafeEqual(unwrapped, key);
      unwrapped.fill(0);
      return same ? passed : failure('key_access', 'kms_unwrap_failed');
    } catch (error) {
      return error instanceof KmsError ? failure(kmsStep(error), error.code) : failure('internal', 'internal');
    } finally {
      key.fill(0);
      if (owned) driver.close();
    }
  }

  async function testSiem(test: TProxyConfigTest, ctx: TConfigTestContext): Promise<Omit<TConfigTestOutcome, 'latencyMs'>> {
    const config = ctx.draft ?? appliedConfig(test, ctx);
    if (!config) return failure('not_applied', 'not_applied');
    if (options.siemProviders !== undefined && !options.siemProviders.includes(config.provider)) return failure('configuration', 'config');
    const event: TSiemEvent = {
      id: randomUUID(),
      time: new Date().toISOString(),
      source: 'cmk-tsp',
      category: 'test',
      event: 'config_test',
      outcome: 'success',
      errorCode: null,
      tenantId: test.tenantId,
      deploymentId: options.deploymentId,
      instanceId: options.instanceId,
      kmsConfigId: null,
      iclFields: { requestingId: 'cmk-tsp' },
      customFields: {},
      details: { testId: test.testId },
    };
    let sink;
    try {
      sink = createSiemSink(config.provider, config.settings, options.sink);
      // Directly, not through a queue: one attempt, its own outcome, nothing retried behind the admin's back.
      await sink.send([event], ctx.signal);
      return passed;
    } catch (error) {
      return error instanceof SiemError ? failure(SIEM_STEPS[error.code], error.code) : failure('internal', 'internal');
    } finally {
      sink?.close();
    }
  }

  return async (test, ctx) => {
    const started = now();
    const result = test.kind === 'kms' ? await testKms(test, ctx) : await testSiem(test, ctx);
    const latencyMs = Math.min(600_000, Math.max(0, Math.round(now() - started)));
    options.logger.info(
      { tenantId: test.tenantId, testId: test.testId, kind: test.kind, configId: test.configId, version: test.version, draft: ctx.draft !== null, outcome: result.outcome, step: result.step, code: result.code, latencyMs },
      'configuration test',
    );
    return { ...result, latencyMs };
  };
}
