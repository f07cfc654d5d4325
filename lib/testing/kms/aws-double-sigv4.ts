// Signature Version 4 verification for the AWS protocol double: recomputes the
// canonical request, string to sign and signing key with node:crypto alone
// (nothing shared with the SDK's signer), so a request the double accepts is
// one the real AWS would accept too. Covers what the SDK sends to KMS and STS:
// the Authorization header form, not presigned query strings.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type TSigV4Request = {
  method: string;
  /** The request target as received, path and query. */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: readonly string[];
  body: Buffer;
};

export type TSigV4Secret = { secretAccessKey: string; sessionToken?: string };

export type TSigV4Expectation = {
  region: string;
  service: string;
  now: number;
  maxSkewMs: number;
  /** The secret for an access key id; undefined when the id is unknown. */
  lookup(accessKeyId: string): TSigV4Secret | undefined;
  /** Headers that must be signed when present, besides host, x-amz-date and x-amz-security-token. */
  mustSign?: readonly string[];
};

/** Why a request was refused; each service renders these as its own error codes. */
export type TSigV4Failure = 'missing' | 'incomplete' | 'unknown-key' | 'bad-token' | 'bad-scope' | 'stale' | 'bad-signature';

export type TSigV4Result = { ok: true; accessKeyId: string } | { ok: false; failure: TSigV4Failure; detail: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTH_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  // Services other than S3 double-encode: each segment is decoded, then encoded twice.
  const segments = path.split('/').map((segment) => rfc3986(rfc3986(decodeURIComponent(segment))));
  return segments.join('/') || '/';
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').map((part) => {
    const [name = '', value = ''] = part.split('=');
    return [rfc3986(decodeURIComponent(name.replace(/\+/g, ' '))), rfc3986(decodeURIComponent(value.replace(/\+/g, ' ')))] as const;
  });
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = (rawHeaders[i + 1] as string).trim().replace(/\s+/g, ' ');
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return new Map([...headers].map(([name, values]) => [name, values.join(',')]));
}

function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE_PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

export function verifySigV4(request: TSigV4Request, expect: TSigV4Expectation): TSigV4Result {
  const fail = (failure: TSigV4Failure, detail: string): TSigV4Result => ({ ok: false, failure, detail });
  const headers = headerMap(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (authorization === undefined) return fail('missing', 'Missing Authentication Token');
  const auth = AUTH_PATTERN.exec(authorization);
  if (!auth) return fail('incomplete', `Authorization header requires ${ALGORITHM} with Credential, SignedHeaders and Signature.`);
  const [, credential = '', signedHeaderList = '', signature = ''] = auth;
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = '', ...extra] = credential.split('/');
  if (extra.length > 0 || terminator !== 'aws4_request' || !/^\d{8}$/.test(scopeDate)) {
    return fail('incomplete', 'Credential must be <access key id>/<date>/<region>/<service>/aws4_request.');
  }

  const amzDate = headers.get('x-amz-date');
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined) return fail('incomplete', 'The request must carry X-Amz-Date as YYYYMMDDTHHMMSSZ.');
  if (!amzDate.startsWith(scopeDate)) return fail('bad-scope', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'`);

  const signedHeaders = signedHeaderList.split(';');
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.some((name, i) => name !== sorted[i] || name !== name.toLowerCase() || name === '')) {
    return fail('incomplete', 'SignedHeaders must be lower-case and sorted.');
  }
  const required = ['host', 'x-amz-date', ...(headers.has('x-amz-security-token') ? ['x-amz-security-token'] : []), ...(expect.mustSign ?? [])];
  const unsigned = required.filter((name) => headers.has(name) && !signedHeaders.includes(name));
  if (unsigned.length > 0 || !headers.has('host')) return fail('incomplete', `Headers that must be signed: ${required.join(', ')}.`);
  if (signedHeaders.some((name) => !headers.has(name))) return fail('incomplete', 'A signed header is missing from the request.');

  const secret = expect.lookup(accessKeyId);
  if (secret === undefined) return fail('unknown-key', 'The security token included in the request is invalid.');
  const token = headers.get('x-amz-security-token');
  if (secret.sessionToken !== token) return fail('bad-token', 'The security token included in the request is invalid.');
  if (region !== expect.region) return fail('bad-scope', `Credential should be scoped to a valid region, not '${region}'.`);
  if (service !== expect.service) return fail('bad-scope', `Credential should be scoped to correct service: '${expect.service}'.`);
  if (Math.abs(expect.now - signedAt) > expect.maxSkewMs) {
    return fail('stale', `Signature expired: ${amzDate} is now earlier or later than the allowed ${expect.maxSkewMs / 60_000} minutes.`);
  }

  const bodyHash = sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== bodyHash) return fail('bad-signature', 'The provided x-amz-content-sha256 header does not match what was computed.');

  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    signedHeaders.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaderList,
    declaredHash ?? bodyHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', signingKey(secret.secretAccessKey, scopeDate, region, service)).update(stringToSign, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return fail('bad-signature', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return { ok: true, accessKeyId };
}
