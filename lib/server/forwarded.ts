import 'server-only';
// Reading X-Forwarded-* headers set by the reverse proxies in front of the
// broker (TRUST_PROXY = how many there are).

/**
 * The value our own reverse proxies put in an X-Forwarded-* header. Proxies
 * append to what the client sent, so only the last `hops` entries are theirs;
 * the one the outermost added is `hops` from the right. Everything to its
 * left is the client's to choose (a spoofed address would slip past every
 * per-address limit and into the audit trail). With fewer entries than proxies
 * the request did not come through them all, and nothing is taken.
 */
export function forwardedValue(header: string | string[] | undefined, hops: number): string {
  if (hops === 0 || header === undefined) return '';
  const entries = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.length >= hops ? (entries[entries.length - hops] as string) : '';
}
