// The KMS driver registry: provider lookup, settings validated by the
// browser's own schema, and refusals that never repeat a secret.
import { describe, expect, it } from 'vitest';

import { createKmsDriver, KMS_DRIVER_PROVIDERS, KMS_ERROR_CODES, KmsError, type TKmsErrorCode } from './index';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const valid = {
  keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  region: 'eu-west-1',
  authMethod: 'access-keys',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: SECRET,
};

function refusal(run: () => unknown): KmsError {
  try {
    run();
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

describe('createKmsDriver', () => {
  it('knows aws-kms and builds its driver from valid settings without calling AWS', () => {
    expect([...KMS_DRIVER_PROVIDERS].sort()).toEqual(['aws-kms', 'azure-key-vault', 'google-cloud-kms', 'hashicorp-vault-transit', 'thales-ciphertrust']);
    const driver = createKmsDriver('aws-kms', valid, { timeoutMs: 100 });
    expect(driver.provider).toBe('aws-kms');
    driver.close();
  });

  it('refuses an unknown provider as kms_config_invalid (207)', () => {
    const error = refusal(() => createKmsDriver('acme-kms', valid, {}));
    expect(error.code).toBe('kms_config_invalid');
    expect(error.tspCode).toBe(207);
  });

  it.each([
    ['a short secret', { ...valid, secretAccessKey: SECRET.slice(1) }, /secretAccessKey/],
    ['a temporary access key', { ...valid, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' }, /accessKeyId: .*temporary/],
    ['a secret beside a role', { ...valid, authMethod: 'assume-role', roleArn: 'arn:aws:iam::111122223333:role/r', externalId: 'ext-1' }, /accessKeyId/],
    ['a region other than the key’s', { ...valid, region: 'us-east-1' }, /region: .*eu-west-1/],
    ['an unknown member', { ...valid, note: SECRET }, /"note"/],
    ['no object at all', SECRET, /must be an object/],
  ])('refuses %s as kms_config_invalid, naming the field and never the secret', (_label, settings, pattern) => {
    const error = refusal(() => createKmsDriver('aws-kms', settings, {}));
    expect(error.code).toBe('kms_config_invalid');
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET.slice(1));
    expect(JSON.stringify(error.cause ?? null)).not.toContain(SECRET.slice(1, 30));
  });
});

describe('KmsError', () => {
  it('carries the TSP code of its code', () => {
    for (const [code, tspCode] of Object.entries(KMS_ERROR_CODES)) {
      const error = new KmsError(code as TKmsErrorCode, 'x');
      expect(error.tspCode).toBe(tspCode);
      expect(error).toBeInstanceOf(Error);
    }
    expect(Object.values(KMS_ERROR_CODES)).toEqual([204, 205, 206, 207, 208, 209, 210]);
  });
});
