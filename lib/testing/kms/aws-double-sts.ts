// The STS half of the AWS double: AssumeRole over the query protocol (form
// body in, XML out), checking the role's trust (caller's access key) and its
// external id as a trust policy's sts:ExternalId condition does, and issuing
// ASIA… temporary credentials that the double's KMS then accepts until they expire.
import { randomInt } from 'node:crypto';

import type { TSigV4Failure } from './aws-double-sigv4';
import { newAccessKeyId, newSecretAccessKey, newSessionToken, type TCaller, type TDoubleState } from './aws-double-state';

export type TStsAnswer = { status: number; xml: string; principal?: string };

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_DURATION_SECONDS = 3600;

const escapeXml = (value: string) =>
  value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);

/** How STS answers a request whose signature did not check out. */
export const STS_AUTH_ERRORS: Record<TSigV4Failure, [number, string]> = {
  missing: [403, 'MissingAuthenticationToken'],
  incomplete: [400, 'IncompleteSignature'],
  'unknown-key': [403, 'InvalidClientTokenId'],
  'bad-token': [403, 'InvalidClientTokenId'],
  'bad-scope': [403, 'SignatureDoesNotMatch'],
  stale: [403, 'SignatureDoesNotMatch'],
  'bad-signature': [403, 'SignatureDoesNotMatch'],
};

export function stsError(status: number, code: string, message: string, requestId: string): TStsAnswer {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    xml: `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function assumeRole(state: TDoubleState, caller: TCaller, params: URLSearchParams, requestId: string): TStsAnswer {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    return stsError(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint", requestId);
  }
  const role = state.roles.get(roleArn);
  const externalId = params.get('ExternalId') ?? undefined;
  // One message for every refusal, as AWS gives: an unknown role, an untrusted caller and a wrong external id look alike.
  if (!role || state.denied.has(caller.principal) || !role.trusted.includes(caller.accessKeyId) || role.externalId !== externalId) {
    return stsError(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, requestId);
  }
  const requested = Number(params.get('DurationSeconds') ?? DEFAULT_DURATION_SECONDS);
  if (!Number.isInteger(requested) || requested < 900 || requested > 43_200) {
    return stsError(400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint", requestId);
  }
  const durationSeconds = state.sessionDurationSeconds ?? requested;
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const roleId = `AROA${Array.from({ length: 17 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[randomInt(32)]).join('')}`;
  const session = {
    accessKeyId: newAccessKeyId('ASIA'),
    secretAccessKey: newSecretAccessKey(),
    sessionToken: newSessionToken(),
    expiration: Math.floor(Date.now() / 1000 + durationSeconds) * 1000,
    roleArn,
    sessionArn: `arn:aws:sts::${state.accountId}:assumed-role/${roleName}/${sessionName}`,
  };
  state.sessions.set(session.accessKeyId, session);
  const expiration = new Date(session.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: 200,
    principal: caller.principal,
    xml:
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>` +
      `<AssumedRoleUser><Arn>${escapeXml(session.sessionArn)}</Arn><AssumedRoleId>${roleId}:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${session.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

export function handleSts(state: TDoubleState, caller: TCaller, params: URLSearchParams, requestId: string): TStsAnswer {
  if (params.get('Version') !== '2011-06-15') return stsError(400, 'InvalidParameterValue', 'Version must be 2011-06-15.', requestId);
  const action = params.get('Action');
  if (action === 'AssumeRole') return assumeRole(state, caller, params, requestId);
  return stsError(400, 'InvalidAction', `Could not find operation ${action ?? ''} for version 2011-06-15`, requestId);
}
