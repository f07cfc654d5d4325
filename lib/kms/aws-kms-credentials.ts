// Temporary credentials for tenants whose AWS KMS configuration has the proxy
// assume a role with an external id: one STS AssumeRole, cached, refreshed
// ahead of expiry, with concurrent callers sharing one refresh. Shaped as the
// SDK's credential provider, so the KMS client signs with whatever it returns.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';

import { mapAwsError } from './aws-kms-errors';
import { withDeadline } from './deadline';
import { KmsError } from './types';

export type TAwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** How long before expiry a refresh starts, at most; never more than half a session's lifetime. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** AWS accepts [\w+=,.@-]{2,64} as a RoleSessionName; anything else in the name becomes '-'. */
export function sanitizeRoleSessionName(name: string | undefined): string {
  const clean = (name ?? '').replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return clean.length >= 2 ? clean : 'cmk-tsp';
}

export function assumeRoleCredentials(
  sts: STSClient,
  role: { roleArn: string; externalId: string; roleSessionName: string },
  timeoutMs: number,
): () => Promise<TAwsCredentials> {
  let current: { credentials: TAwsCredentials; refreshAt: number } | undefined;
  let refreshing: Promise<TAwsCredentials> | undefined;

  async function assume(): Promise<TAwsCredentials> {
    const startedAt = Date.now();
    try {
      const answer = await withDeadline('AWS STS', timeoutMs, undefined, (abortSignal) =>
        sts.send(new AssumeRoleCommand({ RoleArn: role.roleArn, ExternalId: role.externalId, RoleSessionName: role.roleSessionName }), { abortSignal }),
      );
      const issued = answer.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken || !issued.Expiration) {
        throw new KmsError('kms_unauthorized', 'AWS STS answered AssumeRole without complete credentials.');
      }
      const expiresAt = issued.Expiration.getTime();
      const credentials = { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey, sessionToken: issued.SessionToken, expiration: issued.Expiration };
      current = { credentials, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, (expiresAt - startedAt) / 2) };
      return credentials;
    } catch (error) {
      // Without credentials no KMS call can be made: an unexplained STS failure is an authorization failure.
      throw mapAwsError(error, 'sts', 'kms_unauthorized');
    }
  }

  return async () => {
    if (current && Date.now() < current.refreshAt) return current.credentials;
    refreshing ??= assume().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
}
