// Which provider's field list shows a decrypted configuration. The provider in
// the broker's listing is clear metadata the broker can change; the one inside
// the signed document is the tenant's. Settings are always rendered with the
// signed one, so a configuration relabelled by the broker (a Sumo Logic or
// webhook configuration shown as Splunk HEC or Elastic, say) can never show a
// secret field, such as a URL holding a token, unmasked. A mismatch is
// reported, never smoothed over.
import type { TConfigDocument } from '@/lib/crypto/config-document';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';

export type TSignedProvider =
  | { ok: true; provider: TProvider; relabelled: null }
  /** The broker lists the configuration under another provider than the signed one (`listed`: the broker's id). */
  | { ok: true; provider: TProvider; relabelled: { listed: string; message: string } }
  | { ok: false; message: string };

export function signedProvider(listed: string, document: Pick<TConfigDocument, 'typ' | 'provider'>): TSignedProvider {
  const provider = findProvider(document.provider);
  if (!provider || provider.kind !== document.typ) {
    return { ok: false, message: `The signed configuration names the provider “${document.provider}”, which this broker cannot show. Its settings are not displayed.` };
  }
  if (listed === provider.id) return { ok: true, provider, relabelled: null };
  const claimed = findProvider(listed)?.label ?? listed;
  return {
    ok: true,
    provider,
    relabelled: {
      listed,
      message: `The broker lists this configuration as ${claimed}, but the signed content is a ${provider.label} configuration. It is shown as ${provider.label}. Someone changed the broker’s record: do not edit it here, and tell the vendor.`,
    },
  };
}
