'use client';
// A key's fingerprint for people to compare: the RFC 7638 thumbprint,
// computed here from the public key itself (never taken from the server), as
// 8 groups of 4 characters plus a picture. Compare the groups; the picture is
// only a quick first check.
import type { JWK } from 'jose';
import { useEffect, useState } from 'react';
import { identiconSvg } from '@/lib/crypto/identicon';
import { fingerprintGroups, jwkThumbprint } from '@/lib/crypto/thumbprint';

export function useThumbprint(jwk: JWK | null | undefined): string | null {
  const [thumbprint, setThumbprint] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    if (!jwk) return;
    jwkThumbprint(jwk).then(
      (t) => !cancelled && setThumbprint(t),
      () => !cancelled && setThumbprint(null),
    );
    return () => {
      cancelled = true;
    };
  }, [jwk]);
  return jwk ? thumbprint : null;
}

export function Fingerprint({ jwk, label, size = 56 }: { jwk: JWK | null | undefined; label: string; size?: number }) {
  const thumbprint = useThumbprint(jwk);
  if (!thumbprint) return <span className="text-sm text-slate-500">Computing fingerprint…</span>;
  const groups = fingerprintGroups(thumbprint);
  const svg = `data:image/svg+xml;base64,${btoa(identiconSvg(thumbprint, size))}`;
  return (
    <figure className="flex items-center gap-3" data-testid="fingerprint" data-thumbprint={thumbprint}>
      {/* eslint-disable-next-line @next/next/no-img-element -- a generated data: SVG, nothing to optimise */}
      <img src={svg} width={size} height={size} alt="" className="rounded border border-slate-200 dark:border-slate-700" />
      <figcaption>
        <span className="sr-only">{label}: </span>
        <code className="font-mono text-sm tracking-wide" data-testid="fingerprint-groups" aria-label={`${label}: ${groups.join(', ')}`}>
          {groups.join(' ')}
        </code>
      </figcaption>
    </figure>
  );
}

/** A small picture and the first two groups, for tables; the full fingerprint is on the detail page. */
export function ShortFingerprint({ jwk, label }: { jwk: JWK | null | undefined; label: string }) {
  const thumbprint = useThumbprint(jwk);
  if (!thumbprint) return <span className="text-sm text-slate-500">…</span>;
  const groups = fingerprintGroups(thumbprint).slice(0, 2);
  const svg = `data:image/svg+xml;base64,${btoa(identiconSvg(thumbprint, 20))}`;
  return (
    <span className="inline-flex items-center gap-2" data-testid="short-fingerprint" data-thumbprint={thumbprint}>
      {/* eslint-disable-next-line @next/next/no-img-element -- a generated data: SVG, nothing to optimise */}
      <img src={svg} width={20} height={20} alt="" className="rounded border border-slate-200 dark:border-slate-700" />
      <code className="font-mono text-xs" aria-label={`${label}: ${groups.join(', ')} and more`}>
        {groups.join(' ')}…
      </code>
    </span>
  );
}
