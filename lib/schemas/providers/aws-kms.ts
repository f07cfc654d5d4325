// AWS KMS settings: which customer managed key the key proxies use, in which
// region, and how they sign in to AWS (an IAM user's access key, or a role
// they assume with an external id).
import { z } from 'zod';
import {
  leasedKeyLifetimeField,
  AWS_REGION_PATTERN,
  checkExclusiveFields,
  defineField,
  defineProvider,
  whenSettingsObject,
  ZAwsRegion,
  ZOptionalText,
  ZRequiredText,
  ZKmsSettingsObject,
} from './common';

const KEY_ARN_EXAMPLE = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ALIAS_ARN_EXAMPLE = 'arn:aws:kms:eu-west-1:111122223333:alias/cmk-example';
const ROLE_ARN_EXAMPLE = 'arn:aws:iam::111122223333:role/cmk-key-proxy';
const ACCESS_KEY_ID_EXAMPLE = 'AKIAIOSFODNN7EXAMPLE';

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-eusc'] as const;

/**
 * Regions live in exactly one partition: cn-* in aws-cn, us-gov-* in
 * aws-us-gov, eusc-* in the European Sovereign Cloud, the isolated us-iso*
 * regions in partitions we do not serve, and the rest in aws.
 */
function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso')) return 'aws-iso';
  return 'aws';
}

/**
 * Key ids are lower-case. Only the UUID layout is checked: AWS's own example,
 * 1234abcd-12ab-34cd-56ef-1234567890ab, is not an RFC 4122 UUID. Multi-Region
 * keys are mrk- and 32 hex digits.
 */
const KEY_ID_PATTERN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS_NAME_PATTERN = /^[a-zA-Z0-9/_-]{1,250}$/;

/** The parts of a well-formed KMS key or alias ARN. */
export const KMS_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov|aws-eusc):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

function keyArnProblem(value: string): string | undefined {
  const general = `Enter the key's ARN, like ${KEY_ARN_EXAMPLE}.`;
  if (!value.startsWith('arn:')) {
    if (KEY_ID_PATTERN.test(value.toLowerCase())) return `Enter the key's full ARN, not just its id, like ${KEY_ARN_EXAMPLE}.`;
    if (value.startsWith('alias/')) return `Enter the alias's full ARN, not just its name, like ${ALIAS_ARN_EXAMPLE}.`;
    return general;
  }
  const [, partition = '', service = '', region = '', account = '', ...rest] = value.split(':');
  const resource = rest.join(':');
  if (!(PARTITIONS as readonly string[]).includes(partition)) return 'The ARN must start with arn:aws:, arn:aws-cn:, arn:aws-us-gov: or arn:aws-eusc:.';
  if (service !== 'kms') return `This is not a KMS key ARN; copy the ARN from the key's page in the KMS console, like ${KEY_ARN_EXAMPLE}.`;
  if (!AWS_REGION_PATTERN.test(region)) return 'The ARN must name an AWS region after kms:, like eu-west-1.';
  if (partitionOfRegion(region) !== partition) return `The region ${region} is not in the ${partition} partition the ARN names.`;
  if (!/^\d{12}$/.test(account)) return 'The ARN must name the 12-digit AWS account id after the region.';
  if (resource.startsWith('key/')) {
    if (!KEY_ID_PATTERN.test(resource.slice(4))) {
      return 'The key id after key/ must be a lower-case UUID like 1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- and 32 hex digits.';
    }
    return undefined;
  }
  if (resource.startsWith('alias/')) {
    const alias = resource.slice(6);
    // AWS managed keys' key policies cannot be changed, so no one outside the account can be granted their use.
    if (alias.startsWith('aws/')) return 'AWS managed keys (alias/aws/…) cannot be shared; use a customer managed key.';
    if (!ALIAS_NAME_PATTERN.test(alias)) return 'The alias name after alias/ may contain only letters, digits, /, _ and -.';
    return undefined;
  }
  return `The ARN must end in key/<key id> or alias/<alias name>, like ${KEY_ARN_EXAMPLE}.`;
}

const ROLE_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov|aws-eusc):iam::(\d{12}):role\/(?:[\x21-\x2e\x30-\x7e]+\/)*[\w+=,.@-]{1,64}$/;

function roleArnProblem(value: string): string | undefined {
  if (ROLE_ARN_PATTERN.test(value)) return undefined;
  if (/^arn:[^:]+:(iam|sts)::\d{12}:(user|assumed-role|group)\//.test(value)) {
    return `This is not a role ARN; enter the ARN of the IAM role the proxies assume, like ${ROLE_ARN_EXAMPLE}.`;
  }
  return `Enter the role's ARN, like ${ROLE_ARN_EXAMPLE}.`;
}

function accessKeyIdProblem(value: string): string | undefined {
  // ASIA… keys are temporary (STS): they expire within hours and need a session token, so a stored configuration cannot use them.
  if (/^ASIA[A-Z0-9]{16}$/.test(value)) return 'This is a temporary access key (ASIA…); use a long-term access key (AKIA…) or an IAM role.';
  if (!/^AKIA[A-Z0-9]{16}$/.test(value)) return `Enter an access key id: AKIA and 16 capital letters or digits, like ${ACCESS_KEY_ID_EXAMPLE}.`;
  return undefined;
}

export const AWS_AUTH_METHODS = [
  { value: 'assume-role', label: 'IAM role (assume role with an external id)' },
  { value: 'access-keys', label: 'Access keys of an IAM user' },
] as const;
type TAwsAuthMethod = (typeof AWS_AUTH_METHODS)[number]['value'];

export const ZAwsKmsSettings = ZKmsSettingsObject('AWS KMS', {
  keyArn: ZRequiredText(`Enter the key's ARN, like ${KEY_ARN_EXAMPLE}.`, keyArnProblem),
  region: ZAwsRegion,
  authMethod: z.enum(AWS_AUTH_METHODS.map((method) => method.value) as [TAwsAuthMethod, ...TAwsAuthMethod[]], {
    error: 'Choose how the key proxies sign in to AWS: an IAM role or access keys.',
  }),
  roleArn: ZOptionalText(ZRequiredText('Enter the role ARN.', roleArnProblem)),
  externalId: ZOptionalText(
    ZRequiredText('Enter the external id.', (value) => {
      if (value.length < 2 || value.length > 1224) return 'The external id must be 2 to 1224 characters long.';
      if (!/^[\w+=,.@:/-]+$/.test(value)) return 'The external id may contain only letters, digits and _ + = , . @ : / -.';
      return undefined;
    }),
  ),
  accessKeyId: ZOptionalText(ZRequiredText('Enter the access key id.', accessKeyIdProblem)),
  secretAccessKey: ZOptionalText(
    // Trimmed: the format has no spaces, so a space at either end is only ever a copy-and-paste accident.
    ZRequiredText('Enter the secret access key.', (value) =>
      /^[A-Za-z0-9/+]{40}$/.test(value) ? undefined : 'Enter the secret access key: 40 letters, digits, / and + characters.',
    ),
  ),
}).superRefine((settings, ctx) => {
  // Only a valid ARN can be compared with the other fields; an invalid one already has its message.
  const arn = typeof settings.keyArn === 'string' && keyArnProblem(settings.keyArn) === undefined ? KMS_ARN_PATTERN.exec(settings.keyArn) : null;
  const arnPartition = arn?.[1];
  const arnRegion = arn?.[2];
  // A KMS key is regional: the proxies must call the region the key lives in.
  if (arnRegion !== undefined && typeof settings.region === 'string' && AWS_REGION_PATTERN.test(settings.region) && settings.region !== arnRegion) {
    ctx.addIssue({ code: 'custom', path: ['region'], message: `The region must be ${arnRegion}, the region in the key ARN.` });
  }

  if (settings.authMethod === 'assume-role') {
    checkExclusiveFields(ctx, settings, {
      required: {
        roleArn: `Enter the ARN of the role the proxies assume, like ${ROLE_ARN_EXAMPLE}.`,
        externalId: "Enter the external id that the role's trust policy requires.",
      },
      refused: {
        accessKeyId: 'Leave the access key id empty when the proxies sign in with an IAM role.',
        secretAccessKey: 'Leave the secret access key empty when the proxies sign in with an IAM role.',
      },
    });
    const rolePartition = typeof settings.roleArn === 'string' ? ROLE_ARN_PATTERN.exec(settings.roleArn)?.[1] : undefined;
    // Partitions are separate AWS worlds: a role in one cannot use a key in another.
    if (arnPartition !== undefined && rolePartition !== undefined && rolePartition !== arnPartition) {
      ctx.addIssue({ code: 'custom', path: ['roleArn'], message: `The role must be in the key's partition, ${arnPartition} (arn:${arnPartition}:iam::…).` });
    }
  } else if (settings.authMethod === 'access-keys') {
    checkExclusiveFields(ctx, settings, {
      required: {
        accessKeyId: `Enter the access key id, like ${ACCESS_KEY_ID_EXAMPLE}.`,
        secretAccessKey: 'Enter the secret access key that goes with the access key id.',
      },
      refused: {
        roleArn: 'Leave the role ARN empty when the proxies sign in with access keys.',
        externalId: 'Leave the external id empty when the proxies sign in with access keys.',
      },
    });
  }
}, whenSettingsObject);

export type TAwsKmsSettings = z.infer<typeof ZAwsKmsSettings>;

export const awsKms = defineProvider({
  id: 'aws-kms',
  kind: 'kms',
  label: 'AWS KMS',
  description: 'Lets the key proxies encrypt and decrypt with a customer managed key in your AWS account.',
  schema: ZAwsKmsSettings,
  fields: [
    defineField({
      name: 'keyArn',
      label: 'Key ARN',
      help: 'The ARN of a customer managed symmetric key, or of an alias that points to one; in the KMS console, open the key and copy its ARN.',
      example: KEY_ARN_EXAMPLE,
    }),
    defineField({
      name: 'region',
      label: 'Region',
      help: 'The region the key lives in; it must be the region in the key ARN.',
      example: 'eu-west-1',
    }),
    defineField({
      name: 'authMethod',
      label: 'Sign in with',
      help: 'An IAM role is recommended: the proxies assume it with an external id, and no long-lived secret is stored.',
      example: 'assume-role',
      input: 'select',
      options: AWS_AUTH_METHODS,
    }),
    defineField({
      name: 'roleArn',
      label: 'Role ARN',
      help: "The IAM role the proxies assume; its trust policy names the vendor's account and the external id, and its policy allows the KMS operations on the key.",
      example: ROLE_ARN_EXAMPLE,
      showWhen: { field: 'authMethod', equals: 'assume-role' },
    }),
    defineField({
      name: 'externalId',
      label: 'External id',
      help: "The sts:ExternalId condition in the role's trust policy, 2–1224 characters; it stops another customer of the vendor from using your role.",
      example: 'cmk-example-external-id',
      showWhen: { field: 'authMethod', equals: 'assume-role' },
    }),
    defineField({
      name: 'accessKeyId',
      label: 'Access key id',
      help: 'The access key id of an IAM user allowed to use the key (IAM → Users → Security credentials); it starts with AKIA.',
      example: ACCESS_KEY_ID_EXAMPLE,
      showWhen: { field: 'authMethod', equals: 'access-keys' },
    }),
    defineField({
      name: 'secretAccessKey',
      label: 'Secret access key',
      help: 'The 40-character secret shown once when the access key was created.',
      example: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      secret: true,
      showWhen: { field: 'authMethod', equals: 'access-keys' },
    }),
    leasedKeyLifetimeField,
  ],
  example: {
    keyArn: KEY_ARN_EXAMPLE,
    region: 'eu-west-1',
    authMethod: 'assume-role',
    roleArn: ROLE_ARN_EXAMPLE,
    externalId: 'cmk-example-external-id',
  },
});
