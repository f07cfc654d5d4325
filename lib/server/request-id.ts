import 'server-only';
// Request ids tie a user-visible error to its log line. A caller-supplied
// X-Request-Id is kept only if it is short and plain (it ends up in logs).
import { randomBytes } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function newRequestId(): string {
  return randomBytes(12).toString('base64url');
}

export function requestIdFrom(headers: Headers): string {
  const given = headers.get('x-request-id');
  return given && SAFE_ID.test(given) ? given : newRequestId();
}
