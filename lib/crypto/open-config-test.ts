// Opening a draft's sealed settings for a configuration test, in a proxy, with
// the checks of ./open-config.ts under the test's own type: decrypt with the
// deployment key (cty cmk-config-test+jws) → inner JWS by the tenant signing
// key the proxy pinned (typ cmk-config-test+jws) → the document names this
// tenant and this test → issued within the last 10 minutes → the provider
// schema parses the settings. A configuration never opens here, and a test
// never opens as a configuration (openConfig pins cmk-config+jws).
//
// Each failure carries `check`: recipient, decrypt, signature (codes as
// openConfig's), tenant, test, content ('decrypt_failed': signed, but not for
// this test), age ('expired') and settings ('invalid_input', field paths only).
import { CONFIG_TEST_CTY, type TConfigTestDocument } from '@/lib/schemas/config-tests';
import { findProvider } from '@/lib/schemas/providers/registry';

import { CryptoError } from './errors';
import { resolveVerifyKey, type TVerifyKey } from './es256-jws';
import type { TFlattenedJwe, TGeneralJwe } from './jwe-types';
import { assertDecryptionKey, decryptSelected, selectRecipient, step, verifySealedJws } from './open-config';
import { readConfigTestDocument } from './seal-config-test';

/** How old a draft's document may be when a proxy opens it. */
export const CONFIG_TEST_MAX_AGE_S = 600;
/** Clock skew allowed for a document issued "in the future". */
const MAX_SKEW_S = 60;

export type TOpenConfigTestInput = {
  jwe: TGeneralJwe | TFlattenedJwe | Record<string, unknown>;
  decryptionKey: CryptoKey;
  decryptionKid: string;
  /** The tenant signing key the proxy pinned (from its verified bundle). */
  verifyKey: TVerifyKey;
  /** What the broker's pick-up said the test is: the document must say the same. */
  expected: { tenantId: string; testId: string; kind?: 'kms' | 'siem'; configId?: string | null };
  /** Seconds since the epoch (default: now). */
  now?: number;
};

const refuse = (message: string) => new CryptoError('decrypt_failed', `The configuration test does not match what was expected: ${message}`);

function checkDocument(payload: Record<string, unknown>, expected: TOpenConfigTestInput['expected']): TConfigTestDocument {
  let document: TConfigTestDocument;
  try {
    document = readConfigTestDocument(payload);
  } catch (cause) {
    throw new CryptoError('decrypt_failed', (cause as Error).message, { cause });
  }
  if (document.tenantId !== expected.tenantId) throw new CryptoError('decrypt_failed', refuse('it belongs to another tenant.').message, { check: 'tenant' });
  if (document.testId !== expected.testId) throw new CryptoError('decrypt_failed', refuse('it is another test.').message, { check: 'test' });
  if ((expected.kind !== undefined && document.kind !== expected.kind) || (expected.configId !== undefined && document.configId !== expected.configId)) {
    throw refuse('its kind or configuration is not the one the broker named.');
  }
  return document;
}

function checkAge(document: TConfigTestDocument, now: number): void {
  if (document.iat < now - CONFIG_TEST_MAX_AGE_S) throw new CryptoError('expired', `The configuration test was signed more than ${CONFIG_TEST_MAX_AGE_S / 60} minutes ago.`);
  if (document.iat > now + MAX_SKEW_S) throw new CryptoError('expired', 'The configuration test is dated in the future.');
}

function checkSettings(document: TConfigTestDocument): TConfigTestDocument {
  const provider = findProvider(document.provider);
  if (!provider || provider.kind !== document.kind) throw new CryptoError('invalid_input', `Unknown provider "${document.provider}" for kind ${document.kind}.`);
  const parsed = provider.schema.safeParse(document.settings);
  if (!parsed.success) {
    // Paths and issue codes only: a zod message may quote the offending value.
    const paths = [...new Set(parsed.error.issues.map((i) => `settings${i.path.map((p) => `.${String(p)}`).join('')} (${i.code})`))];
    throw new CryptoError('invalid_input', `The settings do not match the provider schema: ${paths.join(', ')}.`);
  }
  return { ...document, settings: parsed.data as Record<string, unknown> };
}

/** Decrypts, verifies and checks a draft's document for one test; the settings come back parsed by the provider schema. */
export async function openConfigTest({ jwe, decryptionKey, decryptionKid, verifyKey, expected, now }: TOpenConfigTestInput): Promise<TConfigTestDocument> {
  assertDecryptionKey(decryptionKey, decryptionKid);
  if (typeof expected?.tenantId !== 'string' || typeof expected.testId !== 'string') throw new CryptoError('invalid_input', 'Expected the tenant and test to check against.');
  const signer = await resolveVerifyKey(verifyKey);
  const selected = await step('recipient', () => selectRecipient(jwe, decryptionKid, CONFIG_TEST_CTY));
  const jws = await step('decrypt', () => decryptSelected(selected, decryptionKey, CONFIG_TEST_CTY));
  const payload = await step('signature', () => verifySealedJws(jws, signer, CONFIG_TEST_CTY, 'Configuration test signature'));
  const document = await step('content', () => checkDocument(payload, expected));
  await step('age', () => checkAge(document, now ?? Math.floor(Date.now() / 1000)));
  return step('settings', () => checkSettings(document));
}
