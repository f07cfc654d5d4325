'use client';
// How configuration failures read. A change made elsewhere is refused, never
// merged: the admin reloads and decides again. A failed decryption or
// signature check is a security warning, and nothing of the content is shown.
import { ZodError } from 'zod';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ApiError } from '@/lib/client/fetchers';
import { UntrustedTenantKeysError } from '@/lib/client/tenant-key-pin';
import { CryptoError } from '@/lib/crypto/errors';
import { IntegrityError } from './use-configs';

export type TErrorKind = 'changed' | 'security' | 'invalid' | 'other';

export function errorKind(error: unknown): TErrorKind {
  if (error instanceof ApiError) return error.code === 'changed_elsewhere' ? 'changed' : 'other';
  if (error instanceof CryptoError || error instanceof IntegrityError || error instanceof UntrustedTenantKeysError) return 'security';
  if (error instanceof ZodError) return 'invalid';
  return 'other';
}

function plainMessage(error: unknown): string {
  if (error instanceof ApiError) return error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
  if (error instanceof ZodError) return `The settings do not pass the provider’s checks: ${error.issues[0]?.message ?? 'invalid value'}`;
  // The messages of lib/client/configs.ts are written for admins; anything else is a bug.
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again in a moment.';
}

export function SecurityAlert({ title, error }: { title: string; error: unknown }) {
  return (
    <Alert tone="error" title={title}>
      <p>{plainMessage(error)}</p>
      <p className="mt-2">
        The content was not shown because it could not be verified as your tenant’s own. This can mean the broker or someone with access to it
        altered or substituted data. Do not enter or trust secrets here; tell your other administrators and the vendor.
      </p>
    </Alert>
  );
}

/**
 * The broker offered tenant keys this browser does not trust (lib/client/tenant-key-pin.ts).
 * No retry: asking again gets the same keys, and only people can settle it.
 */
export function KeysNotTrustedAlert({ error }: { error: UntrustedTenantKeysError }) {
  return (
    <Alert tone="error" title="These are not the tenant keys this browser trusts">
      <p>{error.message}</p>
      <p className="mt-2">
        Nothing was decrypted, signed or sent with these keys. Do not enter or change secrets for this tenant. Ask another administrator to open
        the tenant in their own browser and compare the signing key fingerprint with you, and tell the vendor: a legitimate key rotation always
        comes with a statement signed by the previous key, which this browser would have followed.
      </p>
    </Alert>
  );
}

/** The outcome of a failed change, with Reload when another admin changed something first. */
export function ChangeFailed({ error, onReload, reloading }: { error: unknown; onReload: () => void; reloading?: boolean }) {
  const kind = errorKind(error);
  if (kind === 'changed') {
    return (
      <Alert tone="error" title="Changed elsewhere — reload">
        <p>
          Another administrator changed this tenant’s configurations after you loaded them. Your change was not saved and nothing was merged. Reload to
          see the current state, then make your change again.
        </p>
        <Button variant="secondary" className="mt-3" busy={reloading} onClick={onReload}>
          Reload
        </Button>
      </Alert>
    );
  }
  if (error instanceof UntrustedTenantKeysError) return <KeysNotTrustedAlert error={error} />;
  if (kind === 'security') return <SecurityAlert title="Verification failed — nothing was changed" error={error} />;
  return (
    <Alert tone="error" title="The change was not saved">
      {plainMessage(error)}
    </Alert>
  );
}

export function LoadFailed({ title, error, onRetry, retrying }: { title: string; error: unknown; onRetry: () => void; retrying: boolean }) {
  if (error instanceof UntrustedTenantKeysError) return <KeysNotTrustedAlert error={error} />;
  if (errorKind(error) === 'security') return <SecurityAlert title={title} error={error} />;
  return (
    <Alert tone="error" title={title}>
      <p>{plainMessage(error)}</p>
      <Button variant="secondary" className="mt-3" busy={retrying} onClick={onRetry}>
        Retry
      </Button>
    </Alert>
  );
}
