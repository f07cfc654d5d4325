// The KMS driver registry: turns a KMS configuration (provider id and the
// settings the tenant signed) into a driver, validating the settings with the
// same zod schema the browser's form used. A new KMS is one driver file and
// one line here.
import { findProvider } from '@/lib/schemas/providers/registry';

import { awsKmsDriver } from './aws-kms';
import { thalesCipherTrustDriver } from './thales-ciphertrust';
import { hashicorpVaultTransitDriver } from './hashicorp-vault-transit';
import { googleCloudKmsDriver } from './google-cloud-kms';
import { azureKeyVaultDriver } from './azure-key-vault';
import { KmsError, type TKmsDriver, type TKmsDriverMemo, type TKmsDriverOptions } from './types';

export * from './types';

type TRegisteredDriver = { provider: string; schema: { safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: TIssues } }; create(settings: never, options: TKmsDriverOptions, memo?: TKmsDriverMemo): TKmsDriver };
type TIssues = { issues: readonly { path: readonly PropertyKey[]; message: string }[] };

const DRIVERS: ReadonlyMap<string, TRegisteredDriver> = new Map<string, TRegisteredDriver>([
  [awsKmsDriver.provider, awsKmsDriver],
  [thalesCipherTrustDriver.provider, thalesCipherTrustDriver],
  [hashicorpVaultTransitDriver.provider, hashicorpVaultTransitDriver],
  [googleCloudKmsDriver.provider, googleCloudKmsDriver],
  [azureKeyVaultDriver.provider, azureKeyVaultDriver],
]);

export const KMS_DRIVER_PROVIDERS: readonly string[] = [...DRIVERS.keys()];

/** Values of the provider's secret fields, so that no message can ever repeat one. */
function secretValues(provider: string, settings: unknown): string[] {
  if (typeof settings !== 'object' || settings === null) return [];
  const fields = findProvider(provider)?.fields ?? [];
  return fields
    .filter((field) => field.secret)
    .map((field) => (settings as Record<string, unknown>)[field.name])
    .filter((value): value is string => typeof value === 'string' && value.trim().length >= 4)
    .map((value) => value.trim());
}

function describeIssues(provider: string, settings: unknown, error: TIssues): string {
  const problems = error.issues.slice(0, 5).map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message));
  let message = `The ${provider} settings are invalid: ${problems.join(' ')}`;
  for (const secret of secretValues(provider, settings)) message = message.split(secret).join('[redacted]');
  return message;
}

/** `memo`: what the driver may keep for this configuration beyond its own life (TKmsDriverMemo); absent, a fresh one. */
export function createKmsDriver(provider: string, settings: unknown, options: TKmsDriverOptions, memo?: TKmsDriverMemo): TKmsDriver {
  const driver = DRIVERS.get(provider);
  if (!driver) throw new KmsError('kms_config_invalid', `No KMS driver for the provider "${provider.slice(0, 64)}".`);
  const parsed = driver.schema.safeParse(settings);
  // The zod error is not kept as the cause: its issues carry the input values, secrets included.
  if (!parsed.success) throw new KmsError('kms_config_invalid', describeIssues(provider, settings, parsed.error));
  return driver.create(parsed.data as never, options, memo);
}
