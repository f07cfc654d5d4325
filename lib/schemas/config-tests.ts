// Testing a configuration before trusting it (issue 23): what a tenant admin
// asks the broker, what a Tenant Security Proxy picks up and what it reports
// back. Shared by the browser, the broker routes, the proxy client and the
// TSP, so it holds no Node code. docs/proxy-api.md "Configuration tests"
// describes the exchange; docs/configurations.md what the admin sees.
import { z } from 'zod';
import { ZConfigId } from './config-change';
import { ZDeploymentId } from './deployments';

export const ZConfigTestId = z.string().regex(/^ct_[A-Za-z0-9_-]{16,32}$/, { error: 'Not a valid configuration test id.' });

/** How long the broker holds a test for pick-up; a deployment that has not picked it up by then was "not reached". */
export const CONFIG_TEST_PICKUP_MS = 15_000;
/** How long after pick-up a result is still accepted (a KMS may take its time-out and retries). */
export const CONFIG_TEST_RESULT_MS = 60_000;
/** Tests one tenant may start per minute (audited, and each costs a KMS call or a SIEM event per deployment). */
export const CONFIG_TESTS_PER_MINUTE = 10;

/** The JWS `typ` (and JWE `cty`) of a draft's sealed settings: never accepted where a configuration is expected, nor the reverse. */
export const CONFIG_TEST_CTY = 'cmk-config-test+jws';

/**
 * What the tenant signs for a draft test (compact JWS, typ cmk-config-test+jws,
 * by the tenant signing key), sealed to the approved deployments' keys only.
 * `configId` names the configuration being edited, null for a new one.
 */
export const ZConfigTestDocument = z.strictObject({
  typ: z.literal('config-test'),
  testId: ZConfigTestId,
  tenantId: z.string().min(1).max(256),
  kind: z.enum(['kms', 'siem']),
  configId: ZConfigId.nullable(),
  provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  settings: z.record(z.string(), z.unknown()),
  /** Seconds since the epoch; a proxy refuses a document older than 10 minutes. */
  iat: z.number().int().min(0),
});
export type TConfigTestDocument = z.infer<typeof ZConfigTestDocument>;

/**
 * POST /api/v1/tenants/{tenant}/config-tests. A saved configuration is named
 * by id and version; a draft comes sealed (JWE General JSON whose recipients
 * are exactly the approved deployments' keys, never the tenant's own), with
 * the testId the browser chose and signed into it.
 */
export const ZStartConfigTest = z.union([
  z.strictObject({ configId: ZConfigId, version: z.number().int().min(1).max(1_000_000) }),
  z.strictObject({
    draft: z.strictObject({
      testId: ZConfigTestId,
      kind: z.enum(['kms', 'siem']),
      provider: z.string().regex(/^[a-z0-9-]{2,40}$/, { error: 'Unknown provider.' }),
      configId: ZConfigId.nullable(),
      /** JWE General JSON; its structure and recipients are checked by the server. */
      jwe: z.record(z.string(), z.unknown()),
    }),
  }),
]);
export type TStartConfigTest = z.infer<typeof ZStartConfigTest>;

/** The step that failed, in the admin's terms. */
export const CONFIG_TEST_STEPS = ['authentication', 'key_access', 'tls', 'network', 'configuration', 'not_applied', 'internal'] as const;
export type TConfigTestStep = (typeof CONFIG_TEST_STEPS)[number];

/** What one proxy instance reports for one test: never a message (it could quote a receiver or echo a setting). */
export const ZConfigTestResult = z.strictObject({
  instanceId: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/),
  outcome: z.enum(['passed', 'failed']),
  /** On failure: the step that failed. */
  step: z.enum(CONFIG_TEST_STEPS).nullable(),
  /** On failure: the TSP's code (KMS: kms_unauthorized …; SIEM: auth, tls …; or not_applied, config_test_invalid). */
  code: z.string().regex(/^[a-z_]{2,40}$/).nullable(),
  /** Wall time of the test inside the proxy: wrap + unwrap, or the one delivery. */
  latencyMs: z.number().int().min(0).max(600_000),
});
export type TConfigTestResult = z.infer<typeof ZConfigTestResult>;

/** One test as GET /api/v1/proxy/tests hands it to a deployment (claimed by that call; the draft's JWE is then dropped by the broker). */
export const ZProxyConfigTest = z.strictObject({
  testId: ZConfigTestId,
  tenantId: z.string().min(1).max(200),
  kind: z.enum(['kms', 'siem']),
  /** Saved: the configuration and version to test, as the proxy applied it. Draft: the configuration edited, or null. */
  configId: ZConfigId.nullable(),
  version: z.number().int().min(1).max(1_000_000).nullable(),
  /** Draft only: the sealed document narrowed to this deployment's recipient entry (flattened JWE JSON). */
  draft: z.record(z.string(), z.unknown()).nullable(),
  /** Report by then (ISO 8601). */
  resultBy: z.iso.datetime({ offset: true }),
});
export type TProxyConfigTest = z.infer<typeof ZProxyConfigTest>;
export const ZProxyConfigTests = z.strictObject({ tests: z.array(ZProxyConfigTest).max(100) });

/** Per target deployment, as the tenant admin's page polls it. */
export const ZConfigTestTarget = z.strictObject({
  deploymentId: ZDeploymentId,
  name: z.string(),
  /** waiting: not picked up yet; running: picked up, no result yet; done: a result; not_reached: no proxy picked it up in time; no_result: picked up, no result in time. */
  state: z.enum(['waiting', 'running', 'done', 'not_reached', 'no_result']),
  pickedAt: z.string().nullable(),
  result: ZConfigTestResult.extend({ at: z.string() }).nullable(),
});
export type TConfigTestTarget = z.infer<typeof ZConfigTestTarget>;

export const ZConfigTestView = z.strictObject({
  testId: ZConfigTestId,
  kind: z.enum(['kms', 'siem']),
  configId: ZConfigId.nullable(),
  version: z.number().int().nullable(),
  draft: z.boolean(),
  createdAt: z.string(),
  /** Pick-up deadline: after it, targets still waiting are not_reached. */
  pickupBy: z.string(),
  targets: z.array(ZConfigTestTarget),
  /** True once every target is done, not_reached or no_result: the page stops polling. */
  finished: z.boolean(),
});
export type TConfigTestView = z.infer<typeof ZConfigTestView>;
