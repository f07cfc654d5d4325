// The configuration tests' loop of the proxy client (docs/proxy-api.md
// "Configuration tests"): long-polls GET /api/v1/proxy/tests, runs each test
// it claims through the embedding proxy's handler (a TSP wraps and unwraps,
// or delivers one SIEM event), at most CONFIG_TEST_CONCURRENCY at a time, and
// posts each result. A draft is opened here — deployment key, tenant signing
// key pinned from the verified state, cmk-config-test+jws, this tenant and
// test, 10 minutes — so a handler only ever sees verified, schema-checked
// settings; one that does not open is reported without calling the handler.
// Results carry an outcome, a step, a code and a latency: never a message.
import type { JWK } from 'jose';

import { openConfigTest } from '@/lib/crypto/open-config-test';
import type { TConfigTestDocument, TConfigTestResult, TProxyConfigTest } from '@/lib/schemas/config-tests';

import { backoffDelay, sleep, type TRetryOptions } from './backoff';
import { BrokerHttpError, type TBrokerApi } from './http';
import type { TProxyLogger, TProxyTenant } from './types';
import type { TDeploymentKey } from './verify-tenant';

/** Tests of one proxy instance running at once: each costs a KMS round trip or a SIEM delivery. */
export const CONFIG_TEST_CONCURRENCY = 4;
/** GET /api/v1/proxy/tests wait, seconds. */
export const CONFIG_TEST_WAIT_S = 25;
/** Attempts to post one result (the broker or the network may blink; 404/409/410 are final). */
const POST_ATTEMPTS = 3;

export type TConfigTestOutcome = Omit<TConfigTestResult, 'instanceId'>;

export type TConfigTestContext = {
  /** The tenant's verified view as this proxy serves it now (undefined: not served). */
  tenant: TProxyTenant | undefined;
  /** A draft's opened document (settings parsed by the provider schema); null for a saved configuration. */
  draft: TConfigTestDocument | null;
  /** Aborted when the client stops. */
  signal: AbortSignal;
};

export type TConfigTestHandler = (test: TProxyConfigTest, ctx: TConfigTestContext) => Promise<TConfigTestOutcome>;

export type TConfigTestLoopInput = {
  api: TBrokerApi;
  handler: TConfigTestHandler;
  instanceId: string;
  getTenant(tenantId: string): TProxyTenant | undefined;
  draftKeys(tenantId: string): Promise<{ deployment: TDeploymentKey; signingKey: JWK } | null>;
  logger: TProxyLogger;
  retry: TRetryOptions;
  random: () => number;
  now: () => number;
  signal: AbortSignal;
  wait?: number;
};

const failed = (step: TConfigTestOutcome['step'], code: string, latencyMs: number): TConfigTestOutcome => ({ outcome: 'failed', step, code, latencyMs });

/** A semaphore: `acquire` resolves once fewer than `limit` holders remain. */
function createLimiter(limit: number) {
  let held = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (held < limit) {
        held += 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else held -= 1;
    },
  };
}

export async function runConfigTestLoop(input: TConfigTestLoopInput): Promise<void> {
  const { api, logger, retry, random, now, signal } = input;
  const limiter = createLimiter(CONFIG_TEST_CONCURRENCY);
  const running = new Set<Promise<void>>();

  async function outcomeOf(test: TProxyConfigTest): Promise<TConfigTestOutcome> {
    const started = now();
    const elapsed = () => Math.max(0, Math.round(now() - started));
    let draft: TConfigTestDocument | null = null;
    if (test.draft !== null) {
      try {
        const keys = await input.draftKeys(test.tenantId);
        if (!keys) throw new Error('tenant not served');
        draft = await openConfigTest({
          jwe: test.draft,
          decryptionKey: keys.deployment.key,
          decryptionKid: keys.deployment.kid,
          verifyKey: keys.signingKey,
          expected: { tenantId: test.tenantId, testId: test.testId, kind: test.kind, configId: test.configId },
          now: Math.floor(now() / 1000),
        });
      } catch (e) {
        logger.warn(`Configuration test ${test.testId} of tenant ${test.tenantId}: the draft does not open (${(e as { check?: string }).check ?? 'keys'}).`);
        return failed('configuration', 'config_test_invalid', elapsed());
      }
    }
    try {
      return await input.handler(test, { tenant: input.getTenant(test.tenantId), draft, signal });
    } catch {
      return failed('internal', 'internal', elapsed());
    }
  }

  async function post(test: TProxyConfigTest, outcome: TConfigTestOutcome): Promise<void> {
    const result: TConfigTestResult = { instanceId: input.instanceId, ...outcome };
    for (let attempt = 1; attempt <= POST_ATTEMPTS && !signal.aborted; attempt++) {
      try {
        await api.postConfigTestResult(test.testId, result, signal);
        return;
      } catch (e) {
        const final = e instanceof BrokerHttpError && e.status >= 400 && e.status < 500 && e.status !== 429;
        if (final || attempt === POST_ATTEMPTS || signal.aborted) {
          logger.warn(`Configuration test ${test.testId}: the result was not accepted (${(e as Error).message.slice(0, 200)}).`);
          return;
        }
        await sleep(backoffDelay(attempt, retry, random), signal);
      }
    }
  }

  function start(test: TProxyConfigTest): void {
    const task = (async () => {
      await limiter.acquire();
      try {
        const outcome = await outcomeOf(test);
        if (!signal.aborted) await post(test, outcome);
      } finally {
        limiter.release();
      }
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  }

  let attempt = 0;
  while (!signal.aborted) {
    const started = now();
    try {
      // Claimed tests must be run within their deadline: no new claims while every lane is busy.
      while (running.size >= CONFIG_TEST_CONCURRENCY && !signal.aborted) await Promise.race(running);
      const tests = await api.getConfigTests({ wait: input.wait ?? CONFIG_TEST_WAIT_S, signal });
      attempt = 0;
      for (const test of tests) start(test);
      if (tests.length === 0 && now() - started < retry.minPollMs) await sleep(retry.minPollMs, signal);
    } catch (e) {
      if (signal.aborted) break;
      attempt += 1;
      const unauthorized = e instanceof BrokerHttpError && e.status === 401;
      const delay = unauthorized
        ? backoffDelay(1, { ...retry, baseMs: retry.unauthorizedMs, capMs: retry.unauthorizedMs }, () => 0.5 + random() / 2)
        : Math.max(backoffDelay(attempt, retry, random), e instanceof BrokerHttpError && e.retryAfterMs !== null ? e.retryAfterMs : 0);
      if (attempt === 1) logger.warn(`Picking up configuration tests failed (${(e as Error).message.slice(0, 200)}); retrying.`);
      await sleep(delay, signal);
    }
  }
  await Promise.allSettled(running);
}
