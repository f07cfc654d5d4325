// AWS KMS settings: the example and real-world variants pass; malformed ARNs,
// a region that is not the key's, and mixed-up credential choices fail with
// one message at the field to fix.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { awsKms, ZAwsKmsSettings } from './aws-kms';

type Issue = { path: PropertyKey[]; message: string };
const issues = (schema: z.ZodType, value: unknown): Issue[] =>
  schema.safeParse(value).error?.issues.map(({ path, message }) => ({ path, message })) ?? [];

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN_MESSAGE = `Enter the key's ARN, like ${KEY_ARN}.`;
const withRole = {
  keyArn: KEY_ARN,
  region: 'eu-west-1',
  authMethod: 'assume-role',
  roleArn: 'arn:aws:iam::111122223333:role/cmk-key-proxy',
  externalId: 'tenant-acme-7f3e',
};
const withKeys = {
  keyArn: KEY_ARN,
  region: 'eu-west-1',
  authMethod: 'access-keys',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe('awsKms provider', () => {
  it('accepts its own example', () => {
    expect(awsKms.schema.parse(awsKms.example)).toEqual(awsKms.example);
    expect(awsKms).toMatchObject({ id: 'aws-kms', kind: 'kms', label: 'AWS KMS' });
  });

  it('has exactly one field spec per setting, in form order', () => {
    expect(awsKms.fields.map((field) => field.name)).toEqual(Object.keys(ZAwsKmsSettings.shape));
    for (const field of awsKms.fields) {
      expect(field.label).not.toBe('');
      expect(field.help).toMatch(/\.$/);
      expect(field.example).not.toBe('');
    }
  });

  it("gives examples that pass their own field's check", () => {
    for (const field of awsKms.fields) {
      const schema = ZAwsKmsSettings.shape[field.name as keyof typeof ZAwsKmsSettings.shape];
      expect(schema.safeParse(field.example).success, field.name).toBe(true);
    }
  });

  it('flags the secret and ties each credential field to its sign-in method', () => {
    expect(awsKms.fields.filter((field) => field.secret).map((field) => field.name)).toEqual(['secretAccessKey']);
    const shownWhen = Object.fromEntries(awsKms.fields.map((field) => [field.name, field.showWhen?.equals]));
    expect(shownWhen).toEqual({
      keyArn: undefined,
      region: undefined,
      authMethod: undefined,
      roleArn: 'assume-role',
      externalId: 'assume-role',
      accessKeyId: 'access-keys',
      secretAccessKey: 'access-keys',
    });
    expect(awsKms.fields.find((field) => field.name === 'authMethod')?.options?.map((option) => option.value)).toEqual(['assume-role', 'access-keys']);
  });
});

describe('ZAwsKmsSettings accepts', () => {
  it.each([
    ['a role with an external id', withRole],
    ['access keys', withKeys],
    ['an alias ARN', { ...withRole, keyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/team/cmk-prod' }],
    ['a multi-Region key', { ...withRole, keyArn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', region: 'us-east-1' }],
    [
      'the GovCloud partition',
      {
        ...withRole,
        keyArn: 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        region: 'us-gov-west-1',
        roleArn: 'arn:aws-us-gov:iam::111122223333:role/service/cmk-key-proxy',
      },
    ],
    ['a role with a path', { ...withRole, roleArn: 'arn:aws:iam::111122223333:role/cmk/proxies/key-proxy@eu' }],
    ["the other method's fields sent blank, as a form does", { ...withKeys, roleArn: '', externalId: '  ' }],
  ])('%s', (_name, settings) => {
    expect(ZAwsKmsSettings.safeParse(settings).success).toBe(true);
  });

  it('trims pasted values and drops blank fields of the other method', () => {
    expect(ZAwsKmsSettings.parse({ ...withKeys, keyArn: ` ${KEY_ARN}\n`, roleArn: '' })).toEqual({ ...withKeys, roleArn: undefined });
  });
});

describe('ZAwsKmsSettings refuses', () => {
  it.each<[string, unknown, Issue[]]>([
    ['a missing key ARN', { ...withRole, keyArn: '' }, [{ path: ['keyArn'], message: KEY_ARN_MESSAGE }]],
    [
      'a bare key id',
      { ...withRole, keyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      [{ path: ['keyArn'], message: `Enter the key's full ARN, not just its id, like ${KEY_ARN}.` }],
    ],
    [
      'a bare alias',
      { ...withRole, keyArn: 'alias/cmk' },
      [{ path: ['keyArn'], message: "Enter the alias's full ARN, not just its name, like arn:aws:kms:eu-west-1:111122223333:alias/cmk-example." }],
    ],
    [
      'an ARN of another service',
      { ...withRole, keyArn: 'arn:aws:s3:::my-bucket' },
      [{ path: ['keyArn'], message: `This is not a KMS key ARN; copy the ARN from the key's page in the KMS console, like ${KEY_ARN}.` }],
    ],
    [
      'an unknown partition',
      { ...withRole, keyArn: 'arn:azure:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      [{ path: ['keyArn'], message: 'The ARN must start with arn:aws:, arn:aws-cn:, arn:aws-us-gov: or arn:aws-eusc:.' }],
    ],
    [
      'a region outside the partition',
      { ...withRole, keyArn: 'arn:aws-cn:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      [{ path: ['keyArn'], message: 'The region eu-west-1 is not in the aws-cn partition the ARN names.' }],
    ],
    [
      'a short account id',
      { ...withRole, keyArn: 'arn:aws:kms:eu-west-1:1111222233:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      [{ path: ['keyArn'], message: 'The ARN must name the 12-digit AWS account id after the region.' }],
    ],
    [
      'an upper-case key id',
      { ...withRole, keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234ABCD-12AB-34CD-56EF-1234567890AB' },
      [
        {
          path: ['keyArn'],
          message: 'The key id after key/ must be a lower-case UUID like 1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- and 32 hex digits.',
        },
      ],
    ],
    [
      'an AWS managed key',
      { ...withRole, keyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs' },
      [{ path: ['keyArn'], message: 'AWS managed keys (alias/aws/…) cannot be shared; use a customer managed key.' }],
    ],
    [
      'an ARN of a key policy, not a key',
      { ...withRole, keyArn: 'arn:aws:kms:eu-west-1:111122223333:grant/abc' },
      [{ path: ['keyArn'], message: `The ARN must end in key/<key id> or alias/<alias name>, like ${KEY_ARN}.` }],
    ],
    [
      'a region that is not the key’s',
      { ...withRole, region: 'eu-central-1' },
      [{ path: ['region'], message: 'The region must be eu-west-1, the region in the key ARN.' }],
    ],
    ['a region name instead of its code', { ...withRole, region: 'Ireland' }, [{ path: ['region'], message: 'Enter an AWS region code, like eu-west-1.' }]],
    [
      'no sign-in method',
      { ...withRole, authMethod: undefined },
      [{ path: ['authMethod'], message: 'Choose how the key proxies sign in to AWS: an IAM role or access keys.' }],
    ],
    [
      'an unknown sign-in method',
      { ...withRole, authMethod: 'password' },
      [{ path: ['authMethod'], message: 'Choose how the key proxies sign in to AWS: an IAM role or access keys.' }],
    ],
    [
      'a role choice without role or external id',
      { ...withRole, roleArn: undefined, externalId: '' },
      [
        { path: ['roleArn'], message: 'Enter the ARN of the role the proxies assume, like arn:aws:iam::111122223333:role/cmk-key-proxy.' },
        { path: ['externalId'], message: "Enter the external id that the role's trust policy requires." },
      ],
    ],
    [
      'access keys beside a role, even malformed ones',
      { ...withRole, accessKeyId: 'nonsense', secretAccessKey: 'x' },
      [
        { path: ['accessKeyId'], message: 'Leave the access key id empty when the proxies sign in with an IAM role.' },
        { path: ['secretAccessKey'], message: 'Leave the secret access key empty when the proxies sign in with an IAM role.' },
      ],
    ],
    [
      'a role beside access keys',
      { ...withKeys, roleArn: withRole.roleArn },
      [{ path: ['roleArn'], message: 'Leave the role ARN empty when the proxies sign in with access keys.' }],
    ],
    [
      'an access-key choice without keys',
      { ...withKeys, accessKeyId: undefined, secretAccessKey: undefined },
      [
        { path: ['accessKeyId'], message: 'Enter the access key id, like AKIAIOSFODNN7EXAMPLE.' },
        { path: ['secretAccessKey'], message: 'Enter the secret access key that goes with the access key id.' },
      ],
    ],
    [
      'a temporary access key',
      { ...withKeys, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' },
      [{ path: ['accessKeyId'], message: 'This is a temporary access key (ASIA…); use a long-term access key (AKIA…) or an IAM role.' }],
    ],
    [
      'a malformed access key id',
      { ...withKeys, accessKeyId: 'akiaiosfodnn7example' },
      [{ path: ['accessKeyId'], message: 'Enter an access key id: AKIA and 16 capital letters or digits, like AKIAIOSFODNN7EXAMPLE.' }],
    ],
    [
      'a truncated secret access key',
      { ...withKeys, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' },
      [{ path: ['secretAccessKey'], message: 'Enter the secret access key: 40 letters, digits, / and + characters.' }],
    ],
    [
      'a user ARN as the role',
      { ...withRole, roleArn: 'arn:aws:iam::111122223333:user/alice' },
      [{ path: ['roleArn'], message: 'This is not a role ARN; enter the ARN of the IAM role the proxies assume, like arn:aws:iam::111122223333:role/cmk-key-proxy.' }],
    ],
    ['a malformed role ARN', { ...withRole, roleArn: 'cmk-key-proxy' }, [{ path: ['roleArn'], message: "Enter the role's ARN, like arn:aws:iam::111122223333:role/cmk-key-proxy." }]],
    [
      'a role in another partition than the key',
      { ...withRole, roleArn: 'arn:aws-cn:iam::111122223333:role/cmk-key-proxy' },
      [{ path: ['roleArn'], message: "The role must be in the key's partition, aws (arn:aws:iam::…)." }],
    ],
    ['a one-character external id', { ...withRole, externalId: 'x' }, [{ path: ['externalId'], message: 'The external id must be 2 to 1224 characters long.' }]],
    [
      'an external id with spaces',
      { ...withRole, externalId: 'tenant acme' },
      [{ path: ['externalId'], message: 'The external id may contain only letters, digits and _ + = , . @ : / -.' }],
    ],
    ['an unknown setting', { ...withRole, sessionToken: 'abc' }, [{ path: [], message: 'Remove "sessionToken": AWS KMS has no such setting.' }]],
    ['something other than an object', 'arn:aws:kms:…', [{ path: [], message: 'The AWS KMS settings must be an object of fields.' }]],
  ])('%s', (_name, settings, expected) => {
    expect(issues(ZAwsKmsSettings, settings)).toEqual(expected);
  });

  it('reports every problem at once, including the method fields when other fields are missing', () => {
    expect(issues(ZAwsKmsSettings, { authMethod: 'access-keys' })).toEqual([
      { path: ['keyArn'], message: KEY_ARN_MESSAGE },
      { path: ['region'], message: 'Enter the AWS region, like eu-west-1.' },
      { path: ['accessKeyId'], message: 'Enter the access key id, like AKIAIOSFODNN7EXAMPLE.' },
      { path: ['secretAccessKey'], message: 'Enter the secret access key that goes with the access key id.' },
    ]);
  });
});
