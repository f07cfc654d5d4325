// The words the consoles show for values the API returns as codes: provider
// ids, statuses, a deployment's applied cursor and lag. One place, so the
// operator's pages say what the tenant admins' pages say ("AWS KMS",
// "Active"), and so the wording is unit-tested rather than spread over JSX.
import { findProvider } from '@/lib/schemas/providers/registry';

/** The registry's label ("AWS KMS"); an id the registry does not know is shown as it is. */
export function providerLabel(id: string): string {
  return findProvider(id)?.label ?? id;
}

/**
 * A status code as a word: "active" → "Active", "not_approved" → "Not approved".
 * A tenant without keys is "invited" in the API, but nothing was accepted yet:
 * the tenant list already calls that "Invitation pending".
 */
export function statusWord(status: string): string {
  if (status === 'invited') return 'Invitation pending';
  const words = status.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A tenant's KMS or SIEM column: "AWS KMS · 2 active", "No primary · 1 active", or null for none. */
export function providerSummary({ primaryProvider, count }: { primaryProvider: string | null; count: number }): string | null {
  if (count === 0) return null;
  return `${primaryProvider ? providerLabel(primaryProvider) : 'No primary'} · ${count} active`;
}

/**
 * What a deployment has applied, in words — "Up to date", "6 changes behind",
 * "Never applied" — and, for support, the raw cursor it reported (`v1.d.9`),
 * which means nothing to most readers but pins down exactly where it stands.
 * `lag` is null until the deployment reports a completed sync.
 */
export function appliedText({ appliedCursor, lag }: { appliedCursor: string | null; lag: number | null }): { text: string; cursor: string } {
  const cursor = appliedCursor ? `Reported cursor: ${appliedCursor}` : 'No cursor reported yet';
  if (lag === null) return { text: 'Never applied', cursor };
  if (lag === 0) return { text: 'Up to date', cursor };
  return { text: `${lag} ${lag === 1 ? 'change' : 'changes'} behind`, cursor };
}
