import 'server-only';
// Who is calling: the client address the broker's server recorded (never a
// client-supplied header unless TRUST_PROXY) and the user agent, for rate
// limits and audit.
export function clientIp(headers: Headers): string {
  return headers.get('x-cmk-client-ip') ?? 'unknown';
}

export function userAgent(headers: Headers): string | undefined {
  return headers.get('user-agent')?.slice(0, 300) ?? undefined;
}
