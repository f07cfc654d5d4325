// Every provider the broker knows, by id. The browser renders forms from it,
// the server checks clear metadata against it, the proxy client validates
// decrypted settings with it.
import { KMS_PROVIDERS } from './kms';
import { SIEM_PROVIDERS } from './siem';
import type { TConfigKind, TProvider } from './types';

export const PROVIDERS: readonly TProvider[] = [...KMS_PROVIDERS, ...SIEM_PROVIDERS];

const BY_ID = new Map(PROVIDERS.map((p) => [p.id, p]));

export function findProvider(id: string): TProvider | undefined {
  return BY_ID.get(id);
}

export function providersOfKind(kind: TConfigKind): TProvider[] {
  return PROVIDERS.filter((p) => p.kind === kind);
}
