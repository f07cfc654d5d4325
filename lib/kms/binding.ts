// The canonical forms of a KMS binding (TKmsBinding), shared by every driver,
// so that each binds the same pairs the same way: the tenant id first, then
// the context's pairs sorted by name. A binding without context (or with an
// empty one) gives exactly the forms the drivers bound before context
// existed, so every EDEK made so far keeps opening:
//   - pairs: [['tenantId', tenantId]] (AWS: EncryptionContext { tenantId });
//   - JSON:  {"tenantId":"…"}, as JSON.stringify({ tenantId }) wrote it (Google);
//   - text:  the tenant id itself (Vault, CipherTrust).
// With context, the text form is the JSON form. It starts with '{', which no
// tenant id can (ZTenantExternalId: lower-case letters, digits, '.', '_', '-'),
// so a bound text never means both a tenant-only and a context binding.
import { KmsError, type TKmsBinding, type TKmsErrorCode } from './types';

/** At most this many context pairs beside the tenant. */
export const MAX_CONTEXT_PAIRS = 8;
/** Longest context name or value, in characters (AWS allows far more; tenant secrets need a few dozen). */
export const MAX_CONTEXT_CHARS = 256;

export type TBindingPair = readonly [name: string, value: string];

const byName = (a: TBindingPair, b: TBindingPair) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function refuse(failed: TKmsErrorCode, why: string): never {
  throw new KmsError(failed, `No tenant to bind the key to: ${why}.`);
}

/** The context's pairs, sorted by name; refuses what no driver can bind. */
function contextPairs(binding: TKmsBinding, failed: TKmsErrorCode): TBindingPair[] {
  const context: unknown = binding.context;
  if (context === undefined) return [];
  if (typeof context !== 'object' || context === null || Array.isArray(context)) refuse(failed, 'the context is not a map of names to values');
  const entries = Object.entries(context as Record<string, unknown>);
  if (entries.length > MAX_CONTEXT_PAIRS) refuse(failed, `the context has more than ${MAX_CONTEXT_PAIRS} pairs`);
  const pairs: TBindingPair[] = [];
  for (const [name, value] of entries) {
    if (name === 'tenantId') refuse(failed, 'the context may not name tenantId');
    if (name.length === 0 || name.length > MAX_CONTEXT_CHARS) refuse(failed, `a context name must be 1–${MAX_CONTEXT_CHARS} characters`);
    if (typeof value !== 'string') refuse(failed, 'a context value is not a string');
    if (value.length === 0 || value.length > MAX_CONTEXT_CHARS) refuse(failed, `a context value must be 1–${MAX_CONTEXT_CHARS} characters`);
    pairs.push([name, value]);
  }
  return pairs.sort(byName);
}

/** Refuses a binding with no tenant or a context no driver can bind (the message names no value). */
export function checkBinding(binding: TKmsBinding, failed: TKmsErrorCode): void {
  bindingPairs(binding, failed);
}

/** Whether the binding carries pairs beside the tenant. */
export const hasContext = (binding: TKmsBinding): boolean => typeof binding.context === 'object' && binding.context !== null && Object.keys(binding.context).length > 0;

/** ['tenantId', tenantId] first, then the context's pairs sorted by name. */
export function bindingPairs(binding: TKmsBinding, failed: TKmsErrorCode): TBindingPair[] {
  if (typeof binding?.tenantId !== 'string' || binding.tenantId === '') throw new KmsError(failed, 'No tenant to bind the key to.');
  return [['tenantId', binding.tenantId], ...contextPairs(binding, failed)];
}

/** The pairs as a map (AWS KMS EncryptionContext; KMS itself ignores the order). */
export const bindingRecord = (binding: TKmsBinding, failed: TKmsErrorCode): Record<string, string> => Object.fromEntries(bindingPairs(binding, failed));

/**
 * The pairs as one JSON object, in their canonical order. Written pair by pair,
 * since a JS object would put integer-like names first; for a tenant alone
 * the same bytes as JSON.stringify({ tenantId }).
 */
export function bindingJson(binding: TKmsBinding, failed: TKmsErrorCode): string {
  return `{${bindingPairs(binding, failed)
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
    .join(',')}}`;
}

/** The tenant id alone when there is no context (what Vault and CipherTrust bound before), else the JSON form. */
export function bindingText(binding: TKmsBinding, failed: TKmsErrorCode): string {
  const json = bindingJson(binding, failed);
  return hasContext(binding) ? json : binding.tenantId;
}
